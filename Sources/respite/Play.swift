import ArgumentParser
import Atomics
import AudioIO
import Dispatch
import FileAccess
import Foundation
import History
import Player
import SessionKit

#if canImport(Glibc)
    import Glibc
#endif

struct Play: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Play a session aloud.",
        discussion: """
            Shows the session's safety notes and a start screen of what it lets you choose (areas to \
            leave out, release only, pace, music; remembered for next time, --yes skips it), then plays \
            it with the step, a progress bar, the words as captions, the breathing and muscle-relaxation phase.
            Keys: space pauses and resumes · n / p next and previous step · + / - volume · q stops gently.
            Ctrl-C or SIGTERM also fades out gently. With --plain, or when output is not a terminal, \
            one line is printed per event instead (for screen readers and logs).
            On a machine with no sound card the session is saved to a file instead (see --output).

            Examples:
              respite play pmr-short
              respite play pmr-short --set skip=left-arm --volume -6
              respite play breathing-paced --from 3 --plain
              respite play pmr-short --resume      (continue where you stopped)
            """)

    @Argument(help: "A session file, or the id of a bundled session or of one of yours (`respite list`).")
    var session: String = "pmr-short"

    @Option(help: ArgumentHelp("ALSA playback device (`respite devices` lists them).", valueName: "name"))
    var device: String = "default"

    @Option(
        help: ArgumentHelp("Frames per period, 16…8192 (default: 10 ms at the session's rate).", valueName: "frames"))
    var period: Int?

    @Option(
        help: ArgumentHelp(
            "Frames in the device buffer, at least two periods (default: 100 ms, so keys answer within 150 ms).",
            valueName: "frames"))
    var buffer: Int?

    @Option(help: ArgumentHelp("Start at a step number (3) or a time (90s, 1:30).", valueName: "step|time"))
    var from: String?

    @Option(help: ArgumentHelp("Volume in dB, -40…+6.", valueName: "dB"))
    var volume: Double = 0

    @Flag(help: "One line per event, no redrawing (for screen readers and logs).")
    var plain = false

    @Option(
        help: ArgumentHelp(
            "The language of the screen and questions: en, es or zh (default: from LANG, LC_MESSAGES or LC_ALL).",
            valueName: "code"))
    var lang: String?

    @Flag(
        help:
            "At the end, print device underruns, the worst render time per period, and when the first period reached the device."
    )
    var stats = false

    @Option(help: ArgumentHelp("Seconds to keep trying to reopen a lost device.", valueName: "seconds"))
    var reconnectTimeout: Double = 60

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "Where to save the session when there is no sound card (default: ID.ogg here).", valueName: "file"))
    var output: String?

    @OptionGroup var options: SessionOptions

    @OptionGroup var start: StartOptions

    @OptionGroup var record: RecordOptions

    func validate() throws {
        if let problem = PlaybackBuffering.resolve(period: period, buffer: buffer, sampleRate: options.rate).problem {
            throw ValidationError(problem)
        }
        _ = try Self.startPoint(from)
        if start.resume && from != nil {
            throw ValidationError("--resume and --from both say where to start; give one of them.")
        }
        guard (-40...6).contains(volume) else { throw ValidationError("--volume must be -40…+6 dB.") }
        guard reconnectTimeout >= 0 else { throw ValidationError("--reconnect-timeout must be 0 or more seconds.") }
        try record.check()
    }

    func run() throws {
        try Interface.choose(lang)
        let signals = SignalWatcher([SIGINT, SIGTERM, SIGHUP])
        let catalog = SessionCatalog.locate()
        let meta: Session
        let given: Parameters
        do {
            (meta, given) = try options.load(session, catalog: catalog)  // checks --set before anything is shown
            // A language no voice speaks is said now, with the voices that would, not minutes into the session.
            try options.preparer(catalog: catalog, measuringProgramme: false).checkVoice(meta, parameters: given)
            // A step past the last is said before the introduction, not after it.
            if case .step(let number) = try Self.startPoint(from), number > meta.steps.count {
                throw ValidationError(Interface.text.fromNoSuchStep(from ?? "", meta.steps.count))
            }
        } catch {
            throw fail(error, context: session)
        }
        let terminal = Terminal()
        let plain = self.plain || !terminal.interactiveOutput
        // The safety notes come first, before anything slow: they are what the listener must read. While the
        // start screen waits for the listener, narration not yet spoken is spoken (the neural voice needs a few
        // seconds a minute of speech). Without the screen the preparation below starts at once and speaks it
        // itself: a second thread looking through the cache would only compete with it.
        let prefetch =
            PlayStart.showsScreen(terminal: terminal, start: start)
            ? options.prefetchSpeech(meta, parameters: given, catalog: catalog) : nil
        defer { prefetch?.cancel() }
        // A configuration that cannot be read stops the play further on, with its problems; here it only means
        // the default crisis line.
        let early = (try? Configuration.load()) ?? Configuration()
        let crisisLine = early.crisisLine(in: Interface.text)
        PlayerScreen.introduce(meta, crisisLine: crisisLine, on: terminal)
        fflush(nil)
        guard let begun = try beginning(meta, catalog: catalog, terminal: terminal, plain: plain, signals: signals)
        else { return }
        // The history is opened (and a run a crash left open is closed) before the questions: ratings are asked
        // only where they can be kept.
        let recorder = HistoryRecorder(path: HistoryRecorder.path(record.history, configured: early.history))
        for line in recorder.takeProblems() { report(line) }
        let ratingItems = RecordOptions.items(configuration: early, session: meta)
        var before = record.given(.before)
        var wantsAfter = before != nil
        let asks =
            recorder.isRecording && !record.noRatings && early.ratings.ask && !ratingItems.isEmpty
            && PlayStart.showsScreen(terminal: terminal, start: start)
        if before == nil && asks {
            let outcome = RatingQuestions(terminal: terminal, signals: signals).ask(
                ratingItems, opening: Interface.text.ratingsBefore)
            if case .interrupted = outcome, signals.received != nil {
                printLine(Interface.text.stoppedBeforeStart)
                return
            }
            // Declined, every one, is kept as declined; the questions after are for one who answered.
            before = outcome.ratings
            wantsAfter = outcome.anyAnswered
        }
        // The run is in the history, with the ratings just given, from here: a preparation that fails or is
        // stopped ends it so, and a crash from here on is found at the next start.
        recorder.begin(
            runStart(meta, catalog: catalog, assignments: begun.assignments, rate: options.rate), before: before ?? [])
        var sounded = false
        defer {
            if !sounded {
                recorder.end(
                    SessionEvent(
                        frame: 0, time: Date(), kind: .stopped(signals.received != nil ? .signal : .preparationFailed)))
            }
        }
        let prepared: PreparedSession
        let start: Int
        let preparer: SessionPreparer
        let growing: GrowingSession?
        do {
            (prepared, start, preparer, growing) = try withNotice(
                Interface.text.gettingReady + "…"
            ) {
                try options.prepareToPlay(
                    meta, parameters: begun.parameters, catalog: catalog, stopping: { signals.received != nil },
                    fromTheStart: from == nil && !begun.resuming
                ) { timeline in
                    try begun.resumeFrame(in: timeline) ?? startFrame(timeline)
                }
            }
            prefetch?.cancel()
        } catch is CancellationError {
            // Ctrl-C or SIGTERM while the narration was being spoken: what was spoken is cached for next time.
            printLine(Interface.text.stoppedBeforeStart)
            return
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch {
            throw fail(error, context: session)
        }
        if signals.received != nil {
            printLine(Interface.text.stoppedBeforeStart)
            return
        }

        var playerOptions = LivePlayer.Options()
        let configuration: Configuration
        do {
            configuration = try Configuration.load()
        } catch {
            report(error.description)
            throw ExitStatus.badConfiguration
        }
        if let maxVolume = configuration.devices[device]?.maxVolume {
            playerOptions.maxVolume = maxVolume
            if volume > maxVolume {
                report(
                    Interface.text.volumeHeld(
                        formatDecibels(maxVolume), device, Configuration.defaultPath() ?? "config.json"))
            }
        }
        playerOptions.volume = volume
        playerOptions.reconnectTimeout = reconnectTimeout
        let rate = prepared.timeline.sampleRate
        let sizes = PlaybackBuffering.resolve(period: period, buffer: buffer, sampleRate: rate)
        let device = self.device
        let run = SessionRun(prepared: prepared, options: playerOptions, clock: ContinuousClock()) {
            try ALSAOutput(
                device: device, sampleRate: rate, periodFrames: sizes.periodFrames, bufferFrames: sizes.bufferFrames)
        }
        recorder.laidOut(prepared.timeline)
        do {
            try run.start(from: start)
            sounded = true
        } catch let error as ALSAError {
            recorder.end(SessionEvent(frame: start, time: Date(), kind: .stopped(.deviceGone)))
            switch NoSoundDevice.decide(
                device: device, sessionID: meta.id, output: output, hasSoundCard: PlaybackDevices.hasSoundCard(),
                server: NoSoundDevice.probeServer(), error: error)
            {
            case .save(let message, let file, let keepExisting):
                report(message)
                try renderSession(
                    session, to: file, options: begun.options(options), catalog: catalog, keepExisting: keepExisting)
                return
            case .refuse(let note):
                if let note { report(note) }
            }
            report(advice(for: error))
            throw ExitStatus.noDevice
        }
        run.settleTrim(with: preparer)
        // The rest of a first play's narration is spoken while it plays; the neural engine's memory goes back once
        // it is all spoken.
        growing?.start(run: run) { SpeechSynthesizer.stopEngines() }
        defer {
            // Stopped before every clip was spoken: what was spoken stays cached, and the engine ends now.
            if let growing {
                growing.cancel()
                SpeechSynthesizer.stopEngines()
            }
        }
        let last = try play(
            run, terminal: terminal, plain: plain, signals: signals, begun: begun, estimate: growing?.estimate,
            recorder: recorder)
        // How the listener feels now: asked only of one who answered before, after a session that ended as they
        // meant it to (not after a signal: whoever sent it wants Respite gone).
        if record.after == nil, asks, wantsAfter, let before, signals.received == nil, last?.isListenersEnding == true {
            let outcome = RatingQuestions(terminal: terminal, signals: signals).ask(
                ratingItems, opening: Interface.text.ratingsAfter)
            recorder.rate(.after, outcome.ratings)
            if let comparison = RatingQuestions.comparison(before: before, after: outcome.ratings) {
                terminal.printWrapped(Interface.text.thankYou + " " + comparison)
            }
        }
        for line in recorder.takeProblems() { report(line) }
        if let crisisLine { terminal.printWrapped(crisisLine) }
    }

    /// What the history records of this run when it starts.
    private func runStart(_ meta: Session, catalog: SessionCatalog, assignments: [String], rate: Int) -> RunStart {
        let file = try? catalog.file(for: session)
        let hash = file.flatMap { try? InputFile.read($0, maximumBytes: SessionLoader.maximumFileSize) }
            .map(HistoryRecorder.hash)
        let now = Date()
        // A file is kept by its absolute path, a bundled or installed session by its id.
        var source = session
        if FileManager.default.fileExists(atPath: session) {
            source =
                session.hasPrefix("/")
                ? session : FileManager.default.currentDirectoryPath + "/" + session
        }
        return RunStart(
            sessionID: meta.id, source: source, title: meta.title, fileHash: hash ?? "", parameters: assignments,
            device: device, sampleRate: rate, length: nil, startedAt: now, utcOffset: RunStart.localOffset(at: now))
    }

    /// The terminal's side of a session run: draws its events, turns keys and signals into
    /// commands. Returns when the run has ended.
    private func play(
        _ run: SessionRun, terminal: Terminal, plain: Bool, signals: SignalWatcher, begun: PlayStart,
        estimate: SessionKit.Timeline?, recorder: HistoryRecorder
    ) throws -> SessionEvent? {
        var timeline = run.prepared.timeline
        // Until a session that grows while it plays is laid out to its end: its estimated layout.
        var estimate = estimate
        let screen = PlayerScreen(
            terminal: terminal, plain: plain, timeline: timeline, estimate: estimate, title: run.prepared.session.title)
        terminal.enterRawMode()
        defer {
            screen.close()
            terminal.restore()
        }
        let inbox = EventInbox(run.events())
        Task.detached { _ = await run.run() }
        var stopping = false
        // The run's last event says how it ended (finished, or stopped at a frame and why).
        var last: SessionEvent?
        while true {
            let done = inbox.isFinished
            let events = inbox.take()
            recorder.log(events)
            for event in events {
                if event.isFinal { last = event }
                screen.show(event)
                switch event.kind {
                case .deviceLost(let reason):
                    screen.announce(Interface.text.deviceLost(device, reason, Int(reconnectTimeout)))
                case .reconnected:
                    screen.announce(Interface.text.deviceBack(clock(timeline.seconds(event.frame))))
                case .laidOut(_, let complete):
                    timeline = run.prepared.timeline
                    screen.grow(to: timeline, complete: complete)
                    if complete { estimate = nil }
                case .sourceFailed(let path, let message) where path.isEmpty:
                    screen.announce(
                        Interface.text.mustStop(message.hasSuffix(".") ? String(message.dropLast()) : message))
                case .sourceFailed(let path, let message):
                    // A file that breaks while playing never stops the session: it is silent from there, and said so.
                    screen.announce(Interface.text.sourceUnreadable(path, message))
                default:
                    break
                }
            }
            // Read before taking: once the stream has finished, that take held its last events.
            if done { break }
            if let signal = signals.received, !stopping {
                stopping = true
                screen.announce(signal == SIGTERM ? Interface.text.stoppingTerminated : Interface.text.stoppingGently)
                run.send(.stop(.signal))
            }
            terminal.handlePendingJobControl(
                pausing: { screen.suspend(at: run.pauseBeforeStopping()) }, redraw: screen.redraw)
            screen.update(run.status)
            guard let key = terminal.readKey(timeout: 50), !stopping else { continue }
            switch key {
            case UInt8(ascii: " "): run.send(.togglePause)
            case UInt8(ascii: "n"), UInt8(ascii: "N"): run.send(.next)
            case UInt8(ascii: "p"), UInt8(ascii: "P"): run.send(.previous)
            case UInt8(ascii: "+"), UInt8(ascii: "="): run.send(.changeVolume(3))
            case UInt8(ascii: "-"), UInt8(ascii: "_"): run.send(.changeVolume(-3))
            case UInt8(ascii: "q"), UInt8(ascii: "Q"), 3, 4:
                stopping = true
                screen.announce(Interface.text.stoppingGently)
                run.send(.stop(.listener))
            default:
                break
            }
        }
        recorder.end(last, after: record.given(.after) ?? [])
        // The stream ends only after the run has stopped its threads: the counters are complete.
        let stats = run.stats
        let frame = last?.frame ?? 0
        switch last?.kind {
        case .stopped(.deviceGone):
            _ = begun.stopped(at: frame, timeline: timeline, estimate: estimate)  // remembered for --resume as well
            screen.announce(Interface.text.deviceNotBack(Int(reconnectTimeout), clock(timeline.seconds(frame))))
            throw ExitStatus.deviceLost
        case .stopped(.preparationFailed):
            // Said by the sourceFailed event before it; the place is remembered for --resume.
            screen.announce(begun.stopped(at: frame, timeline: timeline, estimate: estimate))
            throw ExitStatus.ioFailure
        case .stopped:
            screen.announce(begun.stopped(at: frame, timeline: timeline, estimate: estimate))
        default:
            begun.finished()
            screen.announce(Interface.text.ended)
        }
        let period = PlaybackBuffering.resolve(period: self.period, buffer: buffer, sampleRate: timeline.sampleRate)
            .periodFrames
        let periodNanoseconds = Double(period) / Double(timeline.sampleRate) * 1e9
        if let refusal = stats.realtimeRefusal, self.stats {
            report(
                "note: real-time scheduling was refused (\(String(cString: strerror(refusal)))); playing at normal priority."
            )
        }
        if self.stats {
            let worst = Double(stats.worstRenderNanoseconds)
            let times = stats.renderTimes
            let p999 = Double(times.percentile(0.999))
            printLine(
                "stats: underruns \(stats.underruns), late stream frames \(stats.lateFrames), "
                    + "worst render \(String(format: "%.1f", worst / 1_000)) µs per \(period)-frame period "
                    + "(\(String(format: "%.2f", 100 * worst / periodNanoseconds))% of it), "
                    + "99.9 % of \(times.periods) periods within \(String(format: "%.0f", p999 / 1_000)) µs "
                    + "(\(String(format: "%.2f", 100 * p999 / periodNanoseconds))%), "
                    + "real-time priority \(stats.realtimeRefusal == nil ? "granted" : "refused")"
                    + "\(stats.shortTimeSlice ? " (a 1 ms time slice instead)" : ""), "
                    + "first period handed to the device at monotonic \(stats.firstHandoffNanoseconds ?? 0) ns"
                    + trimNote(stats.trimLeadFrames, sampleRate: timeline.sampleRate)
                    + (stats.holds > 0 ? ", held \(stats.holds) times waiting for the narration to be spoken" : ""))
        }
        return last
    }

    /// The stats line's words on a programme trim settled while playing: empty when it was in
    /// place from the start.
    private func trimNote(_ lead: Int?, sampleRate: Int) -> String {
        guard let lead else { return "" }
        let seconds = String(format: "%.2f", abs(Double(lead)) / Double(sampleRate))
        return lead >= 0
            ? ", programme trim measured while playing, in place \(seconds) s before it moved"
            : ", programme trim measured while playing, \(seconds) s too late (settled from the playhead)"
    }

    /// Where `--from` asks to start.
    enum StartPoint: Equatable {
        case step(Int)
        case seconds(Double)
    }

    /// Parses `--from`: a step number, or a time (`90`, `90s`, `1:30`, `1:02:30`); nil when it is not given.
    /// Checked before anything is prepared or shown, so a wrong value costs the listener nothing.
    static func startPoint(_ text: String?) throws -> StartPoint? {
        guard let text, !text.isEmpty else { return nil }
        let usage = "--from \(text): give a step number (3) or a time (90s, 1:30)."
        if !text.contains(":"), !text.hasSuffix("s"), text.allSatisfy(\.isASCII) {
            if let number = Int(text) {
                guard number >= 1 else { throw ValidationError("--from \(text): steps are numbered from 1.") }
                return .step(number)
            }
            if text.allSatisfy(\.isNumber) { throw ValidationError("--from \(text): there is no such step.") }
        }
        let body = text.hasSuffix("s") ? String(text.dropLast()) : text
        let parts = body.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { throw ValidationError(usage) }
        var seconds = 0.0
        for (index, part) in parts.enumerated() {
            // Plain decimal digits only: Double() would also take "nan", "inf", "1e400" and hexadecimal.
            let isLast = index == parts.count - 1
            guard !part.isEmpty, part.allSatisfy({ $0.isASCII && ($0.isNumber || (isLast && $0 == ".")) }),
                part.filter({ $0 == "." }).count <= 1, part.count <= 12, let value = Double(part)
            else { throw ValidationError(usage) }
            if index > 0, value >= 60 { throw ValidationError("--from \(text): minutes and seconds run 0…59.") }
            seconds = seconds * 60 + value
        }
        guard seconds <= SessionLoader.maximumSessionDuration else {
            throw ValidationError("--from \(text) is past the end of any session (at most 6 hours).")
        }
        return .seconds(seconds)
    }

    /// The frame `--from` names in this timeline.
    private func startFrame(_ timeline: SessionKit.Timeline) throws -> Int {
        switch try Self.startPoint(from) {
        case nil:
            return 0
        case .step(let number):
            guard let step = timeline.steps.first(where: { $0.number == number }) else {
                throw ValidationError(Interface.text.fromNoSuchStep(from ?? "", timeline.steps.count))
            }
            return step.start
        case .seconds(let seconds):
            guard let frame = FrameCount.frames(seconds: seconds, rate: timeline.sampleRate), frame < timeline.duration
            else {
                throw ValidationError(
                    Interface.text.fromPastTheEnd(from ?? "", clock(timeline.seconds(timeline.duration))))
            }
            return frame
        }
    }

    /// One paragraph a listener can act on, for a device that would not open.
    private func advice(for error: ALSAError) -> String {
        let text = Interface.text
        switch -error.code {
        case EBUSY: return text.deviceBusy(device) + " (\(error))"
        case ENOENT, ENODEV, ENXIO: return text.deviceMissing(device) + " (\(error))"
        case EINVAL: return text.deviceFormat(device, options.rate) + " (\(error))"
        default: return text.deviceFailed(device, error.message) + " (\(error))"
        }
    }
}

/// Catches SIGINT and SIGTERM so the player can fade out and restore the terminal.
///
/// A plain `sigaction` handler that records the first signal in an atomic: it takes effect the moment
/// `sigaction` returns, so no signal can slip through (a dispatch source registers asynchronously, and a signal
/// ignored meanwhile was lost: a clinic's stop request that never stopped the session). Installed when `play`
/// starts, so a request that comes while the session is being prepared is kept and acted on at once.
final class SignalWatcher: Sendable {
    /// The first signal received, 0 while none. Async-signal-safe: a lock-free atomic.
    private static let first = ManagedAtomic<Int32>(0)

    init(_ signals: [Int32]) {
        _ = Self.first.load(ordering: .relaxed)  // initialised before any handler can run
        // A process inherits its parent's blocked signals through exec: started from a thread that blocks them
        // (a dispatch worker, some service managers), it would never see a stop request. Threads started from
        // here on inherit this thread's mask.
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        for number in signals { sigaddset(&unblocked, number) }
        pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
        for number in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                _ = SignalWatcher.first.compareExchange(expected: 0, desired: number, ordering: .relaxed)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
    }

    var received: Int32? {
        let number = Self.first.load(ordering: .relaxed)
        return number == 0 ? nil : number
    }
}

/// A session run's events, handed from the task that reads them to the terminal's loop.
final class EventInbox: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [SessionEvent] = []
    private var finished = false

    init(_ stream: AsyncStream<SessionEvent>) {
        Task.detached { [self] in
            for await event in stream {
                lock.withLock { events.append(event) }
            }
            lock.withLock { finished = true }
        }
    }

    /// The events that arrived since the last call.
    func take() -> [SessionEvent] {
        lock.lock()
        defer { lock.unlock() }
        let taken = events
        events.removeAll()
        return taken
    }

    /// True once the run has ended and its last event has arrived here.
    var isFinished: Bool {
        lock.lock()
        defer { lock.unlock() }
        return finished
    }
}

/// Runs `work`; if it is still running after `delay` seconds, prints `notice` once, so a slow first
/// preparation never looks like a hang.
func withNotice<T>(_ notice: String, after delay: Double = 0.7, _ work: () throws -> T) rethrows -> T {
    let done = ManagedAtomic<Bool>(false)
    let timer = Thread {
        let deadline = Date().addingTimeInterval(delay)
        while Date() < deadline {
            if done.load(ordering: .acquiring) { return }
            usleep(20_000)
        }
        if !done.load(ordering: .acquiring) {
            printLine(notice)
            fflush(nil)
        }
    }
    timer.start()
    defer { done.store(true, ordering: .releasing) }
    return try work()
}
