import Foundation

/// One time a rule comes round: a session due at an instant.
public struct Occurrence: Sendable, Hashable, CustomStringConvertible {
    /// The rule's name.
    public var rule: String
    public var session: String
    /// When it is due (and plays, unless it is missed or skipped).
    public var due: Date
    /// The wall-clock date and time the rule names, in ``zone``.
    public var localDate: LocalDate
    public var localTime: LocalTimeOfDay
    /// The IANA zone it was read in.
    public var zone: String
    /// True when the named time fell in the hour skipped by daylight saving, so it is due after the jump.
    public var shifted: Bool
    /// True once it has waited in the queue behind another session (it then starts late by design).
    public var queued = false

    /// `2025-03-30 01:30 Europe/London (after the clocks went forward: 02:30)` style, for records and messages.
    public var description: String {
        "\(rule): \(session) at \(localDate) \(localTime) \(zone)"
            + (shifted ? " (in the skipped hour: played after the jump)" : "")
    }
}

/// Why a run was not played at its time.
public enum MissReason: String, Sendable, Equatable, CaseIterable {
    /// Respite was not running at the time (the machine was off, or the service stopped).
    case notRunning
    /// The machine was asleep (suspended) at the time.
    case asleep
    /// The wall clock was set forward past the time.
    case clockStepped
    /// Respite woke too late (the machine was too busy, or the process was stopped).
    case late
    /// It waited behind another session longer than ``ScheduleRule/maximumQueueWait``.
    case queueTooLong

    /// What a member of staff reads.
    public var explanation: String {
        switch self {
        case .notRunning: "Respite was not running then (the machine was off or the service was stopped)"
        case .asleep: "the machine was asleep then"
        case .clockStepped: "the clock was set forward past it"
        case .late: "Respite woke too late (the machine was too busy, or the service was paused)"
        case .queueTooLong: "it waited more than an hour behind another session"
        }
    }
}

/// What the scheduler decided about one occurrence.
public enum Decision: Sendable, Equatable {
    /// Play it now.
    case play(Occurrence)
    /// Its time passed more than its grace window ago: recorded, never played late.
    case missed(Occurrence, MissReason)
    /// It came due while another session played, and its rule skips.
    case skipped(Occurrence)
    /// It came due while another session played, and its rule queues: it plays when that one ends.
    case queued(Occurrence)

    public var occurrence: Occurrence {
        switch self {
        case .play(let o), .missed(let o, _), .skipped(let o), .queued(let o): o
        }
    }
}

/// How this wake follows the last, as the clocks tell: a suspend, a clock step, or neither.
public enum WakeKind: Sendable, Equatable {
    /// The first wake of the process.
    case startup
    /// An ordinary wake.
    case normal
    /// The machine slept for this many seconds since the last wake.
    case resumed(seconds: Double)
    /// The wall clock jumped by this many seconds (negative: back) since the last wake.
    case clockStepped(seconds: Double)
}

/// Three clocks read together at a wake.
public struct ClockReading: Sendable, Equatable {
    /// The wall clock (CLOCK_REALTIME): what the schedule's times are in. It steps when it is set.
    public var wall: Date
    /// Seconds of CLOCK_MONOTONIC: never steps, stops while the machine sleeps.
    public var monotonic: Double
    /// Seconds of CLOCK_BOOTTIME: never steps, counts the time asleep too.
    public var boot: Double

    public init(wall: Date, monotonic: Double, boot: Double) {
        self.wall = wall
        self.monotonic = monotonic
        self.boot = boot
    }
}

/// Tells a suspend from a clock step from an ordinary wake, by how far each clock moved.
public struct WakeClassifier: Sendable {
    /// Differences smaller than this many seconds are scheduling noise: 5 s.
    public static let tolerance = 5.0
    private var last: ClockReading?

    public init() {}

    public mutating func classify(_ reading: ClockReading) -> WakeKind {
        defer { last = reading }
        guard let last else { return .startup }
        let awake = reading.monotonic - last.monotonic
        let passed = reading.boot - last.boot
        let wall = reading.wall.timeIntervalSince(last.wall)
        if passed - awake > Self.tolerance { return .resumed(seconds: passed - awake) }
        if abs(wall - passed) > Self.tolerance { return .clockStepped(seconds: wall - passed) }
        return .normal
    }
}

/// Decides, at each wake, which runs play, which are missed and which are skipped.
///
/// It keeps one instant, ``decidedThrough``: every occurrence at or before it has been decided. At a wake at `now`
/// the occurrences in (decidedThrough, now] are decided, each once:
/// - due within its rule's grace window (default 10 minutes): played, or, while another session plays, skipped
///   (`whenBusy: "skip"`) or queued (`"queue"`);
/// - due longer ago: missed, with the reason the wake's ``WakeKind`` gives (not running, asleep, the clock set
///   forward, woke late). Never played late.
///
/// A wall clock set back leaves ``decidedThrough`` where it was: what was decided is not decided again, so a run
/// never plays twice because the clock repeated an hour (up to a day back; a clock set back further was wrong
/// before, and the schedule starts again from the corrected time). A saved ``decidedThrough`` in the future is
/// never trusted. Pure: every reading of a clock comes in as an argument, so it is tested in virtual time.
public struct Scheduler: Sendable {
    public private(set) var schedule: ClinicSchedule
    /// Every occurrence up to this instant has been decided.
    public private(set) var decidedThrough: Date
    /// Occurrences waiting for the session playing to end, oldest first.
    public private(set) var queue: [Occurrence] = []
    /// What was noticed about the clock or the saved state, for the log; taken by ``takeNotes()``.
    private var notes: [String] = []

    /// How far back a restart looks for missed runs to record: 7 days.
    public static let lookBack: TimeInterval = 7 * 86_400
    /// How far back the clock may be set and keep what was decided: 1 day.
    public static let keptAcrossStepBack: TimeInterval = 86_400
    /// How long a wake may sleep at most: 30 s, so a clock step or a zone change is noticed within that.
    public static let maximumSleep: TimeInterval = 30

    /// - Parameters:
    ///   - now: the wall clock at the start.
    ///   - saved: the ``decidedThrough`` a previous run of the daemon saved; nil on a first start.
    public init(schedule: ClinicSchedule, now: Date, saved: Date?) {
        self.schedule = schedule
        guard let saved else {
            decidedThrough = now
            return
        }
        if saved > now.addingTimeInterval(Self.keptAcrossStepBack) {
            decidedThrough = now
            notes.append(
                "the saved schedule time \(Self.stamp(saved)) is more than a day in the future (the clock was wrong "
                    + "then, or is now); it is not trusted, and the schedule starts from now")
        } else if saved > now.addingTimeInterval(WakeClassifier.tolerance) {
            // The clock is behind the last decision: most likely a machine without a clock battery that booted with
            // an old time, before NTP set it. What was decided up to the saved time is not decided again (no run
            // twice), and nothing is recorded as missed on the strength of a time that may be wrong.
            decidedThrough = saved
            notes.append(
                "the clock (\(Self.stamp(now))) is behind the schedule's last decision (\(Self.stamp(saved))); runs up "
                    + "to that time are not played again")
        } else if saved < now.addingTimeInterval(-Self.lookBack) {
            decidedThrough = now.addingTimeInterval(-Self.lookBack)
            notes.append(
                "Respite last ran at \(Self.stamp(saved)); runs missed more than 7 days ago are not recorded")
        } else {
            decidedThrough = saved
        }
    }

    /// Replaces the schedule (a reload).
    ///
    /// - Returns: queued runs of rules the new schedule no longer has, dropped (to be recorded as missed).
    @discardableResult
    public mutating func replace(_ schedule: ClinicSchedule) -> [Occurrence] {
        self.schedule = schedule
        let names = Set(schedule.rules.map(\.name))
        let dropped = queue.filter { !names.contains($0.rule) }
        queue.removeAll { !names.contains($0.rule) }
        return dropped
    }

    /// Empties the queue (the service is stopping), returning what was in it.
    public mutating func drainQueue() -> [Occurrence] {
        defer { queue.removeAll() }
        return queue
    }

    /// The notes since the last call.
    public mutating func takeNotes() -> [String] {
        defer { notes.removeAll() }
        return notes
    }

    /// Decides every occurrence that has come due since the last wake.
    ///
    /// - Parameters:
    ///   - now: the wall clock.
    ///   - kind: how this wake follows the last (``WakeClassifier``).
    ///   - busy: whether a session is playing now.
    ///   - machineZone: the machine's zone now, for rules without one of their own.
    /// - Returns: the decisions in order of time; at most one is `.play`.
    public mutating func wake(now: Date, kind: WakeKind, busy: Bool, machineZone: TimeZone) -> [Decision] {
        if now < decidedThrough {
            if decidedThrough.timeIntervalSince(now) > Self.keptAcrossStepBack {
                notes.append(
                    "the clock went back more than a day (to \(Self.stamp(now))); the schedule starts again from now")
                decidedThrough = now
            }
            return playQueued(busy: busy, now: now)
        }
        var busy = busy
        var decisions: [Decision] = []
        // Queued runs that waited too long are missed; the rest keep their place ahead of new ones.
        let expired = queue.filter { now.timeIntervalSince($0.due) > Double(ScheduleRule.maximumQueueWait) }
        queue.removeAll { now.timeIntervalSince($0.due) > Double(ScheduleRule.maximumQueueWait) }
        decisions += expired.map { .missed($0, .queueTooLong) }
        if !busy, !queue.isEmpty {
            decisions.append(.play(queue.removeFirst()))
            busy = true
        }
        for occurrence in occurrences(after: decidedThrough, through: now, machineZone: machineZone) {
            guard let rule = schedule.rules.first(where: { $0.name == occurrence.rule }) else { continue }
            if now.timeIntervalSince(occurrence.due) > Double(rule.graceSeconds) {
                decisions.append(.missed(occurrence, Self.reason(kind)))
            } else if busy {
                if rule.whenBusy == .queue {
                    var waiting = occurrence
                    waiting.queued = true
                    queue.append(waiting)
                    decisions.append(.queued(occurrence))
                } else {
                    decisions.append(.skipped(occurrence))
                }
            } else {
                decisions.append(.play(occurrence))
                busy = true
            }
        }
        decidedThrough = now
        return decisions
    }

    /// The first queued run, to play now that nothing is.
    private mutating func playQueued(busy: Bool, now: Date) -> [Decision] {
        guard !busy, !queue.isEmpty else { return [] }
        let first = queue.removeFirst()
        if now.timeIntervalSince(first.due) > Double(ScheduleRule.maximumQueueWait) {
            return [.missed(first, .queueTooLong)]
        }
        return [.play(first)]
    }

    private static func reason(_ kind: WakeKind) -> MissReason {
        switch kind {
        case .startup: .notRunning
        case .resumed: .asleep
        case .clockStepped(let seconds) where seconds > 0: .clockStepped
        default: .late
        }
    }

    /// How long to sleep before the next wake: until the next occurrence, at most ``maximumSleep`` seconds.
    public func sleepInterval(now: Date, machineZone: TimeZone) -> TimeInterval {
        let horizon = now.addingTimeInterval(Self.maximumSleep)
        guard let next = occurrences(after: max(now, decidedThrough), through: horizon, machineZone: machineZone).first
        else { return Self.maximumSleep }
        return max(0, next.due.timeIntervalSince(now))
    }

    /// The next `limit` occurrences after `now`, within 8 days; looked for a day at a time, so the next one alone
    /// is cheap however many rules there are.
    public func upcoming(after now: Date, limit: Int, machineZone: TimeZone) -> [Occurrence] {
        var found: [Occurrence] = []
        var start = max(now, decidedThrough)
        let end = now.addingTimeInterval(8 * 86_400)
        while found.count < limit, start < end {
            let next = min(end, start.addingTimeInterval(86_400))
            found += occurrences(after: start, through: next, machineZone: machineZone)
            start = next
        }
        return Array(found.prefix(limit))
    }

    /// Every occurrence of every rule in (after, through], by time then by the rules' order. Spans longer than
    /// ``lookBack`` plus a day are cut to their last part (bounded work whatever the clocks say).
    public func occurrences(after start: Date, through end: Date, machineZone: TimeZone) -> [Occurrence] {
        guard end > start else { return [] }
        let start = max(start, end.addingTimeInterval(-Self.lookBack - 86_400))
        var found: [(Occurrence, Int)] = []
        for (index, rule) in schedule.rules.enumerated() {
            let zoneName = rule.timeZone ?? schedule.timeZone
            let zone = zoneName.flatMap(TimeZone.init(identifier:)) ?? machineZone
            var day = LocalDate(start, in: zone).adding(days: -1)
            let last = LocalDate(end, in: zone).adding(days: 1)
            while day <= last {
                defer { day = day.adding(days: 1) }
                switch rule.days {
                case .weekly(let days): if !days.contains(day.weekday) { continue }
                case .once(let date): if date != day { continue }
                }
                for time in rule.times {
                    let resolution = LocalResolution.resolve(day, time, in: zone)
                    let due = resolution.instant
                    guard due > start, due <= end else { continue }
                    var shifted = false
                    if case .skipped = resolution { shifted = true }
                    found.append(
                        (
                            Occurrence(
                                rule: rule.name, session: rule.session, due: due, localDate: day, localTime: time,
                                zone: zoneName ?? zone.identifier, shifted: shifted), index
                        ))
                }
            }
        }
        // One rule comes due at most once at an instant: two of its times can meet on the morning the clocks go
        // forward (01:30, pushed past the jump, and 02:30), and that is one run, kept as the earlier-named time.
        var seen = Set<String>()
        return found.sorted { ($0.0.due, $0.1, $0.0.localTime) < ($1.0.due, $1.1, $1.0.localTime) }.map(\.0).filter {
            seen.insert("\($0.rule)\u{0}\($0.due.timeIntervalSince1970)").inserted
        }
    }

    /// An instant as ISO 8601 in UTC, to the second ("2026-12-03T14:00:00Z"): in notes, the daemon's log and the
    /// control protocol's replies.
    public static func stamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
