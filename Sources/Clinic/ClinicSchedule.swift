import Foundation
import SessionKit

/// A clinic's timetable: which sessions play when, on which device, at what volume.
///
/// Written by staff as JSON (docs/clinic.md, schemas/schedule.schema.json) and read by ``parse(bytes:file:)`` with
/// every problem located, as sessions are. Times are wall-clock times in a named IANA zone; how they meet daylight
/// saving is ``LocalResolution``'s rule, and when each one plays, is missed or is skipped is ``Scheduler``'s.
public struct ClinicSchedule: Sendable, Equatable {
    /// The file it was read from, as named.
    public var file: String
    /// The zone every rule without its own is read in: an IANA name ("Europe/London"); nil reads them in the
    /// machine's zone, looked up afresh at every wake (so a machine moved to another zone follows it).
    public var timeZone: String?
    /// The ALSA device a rule without its own plays on; nil: the daemon's `--device`.
    public var device: String?
    public var rules: [ScheduleRule]

    public init(file: String, timeZone: String? = nil, device: String? = nil, rules: [ScheduleRule]) {
        self.file = file
        self.timeZone = timeZone
        self.device = device
        self.rules = rules
    }

    /// The largest file accepted, bytes.
    public static let maximumFileSize = 1 << 20
    /// The most rules a schedule may hold.
    public static let maximumRules = 500
}

/// One line of a timetable: a session at one or more times, weekly or on one date.
public struct ScheduleRule: Sendable, Equatable {
    /// When a rule comes round.
    public enum Days: Sendable, Equatable {
        /// On these days of every week.
        case weekly(Set<Weekday>)
        /// Once, on this date.
        case once(LocalDate)
    }

    /// What happens to a run that comes due while another session plays.
    public enum WhenBusy: String, Sendable, Equatable, CaseIterable {
        /// It is recorded as skipped (busy) and not played.
        case skip
        /// It plays as soon as the session playing ends, if that is within ``ScheduleRule/maximumQueueWait``
        /// of its time; otherwise it is recorded as missed.
        case queue
    }

    /// The rule's name, unique in the schedule: how records, `status` and `schedule` name it.
    public var name: String
    /// A session id (bundled or installed) or a session file's absolute path.
    public var session: String
    /// Where `session` is written in the file, for an error found later (no such session).
    public var sessionLocation: JSONLocation
    public var days: Days
    /// The times of day, sorted, without repeats.
    public var times: [LocalTimeOfDay]
    /// An IANA zone name overriding the schedule's; nil: the schedule's.
    public var timeZone: String?
    /// An ALSA device overriding the schedule's; nil: the schedule's.
    public var device: String?
    /// Playback volume, dB, -40…+6 (the device's configured limit still holds).
    public var volume: Double
    /// The session's choices, as `--set` takes them (`pace=1.2`, `skip=left-arm`).
    public var assignments: [String]
    /// Where `set` is written in the file (the rule's own place when it has none), for a choice the session refuses.
    public var assignmentsLocation: JSONLocation?
    /// How late a run may start and still play, seconds (default 600, at most 4 hours): later than that it is
    /// recorded as missed, never played hours late.
    public var graceSeconds: Int
    public var whenBusy: WhenBusy

    /// How long a queued run waits behind another session at most: 1 hour after its time.
    public static let maximumQueueWait = 3600

    public init(
        name: String, session: String, sessionLocation: JSONLocation = JSONLocation(line: 1, column: 1),
        days: Days, times: [LocalTimeOfDay], timeZone: String? = nil, device: String? = nil, volume: Double = 0,
        assignments: [String] = [], graceSeconds: Int = 600, whenBusy: WhenBusy = .skip
    ) {
        self.name = name
        self.session = session
        self.sessionLocation = sessionLocation
        self.days = days
        self.times = times
        self.timeZone = timeZone
        self.device = device
        self.volume = volume
        self.assignments = assignments
        self.graceSeconds = graceSeconds
        self.whenBusy = whenBusy
    }
}

/// One problem in a schedule file, located: `file:line:column: rules[2].at: message; suggestion`.
public struct ScheduleProblem: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// JSON path of the offending value; empty for the whole file.
    public var path: String
    /// 1-based line and column; nil for a problem with the file itself.
    public var line: Int?
    public var column: Int?
    public var message: String
    public var suggestion: String?

    public init(
        file: String, path: String = "", line: Int? = nil, column: Int? = nil, message: String,
        suggestion: String? = nil
    ) {
        self.file = file
        self.path = path
        self.line = line
        self.column = column
        self.message = message
        self.suggestion = suggestion
    }

    public var description: String {
        SessionError.located(
            file: file, line: line, column: column, path: path, message: message, suggestion: suggestion)
    }
}

/// A schedule that cannot be used: every problem in it, by position (never empty).
public struct ScheduleError: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [ScheduleProblem]

    public init(_ problems: [ScheduleProblem]) { self.problems = problems }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
