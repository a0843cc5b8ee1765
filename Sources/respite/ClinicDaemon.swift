import Clinic
import Foundation
import History
import Logging
import Player
import SessionKit

#if canImport(Glibc)
    import Glibc
#endif

/// The clinic service's log: standard error (journald under systemd), one line each.
enum ClinicLog {
    static let shared = Logger(label: "respite.clinic")

    static func notice(_ text: String) { shared.notice("\(text)") }
    static func warning(_ text: String) { shared.warning("\(text)") }
    static func error(_ text: String) { shared.error("\(text)") }
}

/// The clinic daemon: plays a schedule's sessions at their times, answers the control socket, tells systemd how
/// it is doing, and records every decision and every run.
///
/// The schedule loop runs on a thread of its own: it reads three clocks (wall, monotonic, boot time) so that a
/// suspend or a clock step is recognised (``WakeClassifier``), asks the ``Scheduler`` what is due, records the
/// decisions (with the instant decided through, in one transaction), starts a run when one is to play, and sleeps
/// until the next run is due, at most 30 s, or until something wakes it (a session ended, a reload, a stop). It
/// never spins: with nothing due it wakes twice a minute.
final class ClinicDaemon: @unchecked Sendable, ControlHandler {
    struct Settings: Sendable {
        var schedulePath: String
        var device: String
        var historyPath: String
        var rate: Int
        /// Seconds a device lost mid-session is tried again before the run ends (``LivePlayer/Options``).
        var reconnectTimeout: Double
    }

    let settings: Settings
    let notifier: SystemdNotifier
    private let store: HistoryStore
    private let lock = NSLock()
    private var scheduler: Scheduler
    private var playing: ClinicPlay?
    private var subscribers: [Int: @Sendable (String) -> Void] = [:]
    private var nextSubscriber = 0
    private var stopping = false
    private var loopEnded = false
    private let nudge = DispatchSemaphore(value: 0)
    /// Entered while the schedule loop runs.
    private let loopRunning = DispatchGroup()
    /// Monotonic seconds of the loop's last wake, for the watchdog: a loop that stopped waking is not pinged for.
    private var lastWake = 0.0

    init(settings: Settings, schedule: ClinicSchedule, store: HistoryStore, notifier: SystemdNotifier) throws {
        self.settings = settings
        self.store = store
        self.notifier = notifier
        scheduler = Scheduler(schedule: schedule, now: Date(), saved: try store.decidedThrough())
    }

    // MARK: - The schedule loop

    /// Starts the schedule loop on its own thread.
    func startLoop() {
        loopRunning.enter()
        let thread = Thread { [self] in
            loop()
            loopRunning.leave()
        }
        thread.name = "respite-clinic-schedule"
        thread.start()
    }

    private func loop() {
        var classifier = WakeClassifier()
        var lastPing = -Double.infinity
        var lastSave = ClinicDaemon.readClocks().monotonic
        while true {
            let reading = Self.readClocks()
            let kind = classifier.classify(reading)
            let zone = Self.machineZone()
            // Decided and claimed under one lock: a play asked for over the socket cannot slip in between a
            // decision to play and the play taking the player.
            let (decisions, notes, shuttingDown, play) = lock.withLock {
                lastWake = reading.monotonic
                guard !stopping else { return ([Decision](), [String](), true, ClinicPlay?.none) }
                let decisions = scheduler.wake(
                    now: reading.wall, kind: kind, busy: playing != nil, machineZone: zone)
                var play: ClinicPlay?
                for case .play(let occurrence) in decisions { play = makePlay(for: occurrence) }
                if let play { playing = play }
                return (decisions, scheduler.takeNotes(), false, play)
            }
            if shuttingDown { return }
            switch kind {
            case .resumed(let seconds): ClinicLog.notice("the machine slept for \(Int(seconds)) s")
            case .clockStepped(let seconds): ClinicLog.notice("the clock was set by \(Int(seconds)) s")
            default: break
            }
            for note in notes { ClinicLog.notice("\(note)") }
            // Recorded before the play starts: the run it begins is tied to this record.
            if !decisions.isEmpty || reading.monotonic - lastSave > Self.saveInterval {
                record(decisions, at: reading.wall)
                lastSave = reading.monotonic
            }
            for decision in decisions { announce(decision) }
            if let play {
                ClinicLog.notice("playing \(play.request.session) on '\(play.request.device)' (\(play.request.origin))")
                broadcast("event: state preparing \(play.request.session)")
                play.start()
            }
            updateStatus()
            // Pinged at least every half of the watchdog's interval (WATCHDOG_USEC / 2), from this loop: a loop that
            // stops waking is a service systemd restarts.
            if let interval = notifier.watchdogInterval, reading.monotonic - lastPing >= interval * 0.5 {
                notifier.send("WATCHDOG=1")
                lastPing = reading.monotonic
            }
            var sleep = lock.withLock { scheduler.sleepInterval(now: Date(), machineZone: zone) }
            if let interval = notifier.watchdogInterval { sleep = min(sleep, interval * 0.5) }
            _ = nudge.wait(timeout: .now() + max(0.001, sleep))
        }
    }

    /// How often the instant decided through is saved when nothing is decided: hourly, so a restart after a quiet
    /// week knows when Respite last ran.
    static let saveInterval = 3600.0

    /// Records decisions and the instant decided through; a history that cannot be written is logged, and the
    /// schedule goes on.
    private func record(_ decisions: [Decision], at now: Date) {
        let through = lock.withLock { scheduler.decidedThrough }
        let records = decisions.map { decision -> ScheduledRecord in
            let o = decision.occurrence
            let (kind, reason): (ScheduledRecord.Decision, String) =
                switch decision {
                case .play: (.played, "")
                case .missed(_, let why): (.missed, why.explanation)
                case .skipped: (.skipped, "another session was playing")
                case .queued: (.queued, "another session was playing; it plays after")
                }
            return Self.record(o, decision: kind, reason: reason, at: now)
        }
        do {
            try store.decide(records, through: through)
        } catch {
            ClinicLog.error("the schedule's decisions could not be recorded: \(error)")
        }
    }

    private func announce(_ decision: Decision) {
        let o = decision.occurrence
        let line: String
        switch decision {
        case .play: line = "scheduled play \(o.rule) \(o.session) due \(Scheduler.stamp(o.due))"
        case .missed(_, let reason):
            line = "scheduled missed \(o.rule) \(o.session) due \(Scheduler.stamp(o.due)): \(reason.explanation)"
        case .skipped: line = "scheduled skipped \(o.rule) \(o.session) due \(Scheduler.stamp(o.due)): busy"
        case .queued: line = "scheduled queued \(o.rule) \(o.session) due \(Scheduler.stamp(o.due))"
        }
        ClinicLog.notice("\(line)")
        broadcast("event: " + line)
    }

    /// The play for a scheduled run; called under `lock`.
    private func makePlay(for occurrence: Occurrence) -> ClinicPlay? {
        guard let rule = scheduler.schedule.rules.first(where: { $0.name == occurrence.rule }) else { return nil }
        let device = rule.device ?? scheduler.schedule.device ?? settings.device
        return makePlay(
            ClinicPlay.Request(
                session: rule.session, assignments: rule.assignments, device: device, volume: rule.volume,
                // A run from the queue starts late by design: it still gets its grace window (at most 2 minutes)
                // of tries at the device from now.
                occurrence: occurrence,
                deadline: occurrence.queued
                    ? max(
                        occurrence.due.addingTimeInterval(Double(rule.graceSeconds)),
                        Date().addingTimeInterval(Double(min(rule.graceSeconds, 120))))
                    : occurrence.due.addingTimeInterval(Double(rule.graceSeconds)),
                origin: "schedule: \(rule.name)"))
    }

    private func makePlay(_ request: ClinicPlay.Request) -> ClinicPlay {
        ClinicPlay(
            request, historyPath: settings.historyPath, rate: settings.rate,
            reconnectTimeout: settings.reconnectTimeout,
            onBegun: { [weak self] play, run in self?.begun(play, run: run) },
            onEvent: { [weak self] play, event in self?.event(event, of: play) },
            onEnd: { [weak self] play, last in self?.ended(play, last: last) })
    }

    /// Starts a play unless one is playing; returns it, or nil when busy or stopping.
    private func begin(_ request: ClinicPlay.Request) -> ClinicPlay? {
        let play = makePlay(request)
        // Claimed and started in one step: a shutdown either finds it started (and stops it) or refuses it.
        let started = lock.withLock {
            guard playing == nil, !stopping else { return false }
            playing = play
            play.start()
            return true
        }
        guard started else { return nil }
        ClinicLog.notice("playing \(request.session) on '\(request.device)' (\(request.origin))")
        broadcast("event: state preparing \(request.session)")
        updateStatus()
        return play
    }

    private func event(_ event: SessionEvent, of play: ClinicPlay) {
        if let record = HistoryRecorder.record(event) {
            broadcast("event: \(record.kind)" + (record.detail.isEmpty ? "" : " \(record.detail)"))
        }
        switch event.kind {
        case .started: updateStatus()
        case .deviceLost(let reason):
            ClinicLog.warning("the sound device '\(play.request.device)' was lost: \(reason)")
            updateStatus()
        case .stepStarted, .paused, .resumed, .reconnected: updateStatus()
        default: break
        }
    }

    /// A scheduled run's decision is tied to the run it began.
    private func begun(_ play: ClinicPlay, run: RunID) {
        guard let occurrence = play.request.occurrence else { return }
        do {
            try store.attach(rule: occurrence.rule, dueAt: occurrence.due, to: run)
        } catch {
            ClinicLog.error("the scheduled run could not be tied to run \(run): \(error)")
        }
    }

    /// A play has ended and is recorded: the schedule loop wakes (a queued run may start).
    private func ended(_ play: ClinicPlay, last: SessionEvent?) {
        let ending: String
        switch last?.kind {
        case .finished: ending = "finished"
        case .stopped(let reason): ending = "stopped (\(reason.rawValue))"
        default: ending = "failed"
        }
        // A scheduled run that never sounded is missed, with why: no device until its deadline, or a session that
        // could not be loaded or prepared.
        if let occurrence = play.request.occurrence, !play.sounded {
            let reason: String
            switch last?.kind {
            case .stopped(.deviceGone):
                reason = "the sound device '\(play.request.device)' could not be opened: \(play.deviceFailure ?? "")"
            case .stopped(.signal), .stopped(.listener): reason = "stopped before it began"
            default: reason = "the session could not be prepared (see the log)"
            }
            do {
                try store.redecide(
                    rule: occurrence.rule, dueAt: occurrence.due, as: .missed, reason: reason, at: Date())
            } catch {
                ClinicLog.error("the schedule's decisions could not be recorded: \(error)")
            }
        }
        ClinicLog.notice("\(play.request.session) ended: \(ending)")
        lock.withLock { if playing === play { playing = nil } }
        broadcast("event: state idle (\(play.request.session) \(ending))")
        updateStatus()
        nudge.signal()
    }

    // MARK: - Status, reload, shutdown

    /// The `STATUS=` line systemd shows: what plays, or what is next.
    func updateStatus() {
        let zone = Self.machineZone()
        let (play, next) = lock.withLock {
            // What is next matters only while nothing plays.
            (playing, playing == nil ? scheduler.upcoming(after: Date(), limit: 1, machineZone: zone).first : nil)
        }
        if let play {
            notifier.status(play.summary.prefix(1).uppercased() + play.summary.dropFirst())
        } else if let next {
            notifier.status(
                "Idle; next: \(next.session) at \(next.localDate) \(next.localTime) \(next.zone) (\(next.rule))")
        } else {
            notifier.status("Idle; nothing scheduled in the next 8 days")
        }
    }

    /// Reads the schedule file again; the old one stays when the new one has problems (returned).
    func reload() -> [String] {
        do {
            let schedule = try ClinicCommand.loadSchedule(settings.schedulePath)
            let dropped = lock.withLock { scheduler.replace(schedule) }
            missed(dropped, reason: "its rule was taken out of the schedule before it could play")
            ClinicLog.notice("the schedule was read again from \(settings.schedulePath): \(schedule.rules.count) rules")
            broadcast("event: reloaded \(schedule.rules.count) rules")
            nudge.signal()
            updateStatus()
            return []
        } catch {
            let problems = "\(error)".split(separator: "\n").map(String.init)
            ClinicLog.error(
                "the schedule in \(settings.schedulePath) was not reloaded; the one before stays in use:\n\(error)")
            return problems
        }
    }

    /// Graceful shutdown: no new runs, the session playing fades out and is recorded (ending `signal`), then the
    /// loop ends. Waits at most `timeout` seconds for the play to be recorded.
    func shutdown(timeout: Double = 10) {
        lock.withLock { stopping = true }
        notifier.send("STOPPING=1")
        // The loop finishes the wake it is in (a run it claimed is recorded and started, so it can be stopped below)
        // and decides nothing more.
        nudge.signal()
        _ = loopRunning.wait(timeout: .now() + 5)
        let (play, queued) = lock.withLock { (playing, scheduler.drainQueue()) }
        missed(queued, reason: "the service stopped before it could play")
        ClinicLog.notice("stopping\(play.map { ": fading out \($0.request.session)" } ?? "")")
        if let play {
            play.stop(.signal)
            _ = play.wait(timeout: timeout)
        }
    }

    /// Records queued runs that will not play now as missed, with why.
    ///
    /// Written whole (an insert, or an update of the queued row): the loop may not have written the queued row yet,
    /// and a queued row written after this one never replaces it.
    private func missed(_ occurrences: [Occurrence], reason: String) {
        guard !occurrences.isEmpty else { return }
        let now = Date()
        let through = lock.withLock { scheduler.decidedThrough }
        do {
            try store.decide(
                occurrences.map { Self.record($0, decision: .missed, reason: reason, at: now) }, through: through)
        } catch {
            ClinicLog.error("the schedule's decisions could not be recorded: \(error)")
        }
        for o in occurrences {
            broadcast("event: scheduled missed \(o.rule) \(o.session) due \(Scheduler.stamp(o.due)): \(reason)")
        }
    }

    /// The history's record of a decision about an occurrence.
    static func record(
        _ o: Occurrence, decision: ScheduledRecord.Decision, reason: String, at date: Date
    ) -> ScheduledRecord {
        ScheduledRecord(
            rule: o.rule, session: o.session, dueAt: o.due, localTime: "\(o.localDate) \(o.localTime)",
            timeZone: o.zone, decision: decision, reason: reason, decidedAt: date)
    }

    /// Waits for the schedule loop to end (after ``shutdown(timeout:)``).
    func waitForLoop() { loopRunning.wait() }

    // MARK: - The control socket

    func subscribe(_ sink: @escaping @Sendable (String) -> Void) -> Int {
        lock.withLock {
            nextSubscriber += 1
            subscribers[nextSubscriber] = sink
            return nextSubscriber
        }
    }

    func unsubscribe(_ id: Int) { lock.withLock { subscribers[id] = nil } }

    private func broadcast(_ line: String) {
        let sinks = lock.withLock { Array(subscribers.values) }
        for sink in sinks { sink(line) }
    }

    func handle(_ command: String, _ arguments: [String], from peer: ControlPeer) -> ControlReply {
        let play = lock.withLock { playing }
        func needsPlay(_ command: SessionRun.Command) -> ControlReply {
            guard let play else { return .failure("nothing is playing") }
            return play.send(command) ? .fields([]) : .failure("the session is not playing yet (\(play.summary))")
        }
        func noArguments() -> ControlReply? {
            arguments.isEmpty ? nil : .failure("\(command) takes no arguments")
        }
        switch command {
        case "ping": return noArguments() ?? .fields([])
        case "close": return .close
        case "commands": return .fields(ControlProtocol.commands.map { ControlProtocol.field("command", $0.name) })
        case "status": return noArguments() ?? .fields(status(play))
        case "pause": return noArguments() ?? needsPlay(.pause)
        case "resume": return noArguments() ?? needsPlay(.resume)
        case "next": return noArguments() ?? needsPlay(.next)
        case "previous": return noArguments() ?? needsPlay(.previous)
        case "stop":
            if let problem = noArguments() { return problem }
            guard let play else { return .failure("nothing is playing") }
            play.stop(.listener)
            return .fields([])
        case "volume": return volume(arguments, play: play)
        case "play": return startPlay(arguments, peer: peer)
        case "schedule": return schedule(arguments)
        case "history": return history(arguments)
        case "rate": return rate(arguments)
        case "reload":
            if let problem = noArguments() { return problem }
            let problems = reload()
            return problems.isEmpty
                ? .fields([])
                : .failure("the schedule has problems; the one before stays: " + problems.joined(separator: " | "))
        case "idle": return noArguments() ?? .idle
        default:
            let names = ControlProtocol.commands.map(\.name)
            let hint =
                Suggestions.nearest(to: command, in: names).map { "; did you mean '\($0)'?" } ?? "; try 'commands'"
            return .failure("unknown command '\(command)'\(hint)")
        }
    }

    private func status(_ play: ClinicPlay?) -> [String] {
        var lines = play?.fields() ?? [ControlProtocol.field("state", "idle")]
        let zone = Self.machineZone()
        let (schedule, next) = lock.withLock {
            (scheduler.schedule, scheduler.upcoming(after: Date(), limit: 1, machineZone: zone).first)
        }
        lines.append(ControlProtocol.field("schedule", schedule.file))
        lines.append(ControlProtocol.field("rules", "\(schedule.rules.count)"))
        if let next {
            lines += [
                ControlProtocol.field("next_rule", next.rule), ControlProtocol.field("next_session", next.session),
                ControlProtocol.field("next_due", Scheduler.stamp(next.due)),
                ControlProtocol.field("next_local", "\(next.localDate) \(next.localTime) \(next.zone)"),
            ]
        }
        return lines
    }

    /// `volume DB` sets it (-40…+6); `volume up [DB]` and `volume down [DB]` change it (3 dB by default).
    private func volume(_ arguments: [String], play: ClinicPlay?) -> ControlReply {
        let usage = "write volume DB (-40…+6), or volume up|down [DB]"
        func number(_ text: String) -> Double? {
            guard text.count <= 8, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-") }),
                let value = Double(text), value.isFinite
            else { return nil }
            return value
        }
        let command: SessionRun.Command
        switch arguments.first {
        case "up", "down":
            guard arguments.count <= 2, let step = arguments.count == 2 ? number(arguments[1]) : 3,
                (0...46).contains(step)
            else { return .failure(usage) }
            command = .changeVolume(arguments[0] == "up" ? step : -step)
        case let text?:
            guard arguments.count == 1, let value = number(text) else { return .failure(usage) }
            guard (-40...6).contains(value) else { return .failure("the volume must be -40…+6 dB") }
            command = .volume(value)
        case nil:
            return .failure(usage)
        }
        guard let play else { return .failure("nothing is playing") }
        return play.send(command) ? .fields([]) : .failure("the session is not playing yet")
    }

    private func startPlay(_ arguments: [String], peer: ControlPeer) -> ControlReply {
        guard let session = arguments.first else { return .failure("give a session's id, e.g. play pmr-short") }
        let assignments = Array(arguments.dropFirst())
        if let bad = assignments.first(where: { !$0.contains("=") }) {
            return .failure("'\(bad)' is not a choice; write key=value, as --set takes it")
        }
        // Checked here, so that a wrong id is answered at once rather than in the log.
        let catalog = SessionCatalog.locate()
        do {
            let options = try SessionOptions.parse(
                ["--rate", "\(settings.rate)"] + assignments.flatMap { ["--set", $0] })
            _ = try options.load(session, catalog: catalog)
        } catch {
            return .failure("\(session): \(error)".replacingOccurrences(of: "\n", with: " "))
        }
        if let current = lock.withLock({ playing }) {
            return .failure("\(current.request.session) is playing; stop it first")
        }
        let device = lock.withLock { scheduler.schedule.device } ?? settings.device
        guard
            begin(
                ClinicPlay.Request(
                    session: session, assignments: assignments, device: device, deadline: Date().addingTimeInterval(60),
                    origin: "control: \(peer)")) != nil
        else { return .failure("another session is playing, or the service is stopping") }
        return .fields([ControlProtocol.field("session", session)])
    }

    private func schedule(_ arguments: [String]) -> ControlReply {
        guard arguments.count <= 1, let limit = arguments.isEmpty ? 10 : Int(arguments[0]), (1...200).contains(limit)
        else { return .failure("give how many runs to list, 1…200") }
        let upcoming = lock.withLock {
            scheduler.upcoming(after: Date(), limit: limit, machineZone: Self.machineZone())
        }
        return .fields(
            upcoming.flatMap { o in
                [
                    ControlProtocol.field("rule", o.rule), ControlProtocol.field("session", o.session),
                    ControlProtocol.field("due", Scheduler.stamp(o.due)),
                    ControlProtocol.field("local", "\(o.localDate) \(o.localTime) \(o.zone)"),
                ] + (o.shifted ? [ControlProtocol.field("note", "in the hour skipped by daylight saving")] : [])
            })
    }

    private func history(_ arguments: [String]) -> ControlReply {
        guard arguments.count <= 1, let limit = arguments.isEmpty ? 10 : Int(arguments[0]), (1...500).contains(limit)
        else { return .failure("give how many entries to list, 1…500") }
        do {
            let runs = try store.runs(limit: limit)
            let unplayed = try store.scheduled(limit: limit).filter { $0.decision != .played }
            var entries: [(Date, [String])] = runs.map { run in
                var lines = [
                    ControlProtocol.field("when", Scheduler.stamp(run.startedAt)), ControlProtocol.field("kind", "run"),
                    ControlProtocol.field("run", "\(run.id)"), ControlProtocol.field("session", run.sessionID),
                    ControlProtocol.field("ending", run.ending.rawValue),
                    ControlProtocol.field(
                        "played", String(format: "%.1f", Double(run.position) / Double(run.sampleRate))),
                ]
                for rating in run.before {
                    lines.append(
                        ControlProtocol.field("before_\(rating.item)", rating.value.map(String.init) ?? "declined"))
                }
                for rating in run.after {
                    lines.append(
                        ControlProtocol.field("after_\(rating.item)", rating.value.map(String.init) ?? "declined"))
                }
                return (run.startedAt, lines)
            }
            entries += unplayed.map { record in
                (
                    record.dueAt,
                    [
                        ControlProtocol.field("when", Scheduler.stamp(record.dueAt)),
                        ControlProtocol.field("kind", record.decision.rawValue),
                        ControlProtocol.field("rule", record.rule), ControlProtocol.field("session", record.session),
                        ControlProtocol.field("local", "\(record.localTime) \(record.timeZone)"),
                        ControlProtocol.field("reason", record.reason),
                    ]
                )
            }
            return .fields(entries.sorted { $0.0 > $1.0 }.prefix(limit).flatMap(\.1))
        } catch {
            return .failure("\(error)")
        }
    }

    private func rate(_ arguments: [String]) -> ControlReply {
        let usage = "write rate RUN [before|after] ITEM=0…10 …, e.g. rate 12 pain=3 anxiety=2"
        guard let first = arguments.first, let run = RunID(first), arguments.count >= 2 else { return .failure(usage) }
        var rest = Array(arguments.dropFirst())
        var phase = RatingPhase.after
        if let word = rest.first, let named = RatingPhase(rawValue: word) {
            phase = named
            rest.removeFirst()
        }
        guard !rest.isEmpty else { return .failure(usage) }
        switch parseRatings(rest.joined(separator: ",")) {
        case .failure(let error): return .failure("\(error)")
        case .success(let ratings):
            do {
                guard try store.run(run) != nil else { return .failure("there is no run \(run) in the history") }
                try store.rate(run, phase, ratings, at: Date())
                return .fields([
                    ControlProtocol.field("run", "\(run)"), ControlProtocol.field("rated", "\(ratings.count)"),
                ])
            } catch {
                return .failure("\(error)")
            }
        }
    }

    // MARK: - Clocks and zone

    /// The wall, monotonic and boot-time clocks, read together.
    static func readClocks() -> ClockReading {
        var monotonic = timespec()
        var boot = timespec()
        clock_gettime(CLOCK_MONOTONIC, &monotonic)
        clock_gettime(CLOCK_BOOTTIME, &boot)
        return ClockReading(
            wall: Date(), monotonic: Double(monotonic.tv_sec) + Double(monotonic.tv_nsec) / 1e9,
            boot: Double(boot.tv_sec) + Double(boot.tv_nsec) / 1e9)
    }

    /// The machine's zone now: `$TZ`, else where `/etc/localtime` points (read afresh, so `timedatectl
    /// set-timezone` is followed within a wake), else Foundation's.
    static func machineZone() -> TimeZone {
        if let tz = ProcessInfo.processInfo.environment["TZ"], !tz.isEmpty { return RunStart.localZone() }
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/etc/localtime"),
            let range = target.range(of: "zoneinfo/"),
            let zone = TimeZone(identifier: String(target[range.upperBound...]))
        {
            return zone
        }
        return TimeZone.current
    }
}
