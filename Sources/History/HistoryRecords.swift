import Foundation
import SessionKit

/// The row of one run of a session in the history database.
public typealias RunID = Int64

/// How a run ended, as the history records it.
public enum RunEnding: String, Sendable, CaseIterable, Codable {
    /// Still playing, or the process never wrote its end (until the next start closes it as ``crash``).
    case open
    /// Played to its last frame.
    case finished
    /// Stopped by the listener at ``RunSummary/position``.
    case stopped
    /// The sound device was lost and did not come back.
    case deviceLost
    /// Ended by a signal (SIGTERM, SIGHUP) with the session faded out.
    case signal
    /// A recording or music file it needed failed while it played.
    case failed
    /// The process ended without writing the end: a crash, a kill or a power loss. Written at the next start.
    case crash
}

/// What is known of a run when it starts, written before its first sound.
public struct RunStart: Sendable, Equatable {
    /// The session's `id`.
    public var sessionID: String
    /// How the listener named it: a bundled or installed session's id, or a file's absolute path; what
    /// `respite resume` plays again.
    public var source: String
    public var title: String
    /// A hash of the session file's bytes (hex), so a run can be tied to the exact script that played.
    public var fileHash: String
    /// The listener's choices as `--set` assignments (`skip=left-arm`, `releaseOnly=true`).
    public var parameters: [String]
    /// The sound device, as `--device` names it, or the output file of a render.
    public var device: String
    /// Engine rate in Hz; frames in the run's events and position are at this rate.
    public var sampleRate: Int
    /// The session's length in frames at this rate, when known.
    public var length: Int?
    /// Wall-clock time of the start.
    public var startedAt: Date
    /// The local time zone at the start (an IANA name, e.g. `America/New_York`).
    public var timeZone: TimeZone
    /// Seconds east of UTC at the start.
    public var utcOffset: Int
    /// The process playing the run, so that its run is never taken for a crashed one while it plays.
    public var process: ProcessIdentity

    public init(
        sessionID: String, source: String, title: String, fileHash: String, parameters: [String], device: String,
        sampleRate: Int,
        length: Int? = nil, startedAt: Date, timeZone: TimeZone = RunStart.localZone(), utcOffset: Int? = nil,
        process: ProcessIdentity = .current()
    ) {
        self.sessionID = sessionID
        self.source = source
        self.title = title
        self.fileHash = fileHash
        self.parameters = parameters
        self.device = device
        self.sampleRate = sampleRate
        self.length = length
        self.startedAt = startedAt
        self.timeZone = timeZone
        self.utcOffset = utcOffset ?? timeZone.secondsFromGMT(for: startedAt)
        self.process = process
    }
}

extension RunStart {
    /// The listener's time zone: `TZ` in any form the C library reads (`America/New_York`, `:America/New_York`,
    /// `/usr/share/zoneinfo/America/New_York`; a POSIX rule such as `<+0330>-3:30` as its fixed offset now), else
    /// the system's (`/etc/localtime`).
    public static func localZone(environment: [String: String] = ProcessInfo.processInfo.environment) -> TimeZone {
        guard var name = environment["TZ"], !name.isEmpty else { return .current }
        if name.hasPrefix(":") { name.removeFirst() }
        for prefix in ["/usr/share/zoneinfo/", "/usr/lib/zoneinfo/"] where name.hasPrefix(prefix) {
            name.removeFirst(prefix.count)
        }
        if let zone = TimeZone(identifier: name) { return zone }
        return TimeZone(secondsFromGMT: localOffset(at: Date())) ?? .current
    }

    /// Seconds east of UTC at `date` as the C library's local time has it (`tm_gmtoff`).
    public static func localOffset(at date: Date) -> Int {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else { return 0 }
        return Int(parts.tm_gmtoff)
    }
}

/// The step a run is in: its number (from 1) and title, as the timeline numbers them.
public struct StepPlace: Sendable, Equatable {
    public var number: Int
    public var title: String

    public init(number: Int, title: String) {
        self.number = number
        self.title = title
    }
}

/// One thing that happened in a run, at its frame and its wall-clock time (as PsychoPy logs stimuli).
public struct HistoryEvent: Sendable, Equatable {
    /// Frame at the run's rate.
    public var frame: Int
    /// Wall-clock time it was heard.
    public var at: Date
    /// `step`, `narration`, `tense`, `release`, `breath`, `paused`, `resumed`, `deviceLost`, `reconnected`, ….
    public var kind: String
    /// Words, a step's title, or a short description; may be empty.
    public var detail: String

    public init(frame: Int, at: Date, kind: String, detail: String = "") {
        self.frame = frame
        self.at = at
        self.kind = kind
        self.detail = detail
    }
}

/// Before or after a session.
public enum RatingPhase: String, Sendable, CaseIterable, Codable {
    case before, after
}

/// A run as the history lists it.
public struct RunSummary: Sendable, Equatable {
    public var id: RunID
    public var sessionID: String
    /// What `respite resume` plays: a session id or a file's absolute path.
    public var source: String
    public var title: String
    public var fileHash: String
    public var parameters: [String]
    public var device: String
    public var sampleRate: Int
    public var length: Int?
    public var startedAt: Date
    /// The IANA name of the local zone at the start.
    public var timeZone: String
    /// Seconds east of UTC at the start.
    public var utcOffset: Int
    public var endedAt: Date?
    public var ending: RunEnding
    /// The last frame known to have played.
    public var position: Int
    /// The step playing at ``position``, when one had started.
    public var step: StepPlace?
    public var before: [Rating]
    public var after: [Rating]

    public init(
        id: RunID, sessionID: String, source: String, title: String, fileHash: String, parameters: [String],
        device: String, sampleRate: Int, length: Int?, startedAt: Date, timeZone: String, utcOffset: Int,
        endedAt: Date?, ending: RunEnding, position: Int, step: StepPlace?, before: [Rating], after: [Rating]
    ) {
        self.id = id
        self.sessionID = sessionID
        self.source = source
        self.title = title
        self.fileHash = fileHash
        self.parameters = parameters
        self.device = device
        self.sampleRate = sampleRate
        self.length = length
        self.startedAt = startedAt
        self.timeZone = timeZone
        self.utcOffset = utcOffset
        self.endedAt = endedAt
        self.ending = ending
        self.position = position
        self.step = step
        self.before = before
        self.after = after
    }
}
