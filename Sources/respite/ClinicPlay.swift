import AudioIO
import Clinic
import FileAccess
import Foundation
import History
import Player
import SessionKit

/// One session the clinic daemon plays, scheduled or asked for over the control socket: prepared, played on its
/// device through a ``SessionRun``, and recorded in the history from before its first sound to its end.
///
/// It runs on a thread of its own (preparing speaks narration and measures loudness: seconds of work), so the
/// daemon goes on answering the socket. A device that will not open is tried again with backoff (1, 2, 4 … 30 s)
/// until the run's deadline (its time plus its grace window); then the run ends as `deviceLost` and the scheduled
/// run is recorded as missed, with the device's error.
final class ClinicPlay: @unchecked Sendable {
    /// What the play is doing, for `status`.
    enum State: String, Sendable {
        case preparing, waitingForDevice = "waiting-for-device", playing, paused, stopping, ended
    }

    struct Request: Sendable {
        var session: String
        var assignments: [String] = []
        var device: String
        var volume: Double = 0
        /// The scheduled run it plays; nil for one asked for over the socket.
        var occurrence: Occurrence?
        /// Until when a device that will not open is tried again.
        var deadline: Date
        /// Who asked: "schedule: afternoon", "control: uid 1000 …".
        var origin: String
    }

    let request: Request
    private let historyPath: String?
    private let rate: Int
    private let reconnectTimeout: Double
    private let lock = NSLock()
    private var state = State.preparing
    private var run: SessionRun?
    private var hasSounded = false
    private var stopReason: SessionEvent.StopReason?
    private var title = ""
    private var runID: RunID?
    private var deviceProblem: String?
    private let wake = DispatchSemaphore(value: 0)
    private let done = DispatchGroup()
    /// Called with each event of the run (for `idle` and the daemon's status), on the run's context.
    private let onEvent: @Sendable (ClinicPlay, SessionEvent) -> Void
    /// Called once the run is in the history, with its id, before preparation (the scheduled run is tied to it).
    private let onBegun: @Sendable (ClinicPlay, RunID) -> Void
    /// Called once, when the play has ended and everything about it is recorded.
    private let onEnd: @Sendable (ClinicPlay, SessionEvent?) -> Void

    init(
        _ request: Request, historyPath: String?, rate: Int, reconnectTimeout: Double,
        onBegun: @escaping @Sendable (ClinicPlay, RunID) -> Void,
        onEvent: @escaping @Sendable (ClinicPlay, SessionEvent) -> Void,
        onEnd: @escaping @Sendable (ClinicPlay, SessionEvent?) -> Void
    ) {
        self.request = request
        self.historyPath = historyPath
        self.rate = rate
        self.reconnectTimeout = reconnectTimeout
        self.onBegun = onBegun
        self.onEvent = onEvent
        self.onEnd = onEnd
    }

    func start() {
        done.enter()
        let thread = Thread { [self] in
            let last = main()
            lock.withLock { state = .ended }
            onEnd(self, last)
            done.leave()
        }
        thread.name = "respite-clinic-play"
        thread.start()
    }

    /// Waits until the play has ended and is recorded, at most `timeout` seconds; true when it has.
    func wait(timeout: Double) -> Bool { done.wait(timeout: .now() + timeout) == .success }

    /// Sends a command to the run; false when there is no run to take it (still preparing, or ended).
    func send(_ command: SessionRun.Command) -> Bool {
        guard let run = lock.withLock({ run }) else { return false }
        run.send(command)
        return true
    }

    /// A gentle stop: the run fades out; a play still preparing or waiting for its device stops before any sound.
    func stop(_ reason: SessionEvent.StopReason) {
        let run = lock.withLock {
            if stopReason == nil { stopReason = reason }
            if state != .ended { state = .stopping }
            return self.run
        }
        run?.send(.stop(reason))
        wake.signal()
    }

    /// `status` fields for this play.
    func fields() -> [String] {
        let (state, run, title, runID, problem) = lock.withLock {
            (self.state, self.run, self.title, self.runID, deviceProblem)
        }
        var lines = [ControlProtocol.field("session", request.session)]
        var shown = state
        if let run {
            let status = run.status
            if status.paused && state == .playing { shown = .paused }
            let timeline = run.prepared.timeline
            let rate = Double(timeline.sampleRate)
            lines += [
                ControlProtocol.field("title", title),
                ControlProtocol.field("position", String(format: "%.1f", Double(status.position) / rate)),
                ControlProtocol.field("duration", String(format: "%.1f", Double(timeline.duration) / rate)),
                ControlProtocol.field("step", "\(status.step)"),
                ControlProtocol.field("steps", "\(timeline.steps.count)"),
                ControlProtocol.field("volume", String(format: "%.1f", status.volume)),
                ControlProtocol.field("device_lost", status.deviceLost ? "true" : "false"),
            ]
            if status.step >= 1, status.step <= timeline.steps.count {
                lines.append(ControlProtocol.field("step_title", timeline.steps[status.step - 1].title))
            }
        }
        lines.insert(ControlProtocol.field("state", shown.rawValue), at: 0)
        if let runID { lines.append(ControlProtocol.field("run", "\(runID)")) }
        lines.append(ControlProtocol.field("device", request.device))
        if let problem { lines.append(ControlProtocol.field("device_problem", problem)) }
        if let occurrence = request.occurrence { lines.append(ControlProtocol.field("rule", occurrence.rule)) }
        lines.append(ControlProtocol.field("origin", request.origin))
        return lines
    }

    /// True once the session's first period went to the device.
    var sounded: Bool { lock.withLock { hasSounded } }

    /// The run's id in the history, once begun.
    var recordedRun: RunID? { lock.withLock { runID } }

    /// Why the device could not be opened, when it could not.
    var deviceFailure: String? { lock.withLock { deviceProblem } }

    /// One line for `STATUS=` and the log.
    var summary: String {
        let (state, run) = lock.withLock { (self.state, self.run) }
        guard let run else { return "\(state.rawValue.replacingOccurrences(of: "-", with: " ")) \(request.session)" }
        let status = run.status
        return "playing \(request.session)\(status.paused ? " (paused)" : ""), step \(status.step) of "
            + "\(run.prepared.timeline.steps.count)"
    }

    // MARK: - The play's thread

    private var stopping: Bool { lock.withLock { stopReason != nil } }

    /// Prepares, opens the device and plays; returns the run's last event (nil when it never sounded and nothing
    /// was recorded as its end).
    private func main() -> SessionEvent? {
        let catalog = SessionCatalog.locate()
        let options: SessionOptions
        let meta: Session
        let parameters: Parameters
        do {
            options = try SessionOptions.parse(
                ["--rate", "\(rate)"] + request.assignments.flatMap { ["--set", $0] })
            (meta, parameters) = try options.load(request.session, catalog: catalog)
        } catch {
            ClinicLog.error("\(request.session) could not be loaded: \(error)")
            return nil
        }
        lock.withLock { title = meta.title }
        let recorder = HistoryRecorder(path: historyPath)
        for line in recorder.takeProblems() { ClinicLog.warning(line) }
        let now = Date()
        let zone = ClinicDaemon.machineZone()
        recorder.begin(
            RunStart(
                sessionID: meta.id, source: request.session, title: meta.title,
                fileHash: (try? catalog.file(for: request.session)).flatMap {
                    try? InputFile.read($0, maximumBytes: SessionLoader.maximumFileSize)
                }.map(HistoryRecorder.hash) ?? "", parameters: request.assignments, device: request.device,
                sampleRate: rate, startedAt: now, timeZone: zone, utcOffset: zone.secondsFromGMT(for: now)),
            before: [])
        let begun = recorder.runID
        lock.withLock { runID = begun }
        if let begun { onBegun(self, begun) }
        func ended(_ kind: SessionEvent.Kind) -> SessionEvent {
            let event = SessionEvent(frame: 0, time: Date(), kind: kind)
            recorder.end(event)
            for line in recorder.takeProblems() { ClinicLog.warning(line) }
            return event
        }
        // Prepared whole (narration spoken, loudness measured, or taken from the caches); a stop asked for meanwhile
        // ends it before the next clip is spoken. The programme trim, when not remembered, is measured while it plays.
        let prepared: PreparedSession
        let preparer: SessionPreparer
        do {
            (prepared, _, preparer, _) = try options.prepareToPlay(
                meta, parameters: parameters, catalog: catalog, stopping: { [self] in stopping }, fromTheStart: false
            ) { _ in 0 }
        } catch is CancellationError {
            return ended(.stopped(lock.withLock { stopReason } ?? .signal))
        } catch {
            ClinicLog.error("\(request.session) could not be prepared: \(error)")
            return ended(.stopped(.preparationFailed))
        }
        if let reason = lock.withLock({ stopReason }) { return ended(.stopped(reason)) }
        var playerOptions = LivePlayer.Options()
        let configuration = (try? Configuration.load()) ?? Configuration()
        if let maxVolume = configuration.devices[request.device]?.maxVolume { playerOptions.maxVolume = maxVolume }
        playerOptions.volume = min(request.volume, playerOptions.maxVolume)
        playerOptions.reconnectTimeout = reconnectTimeout
        let sampleRate = prepared.timeline.sampleRate
        let sizes = PlaybackBuffering.resolve(period: nil, buffer: nil, sampleRate: sampleRate)
        let device = request.device
        recorder.laidOut(prepared.timeline)
        // The device, tried again with backoff until the deadline.
        var delay = 1.0
        var run: SessionRun
        while true {
            // A stop asked for while waiting for the device: no more tries.
            if let reason = lock.withLock({ stopReason }) { return ended(.stopped(reason)) }
            run = SessionRun(prepared: prepared, options: playerOptions, clock: ContinuousClock()) {
                try ALSAOutput(
                    device: device, sampleRate: sampleRate, periodFrames: sizes.periodFrames,
                    bufferFrames: sizes.bufferFrames)
            }
            // Observed from before its start, so that its first event is recorded and told too.
            // Weakly: the run is this play's, and a strong reference back would keep both (their files, their
            // history connection, their buffers) for the life of the daemon.
            run.observe { [weak self] event in
                recorder.log([event])
                guard let self else { return }
                switch event.kind {
                case .paused: lock.withLock { if state == .playing { state = .paused } }
                case .resumed: lock.withLock { if state == .paused { state = .playing } }
                default: break
                }
                onEvent(self, event)
            }
            do {
                try run.start()
                lock.withLock {
                    deviceProblem = nil
                    if state != .stopping { state = .playing }
                    self.run = run
                    hasSounded = true
                }
                break
            } catch {
                let problem = "\(error)"
                lock.withLock {
                    deviceProblem = problem
                    if state != .stopping { state = .waitingForDevice }
                }
                // Tried until the deadline: the last wait is cut short to end there, for one last try.
                let left = request.deadline.timeIntervalSinceNow
                if stopping || left <= 0 {
                    ClinicLog.error("the sound device '\(device)' could not be opened: \(problem)")
                    return ended(.stopped(stopping ? (lock.withLock { stopReason } ?? .signal) : .deviceGone))
                }
                let wait = min(delay, left)
                ClinicLog.warning(
                    "the sound device '\(device)' could not be opened (\(problem)); trying again in "
                        + "\(wait < 1 ? String(format: "%.1f", wait) : String(Int(wait))) s")
                _ = wake.wait(timeout: .now() + wait)
                delay = min(delay * 2, 30)
            }
        }
        run.settleTrim(with: preparer)
        // A stop asked for while the device opened.
        if let reason = lock.withLock({ stopReason }) { run.send(.stop(reason)) }
        let inhibitor = SleepInhibitor.start(why: "Respite is playing \(meta.title)")
        let finished = DispatchSemaphore(value: 0)
        let started = run
        Task.detached {
            _ = await started.run()
            finished.signal()
        }
        finished.wait()
        inhibitor?.stop()
        let last = run.history.last { $0.isFinal }
        recorder.end(last)
        for line in recorder.takeProblems() { ClinicLog.warning(line) }
        // The run, its engine and its files go now, not when the daemon forgets this play.
        lock.withLock { self.run = nil }
        return last
    }
}

/// Keeps the machine from sleeping while a session plays, through logind (`systemd-inhibit`), where logind runs.
final class SleepInhibitor: @unchecked Sendable {
    private let process: Process

    private init(process: Process) { self.process = process }

    /// Nil where there is no logind (no `/run/systemd/seats`) or no `systemd-inhibit`.
    static func start(why: String) -> SleepInhibitor? {
        let tool = "/usr/bin/systemd-inhibit"
        guard FileManager.default.fileExists(atPath: "/run/systemd/seats"),
            FileManager.default.isExecutableFile(atPath: tool)
        else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = [
            "--what=sleep:idle", "--who=Respite", "--why=\(why)", "--mode=block", "/bin/sleep", "infinity",
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return nil
        }
        return SleepInhibitor(process: process)
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
