import Atomics
import AudioIO
import Foundation
import Logging
import Mixer
import SessionKit

/// One run of one prepared session, from its first sound to its end: the one controller the
/// terminal player, the tests and a clinic's service all drive.
///
/// It takes commands (``send(_:)``: pause, resume, next, previous, seek to a step or a frame,
/// volume, a gentle stop), owns the policy for a lost device (hold the place, try to reopen it
/// every ``LivePlayer/Options/reconnectInterval`` until ``LivePlayer/Options/reconnectTimeout``,
/// resume at the start of the interrupted sentence) and the playback statistics, and publishes
/// what happens as ``SessionEvent``s, each with its session frame and wall-clock time, to every
/// subscriber of ``events()``.
///
/// Time: every wait (a fade, a reconnect interval, the tick at which it looks at the playhead)
/// is a sleep on the injected clock. With `ContinuousClock` it plays in real time; with a
/// ``VirtualClock`` driven by a test output, a whole session plays in the time it takes to
/// render it.
///
/// Thread safety: ``send(_:)``, ``events()``, ``status`` and ``stats`` may be called from any
/// thread at any time; ``start(from:)`` then ``run()`` once each, in that order.
public final class SessionRun: @unchecked Sendable {
    /// What a listener, a script or a clinic's staff can ask of a run.
    public enum Command: Sendable, Equatable {
        case pause
        case resume
        case togglePause
        /// To the start of the next step; at the last step, a gentle stop.
        case next
        /// To the start of this step, or of the one before in the first 3 s of a step.
        case previous
        /// To the start of a step, by its 1-based number.
        case step(Int)
        /// To a frame of the session (0…duration).
        case seek(frame: Int)
        /// The volume, in dB (clamped to -40…the device's limit, at most +6).
        case volume(Double)
        /// The volume changed by this many dB.
        case changeVolume(Double)
        /// A gentle stop: a fade, then the run ends.
        case stop(SessionEvent.StopReason)
    }

    /// How a run ended.
    public enum Outcome: Sendable, Equatable {
        /// Played to its end.
        case finished
        /// Stopped early, at a frame.
        case stopped(SessionEvent.StopReason, at: Int)
    }

    /// Where a run is, for a screen or a status request.
    public struct Status: Sendable, Equatable {
        /// Frames played (rendered) so far, 0…duration.
        public var position: Int
        /// The step playing, 1-based (0 before the first).
        public var step: Int
        public var paused: Bool
        /// False while a session that grows while it plays is still being laid out (its length
        /// and its last steps are estimates until then).
        public var laidOut = true
        /// dB, -40…+6.
        public var volume: Double
        /// True while the device is lost and being reopened.
        public var deviceLost: Bool
        /// True once the run has ended.
        public var ended: Bool
    }

    /// How playback went, for `--stats` and a clinic's log.
    public struct Stats: Sendable, Equatable {
        /// Device underruns (recovered xruns and unreported dry spells), over every device opened.
        public var underruns: Int
        /// Frames of streamed audio that arrived late and played as silence.
        public var lateFrames: Int
        /// The longest one period's render took, nanoseconds.
        public var worstRenderNanoseconds: Int
        /// Render time of every period so far (complete once the run has ended).
        public var renderTimes: RenderTimes
        /// The errno with which real-time scheduling was refused; nil when granted or not asked.
        public var realtimeRefusal: Int32?
        /// True when a short fair-scheduler time slice was granted instead of real-time priority.
        public var shortTimeSlice: Bool
        /// When the first period was handed to the device, CLOCK_MONOTONIC nanoseconds.
        public var firstHandoffNanoseconds: Int?
        /// For a session started before its programme was measured: how many frames of the
        /// schedule lay between the mixer's playhead and the trim's move when the trim was sent
        /// (negative: it came late, and the move began where the mixer was instead); nil when the
        /// trim was in place from the start, or never came.
        public var trimLeadFrames: Int?
        /// Times a session that grows while it plays held its sound, faded, to wait for the
        /// narration to be spoken (a machine too slow to speak ahead); 0 otherwise.
        public var holds = 0
    }

    /// The session being played: as prepared, or for one that grows while it plays, with its
    /// timeline as far as it is laid out (``grow(_:complete:)``).
    public var prepared: PreparedSession { lock.withLock { current } }
    private var current: PreparedSession
    /// How many events ``history`` keeps at most (the newest), so a run of any length holds a
    /// bounded amount: 10 000 by default, about a 6-hour session's worth of breaths and cues.
    public let historyLimit: Int
    /// The engine this run drives (its mixer and streamer, for tests and benchmarks).
    public let engine: LivePlayer
    /// How often the run looks at the playhead to publish moments and take commands: 20 ms.
    public static let tick: Duration = .milliseconds(20)

    private var moments: SessionMoments
    /// The timeline the loop works with (the run's own copy of ``prepared``'s).
    private var timeline: Timeline
    /// A growth handed over by ``grow(_:complete:)`` and not yet taken by the loop.
    private var pendingGrowth: (timeline: Timeline, complete: Bool)?
    /// Why the rest of a growing session could not be prepared, for the loop to stop on.
    private var growthFailure: String?
    private let elapsed: @Sendable () -> Duration
    private let sleep: @Sendable (Duration) async throws -> Void
    private let startDate: Date
    private let lock = NSLock()
    private var commands: [Command] = []
    private var subscribers: [Int: AsyncStream<SessionEvent>.Continuation] = [:]
    private var observers: [@Sendable (SessionEvent) -> Void] = []
    private var woke: Duration = .zero
    private var nextSubscriber = 0
    private var shownStatus: Status
    private var ended = false
    private var published: [SessionEvent] = []
    /// The next moment to publish.
    private var cursor = 0
    private var announcedFailures = Set<String>()
    /// A trim ramp handed over by ``settleTrim(_:)`` and not yet sent to the mixer.
    private var pendingTrim: TrimRamp?
    private var trimLead: Int?
    /// Set when the run ends: a programme measurement still going stops.
    private let trimCancelled = ManagedAtomic<Bool>(false)

    /// - Parameters:
    ///   - clock: what every wait sleeps on (`ContinuousClock()` to play in real time).
    ///   - startDate: the wall-clock time when the clock reads its first `now` (event times are
    ///     this plus the clock's elapsed time, so a virtual run has a believable timetable).
    ///   - historyLimit: how many of the newest events ``history`` keeps, ≥ 1.
    ///   - output: opens the device; called again for each attempt to reopen a lost one.
    public init<C: Clock>(
        prepared: PreparedSession, options: LivePlayer.Options = .init(), clock: C, startDate: Date = Date(),
        historyLimit: Int = 10_000, output: @escaping LivePlayer.OutputFactory
    ) where C.Duration == Duration {
        current = prepared
        timeline = prepared.timeline
        self.historyLimit = max(1, historyLimit)
        engine = LivePlayer(prepared: prepared, options: options, output: output)
        moments = SessionMoments(prepared.timeline)
        let origin = clock.now
        elapsed = { origin.duration(to: clock.now) }
        sleep = { try await clock.sleep(for: $0) }
        self.startDate = startDate
        shownStatus = Status(
            position: 0, step: 0, paused: false, volume: engine.volume, deviceLost: false, ended: false)
    }

    // MARK: - Outside: commands, events, status

    /// Asks the run to do something; it is done at the run's next tick (within 20 ms of its
    /// clock). Commands after the run has ended are ignored.
    public func send(_ command: Command) {
        lock.lock()
        if !ended { commands.append(command) }
        lock.unlock()
    }

    /// Every event from now until the run ends (then the sequence finishes). Each call makes a
    /// new subscriber; none is ever dropped or slowed: events are few (a few a second).
    public func events() -> AsyncStream<SessionEvent> {
        AsyncStream(bufferingPolicy: .unbounded) { continuation in
            lock.lock()
            if ended {
                lock.unlock()
                continuation.finish()
                return
            }
            let id = nextSubscriber
            nextSubscriber += 1
            subscribers[id] = continuation
            lock.unlock()
            continuation.onTermination = { [weak self] _ in
                guard let self else { return }
                self.lock.lock()
                self.subscribers[id] = nil
                self.lock.unlock()
            }
        }
    }

    /// Calls `handler` with every event from now on, synchronously, on the run's own context,
    /// before any subscriber of ``events()`` sees it: a command it sends is taken at the run's
    /// next tick, and a record it writes (a clinic's history: "started") is written before the
    /// run goes on. It must return quickly and never wait.
    public func observe(_ handler: @escaping @Sendable (SessionEvent) -> Void) {
        lock.withLock { observers.append(handler) }
    }

    /// When the run last woke on its clock, as time since the run was made. A test output that
    /// keeps its clock close to this plays in step with the run's ticks, as a real device does.
    public var lastWoke: Duration { lock.withLock { woke } }

    /// The newest events published, in order, at most ``historyLimit`` of them (for a status
    /// request or a late subscriber; a complete record is kept by an ``observe(_:)`` handler).
    public var history: [SessionEvent] {
        lock.lock()
        defer { lock.unlock() }
        return Array(published.suffix(historyLimit))
    }

    /// Where the run is now.
    public var status: Status {
        lock.lock()
        var status = shownStatus
        lock.unlock()
        status.position = engine.position
        status.step = prepared.timeline.step(at: status.position)?.number ?? 0
        status.laidOut = lock.withLock {
            engine.mixer.growth == nil || pendingGrowth?.complete == true || grownComplete
        }
        return status
    }

    /// How playback has gone so far.
    public var stats: Stats {
        Stats(
            underruns: engine.underruns, lateFrames: engine.streamUnderruns,
            worstRenderNanoseconds: engine.worstRenderNanoseconds, renderTimes: engine.renderTimes,
            realtimeRefusal: engine.realtimeRefusal, shortTimeSlice: engine.shortTimeSlice,
            firstHandoffNanoseconds: engine.firstHandoffNanoseconds, trimLeadFrames: lock.withLock { trimLead },
            holds: engine.mixer.holds)
    }

    // MARK: - A trim settled while playing

    /// Hands the run the programme trim of a session started before its programme was measured
    /// (``PreparedSession/trimPending``): the ramp of the same session prepared with its trim
    /// (`schedule.trimRamp`). Any thread, once. The run sends it to the mixer at its next tick;
    /// in time (before the mixer reaches the ramp's start) the output is the render's sample for
    /// sample. Late (a machine too slow to measure within the opening, or a listener who skipped
    /// ahead), the mixer makes the same move from where it is (``MixerCommand/setTrimRamp(_:)``):
    /// a gentle 1 s change of at most the session's trim (within about 1 dB for a session whose
    /// sources are at their targets), never a step, and never a hold in the sound.
    public func settleTrim(_ ramp: TrimRamp) {
        lock.withLock { if !ended { pendingTrim = ramp } }
    }

    /// Measures the programme of a session started with ``PreparedSession/trimPending`` on a
    /// thread of its own, at a lower priority than anything that plays, and hands the trim to
    /// ``settleTrim(_:)``. Does nothing for a session that is not pending. A measurement that
    /// fails (a source that breaks part-way), or a thread the system refuses, leaves the session
    /// untrimmed, logged; when the run ends first, the measurement stops (nothing is cached).
    ///
    /// - Parameter preparer: the preparer that made ``prepared``, with its ``SessionPreparer/programme``.
    public func settleTrim(with preparer: SessionPreparer) {
        guard prepared.trimPending else { return }
        let untrimmed = prepared
        let cancelled = trimCancelled
        let measure: @Sendable () -> Void = { [weak self] in
            // Below the audio thread and the player's loader (nice 10): on a busy machine the sound
            // comes first. On Linux the nice value is the calling thread's, and the measurement's
            // own loader thread inherits it.
            setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 15)
            var copy = untrimmed
            do {
                try preparer.trim(&copy) { cancelled.load(ordering: .relaxed) }
            } catch is CancellationError {
                return
            } catch {
                Logger.player.warning("the programme loudness could not be measured (\(error)); playing untrimmed")
                return
            }
            if let ramp = copy.schedule.trimRamp { self?.settleTrim(ramp) }
        }
        let refused = SystemThread.start(name: "respite-trim", measure)
        if refused != 0 {
            Logger.player.warning(
                "no thread to measure the programme loudness (\(String(cString: strerror(refused)))); playing untrimmed"
            )
        }
    }

    /// True once a trim has been handed to ``settleTrim(_:)`` (sent to the mixer or not yet).
    var hasTrim: Bool { lock.withLock { pendingTrim != nil || trimLead != nil } }

    /// Sends a pending trim to the mixer (see ``settleTrim(_:)``); kept for the next tick when the
    /// mixer's queue is full.
    private func sendPendingTrim() {
        guard let ramp = lock.withLock({ pendingTrim }) else { return }
        // Where the mixer is mixing: the output's position plus the limiter's lookahead.
        let lead = ramp.start - (engine.position + engine.mixer.lookahead)
        guard engine.setTrimRamp(ramp) else { return }
        lock.withLock {
            pendingTrim = nil
            trimLead = lead
        }
        let seconds = String(format: "%.2f", abs(Double(lead)) / Double(timeline.sampleRate))
        Logger.player.info(
            lead >= 0
                ? "programme trim sent \(seconds) s before it starts to move"
                : "programme trim came \(seconds) s late; it settles from where the mixer is instead")
    }

    // MARK: - A session that grows while it plays

    /// Hands the run a session that grows while it plays (``GrowingSession``) laid out further:
    /// `timeline` is the partial timeline to its new horizon, or the complete one. Any thread;
    /// the run takes it at its next tick (its moments, steps and sentences from then on).
    public func grow(_ timeline: Timeline, complete: Bool) {
        lock.withLock { if !ended { pendingGrowth = (timeline, complete) } }
    }

    /// The rest of a growing session could not be prepared: the run stops gently where it is
    /// (it could not play on past what is laid out) and says why.
    public func growthFailed(_ reason: String) {
        lock.withLock { if !ended && growthFailure == nil { growthFailure = reason } }
    }

    /// True once the loop has taken the complete timeline.
    private var grownComplete = false

    /// Takes a growth handed over by ``grow(_:complete:)``. On the loop.
    private func takeGrowth() {
        guard
            let growth = lock.withLock({ () -> (timeline: Timeline, complete: Bool)? in
                defer { pendingGrowth = nil }
                return pendingGrowth
            })
        else { return }
        timeline = growth.timeline
        moments = SessionMoments(growth.timeline)
        engine.update(timeline: growth.timeline, complete: growth.complete)
        lock.withLock {
            current.timeline = growth.timeline
            if growth.complete { grownComplete = true }
        }
        publish(.laidOut(horizon: growth.timeline.duration, complete: growth.complete), at: engine.position)
    }

    // MARK: - The run

    /// Opens the device and starts playing at `frame` (faded in when not at the start). Throws
    /// what opening the device threw (``ALSAError``, ``ThreadRefused``): nothing has played then,
    /// and the caller may fall back (to a file, another device).
    public func start(from frame: Int = 0) throws {
        let frame = min(max(0, frame), timeline.duration)
        try engine.start(from: frame)
        cursor = moments.firstIndex(atOrAfter: frame)
        publish(.started, at: frame)
        announceStep(landingAt: frame)
    }

    /// Plays to the end, taking commands, and returns how the run ended. Call once, after
    /// ``start(from:)``. Cancelling the task stops the run gently, as a stop by signal would.
    public func run() async -> Outcome {
        let outcome = await loop()
        trimCancelled.store(true, ordering: .relaxed)
        engine.finish()
        logStats(outcome)
        let finishing = lock.withLock {
            ended = true
            commands.removeAll()
            let finishing = Array(subscribers.values)
            subscribers.removeAll()
            shownStatus.ended = true
            return finishing
        }
        finishing.forEach { $0.finish() }
        return outcome
    }

    private func loop() async -> Outcome {
        while true {
            for command in takeCommands() {
                if let outcome = await perform(command) { return outcome }
            }
            if Task.isCancelled { return await stop(.signal) }
            takeGrowth()
            if let reason = lock.withLock({ growthFailure }) {
                publish(.sourceFailed(path: "", message: reason), at: engine.position)
                return await stop(.preparationFailed)
            }
            announceFailures()
            if engine.isDeviceLost {
                if let outcome = await holdThroughDeviceLoss() { return outcome }
                continue
            }
            sendPendingTrim()
            publishMoments(upTo: engine.position)
            if engine.isFinished {
                publishMoments(upTo: timeline.duration)
                announceFailures()
                publish(.finished, at: timeline.duration)
                return .finished
            }
            do { try await nap(Self.tick) } catch { return await stop(.signal) }
        }
    }

    /// Carries out one command; returns an outcome when it ends the run.
    private func perform(_ command: Command) async -> Outcome? {
        switch command {
        case .pause:
            pause(true)
        case .resume:
            pause(false)
        case .togglePause:
            pause(!engine.userPaused)
        case .next:
            guard let target = engine.nextStepStart(after: engine.position) else { return await stop(.listener) }
            await seek(to: target)
        case .previous:
            await seek(to: engine.previousStepStart(before: engine.position))
        case .step(let number):
            guard let step = timeline.steps.first(where: { $0.number == number }) else { return nil }
            await seek(to: step.start)
        case .seek(let frame):
            await seek(to: frame)
        case .volume(let decibels):
            setVolume(decibels)
        case .changeVolume(let delta):
            setVolume(engine.volume + delta)
        case .stop(let reason):
            return await stop(reason)
        }
        return nil
    }

    private func pause(_ paused: Bool) {
        guard paused != engine.userPaused else { return }
        // The place the listener paused or resumed at: read before the command goes, so that a
        // run held up between the two (a busy machine) never dates the event later than the
        // mixer's fade, which starts at the mixer's next period.
        let frame = engine.position
        if paused { engine.pause() } else { engine.resume() }
        lock.lock()
        shownStatus.paused = paused
        lock.unlock()
        publish(paused ? .paused : .resumed, at: frame)
    }

    private func setVolume(_ decibels: Double) {
        guard decibels.isFinite else { return }
        engine.setVolume(decibels)
        lock.lock()
        shownStatus.volume = engine.volume
        lock.unlock()
        publish(.volume(engine.volume), at: engine.position)
    }

    /// Fades out, waits on the clock for the fade to play, moves, fades back in.
    private func seek(to frame: Int) async {
        let target = min(max(0, frame), timeline.duration)
        publishMoments(upTo: engine.position)
        engine.beginSeek()
        await waitUntil(seconds: 1) { engine.isReadyToSeek }
        engine.completeSeek(to: target)
        cursor = moments.firstIndex(atOrAfter: target)
        publish(.seeked, at: target)
        announceStep(landingAt: target)
    }

    /// Fades out, waits on the clock for the device to play it, and ends the run.
    private func stop(_ reason: SessionEvent.StopReason) async -> Outcome {
        publishMoments(upTo: engine.position)
        engine.beginStop()
        lock.withLock { shownStatus.paused = false }
        await waitUntil(seconds: engine.options.stopFade + 1) { !engine.isPlaying }
        engine.finish()
        let at = engine.position
        publish(.stopped(reason), at: at)
        return .stopped(reason, at: at)
    }

    /// The device is gone: hold the place and try to reopen it until the timeout. Returns nil
    /// when it is back, an outcome when the run ends (a stop meanwhile, or the device gone for good).
    private func holdThroughDeviceLoss() async -> Outcome? {
        guard let (reason, resumeFrame) = engine.collectLostDevice() else { return nil }
        var resume = resumeFrame
        publishMoments(upTo: engine.position)
        publish(.deviceLost(reason), at: engine.position)
        setDeviceLost(true)
        let options = engine.options
        let deadline = elapsed() + .seconds(options.reconnectTimeout)
        var nextAttempt = elapsed() + .seconds(options.reconnectInterval)
        while elapsed() < deadline {
            // Short sleeps, so a stop (a key, a signal) is answered at once while waiting.
            let slice = min(.milliseconds(100), max(.zero, nextAttempt - elapsed()))
            do { try await nap(slice) } catch { break }
            for command in takeCommands() {
                switch command {
                case .stop(let reason):
                    setDeviceLost(false)
                    publish(.stopped(reason), at: resume)
                    return .stopped(reason, at: resume)
                case .pause: pause(true)
                case .resume: pause(false)
                case .togglePause: pause(!engine.userPaused)
                case .volume(let decibels): setVolume(decibels)
                case .changeVolume(let delta): setVolume(engine.volume + delta)
                case .next: resume = engine.nextStepStart(after: resume) ?? resume
                case .previous: resume = engine.previousStepStart(before: resume)
                case .step(let number):
                    resume = timeline.steps.first(where: { $0.number == number })?.start ?? resume
                case .seek(let frame): resume = min(max(0, frame), timeline.duration)
                }
            }
            guard elapsed() >= nextAttempt else { continue }
            nextAttempt = elapsed() + .seconds(options.reconnectInterval)
            if engine.reopen(at: resume) {
                setDeviceLost(false)
                cursor = moments.firstIndex(atOrAfter: resume)
                publish(.reconnected, at: resume)
                announceStep(landingAt: resume)
                return nil
            }
        }
        setDeviceLost(false)
        let ending: SessionEvent.StopReason = Task.isCancelled ? .signal : .deviceGone
        publish(.stopped(ending), at: resume)
        return .stopped(ending, at: resume)
    }

    /// For `--verbose` and a service's log: how playback went (never on the audio thread).
    private func logStats(_ outcome: Outcome) {
        let stats = self.stats
        if let refusal = stats.realtimeRefusal {
            let slice = stats.shortTimeSlice ? "; a 1 ms time slice instead" : ""
            Logger.player.info("real-time priority refused (\(String(cString: strerror(refusal))))\(slice)")
        } else if stats.renderTimes.periods > 0 {
            Logger.player.info("real-time priority granted")
        }
        // Info, not notice: a listener is not shown these unless they ask (--verbose, --stats).
        let holds = stats.holds > 0 ? ", \(stats.holds) holds waiting for the narration" : ""
        Logger.player.info(
            "run ended (\(outcome)): \(stats.underruns) device underruns, \(stats.lateFrames) late stream frames, \(stats.renderTimes.periods) periods, worst render \(stats.worstRenderNanoseconds / 1_000) µs\(holds)"
        )
    }

    // MARK: - Publishing

    private func takeCommands() -> [Command] {
        lock.lock()
        defer { lock.unlock() }
        let taken = commands
        commands.removeAll()
        return taken
    }

    private func setDeviceLost(_ lost: Bool) {
        lock.lock()
        shownStatus.deviceLost = lost
        lock.unlock()
    }

    /// Publishes every session moment up to and including `position`.
    private func publishMoments(upTo position: Int) {
        let list = moments.moments
        guard cursor < list.count && list[cursor].frame <= position else { return }
        // The playhead and the clock read together (no period played between the two reads), so a
        // moment noticed late is stamped with the time its frame was rendered, however late. A
        // real device plays a period in milliseconds, so one retry is enough; a test's device,
        // playing as fast as it can on a slow (sanitized, busy) machine, may need many.
        var playhead = engine.position
        var now = elapsed()
        for _ in 0..<256 {
            let again = engine.position
            if again == playhead { break }
            playhead = again
            now = elapsed()
        }
        while cursor < list.count && list[cursor].frame <= position {
            publish(list[cursor].kind, at: list[cursor].frame, late: playhead - list[cursor].frame, now: now)
            cursor += 1
        }
    }

    /// After landing at `frame` (a start, a seek, a reconnect) inside a step but not at its start:
    /// the step is announced at the landing frame, so a screen and a log know where playback is.
    private func announceStep(landingAt frame: Int) {
        guard let step = timeline.step(at: frame), step.start < frame, frame < timeline.duration
        else { return }
        publish(.stepStarted(number: step.number, title: step.title), at: frame)
    }

    private func announceFailures() {
        for failure in engine.streamer.failures {
            let key = failure.path + "\u{0}" + failure.message
            guard !announcedFailures.contains(key) else { continue }
            announcedFailures.insert(key)
            publish(.sourceFailed(path: failure.path, message: failure.message), at: engine.position)
        }
    }

    /// Sends an event to every observer and subscriber, stamped with the wall-clock time: now,
    /// less `late` frames for a moment noticed after the playhead passed it (so its time is when
    /// its frame was rendered).
    private func publish(_ kind: SessionEvent.Kind, at frame: Int, late: Int = 0, now: Duration? = nil) {
        let now = (now ?? elapsed()).components
        let seconds = Double(now.seconds) + Double(now.attoseconds) * 1e-18
        let behind = Double(max(0, late)) / Double(timeline.sampleRate)
        let event = SessionEvent(frame: frame, time: startDate.addingTimeInterval(max(0, seconds - behind)), kind: kind)
        let (handlers, targets) = lock.withLock {
            published.append(event)
            // Trimmed in batches of a quarter of the limit, so each event costs O(1) on average.
            if published.count >= historyLimit + max(1, historyLimit / 4) {
                published.removeFirst(published.count - historyLimit)
            }
            return (observers, Array(subscribers.values))
        }
        handlers.forEach { $0(event) }
        targets.forEach { $0.yield(event) }
    }

    /// Sleeps on the clock, then notes when it woke.
    private func nap(_ duration: Duration) async throws {
        try await sleep(duration)
        let now = elapsed()
        lock.withLock { woke = now }
    }

    /// Sleeps on the clock in 2 ms steps until `condition` holds or `seconds` have passed.
    private func waitUntil(seconds: Double, _ condition: () -> Bool) async {
        let deadline = elapsed() + .seconds(seconds)
        while !condition() && elapsed() < deadline {
            do { try await nap(.milliseconds(2)) } catch { return }
        }
    }
}
