import AudioIO
import Foundation
import Mixer
import SessionKit

/// The engine under a ``SessionRun``: plays a prepared session through an output and carries
/// out the listener's commands (pause, resume, seek in two halves, volume, a gentle stop) and a
/// lost device's reopening, one step at a time. It decides nothing and waits for nothing: the
/// session run owns the policy (when to give up on a device, what "next" means at the end) and
/// does the waiting on its clock.
///
/// Thread safety: every method is called from one control context at a time (the session run's
/// loop). The audio thread is reached only through the mixer's command queue and atomics.
public final class LivePlayer: @unchecked Sendable {
    /// Makes (opens) the output; called again to reconnect after a device is lost.
    public typealias OutputFactory = () throws -> any PCMOutput

    public struct Options: Sendable {
        /// Fade for pause and resume, seconds.
        public var pauseFade = 0.4
        /// Fade for a quit, seconds (within the 500 ms a signal allows).
        public var stopFade = 0.4
        /// Fade around a skip, seconds.
        public var seekFade = 0.15
        /// How long to keep trying to reopen a lost device, seconds.
        public var reconnectTimeout = 60.0
        /// Pause between attempts to reopen it, seconds.
        public var reconnectInterval = 1.0
        /// SCHED_FIFO priority for the audio thread; 0 for none.
        public var priority: Int32 = 70
        /// Volume in dB, -40…+6.
        public var volume = 0.0
        /// The loudest the volume may go, dB (a per-device safety limit from the configuration).
        public var maxVolume = 6.0

        public init() {}
    }

    public let prepared: PreparedSession
    /// The session's timeline as far as it is laid out: ``prepared``'s, or for a session that
    /// grows while it plays, the latest given to ``update(timeline:)``.
    public private(set) var timeline: Timeline
    public let mixer: Mixer
    public let streamer: MediaStreamer
    public private(set) var options: Options
    private let makeOutput: OutputFactory
    private var audio: AudioThread?
    public private(set) var volume: Double
    public private(set) var userPaused = false
    /// Underruns on earlier outputs (before a reconnect).
    private var earlierUnderruns = 0
    private var worstEarlier = 0
    private var timesEarlier = RenderTimes()
    private var firstHandoffEarlier: Int?

    /// Prepares the engine; opening the device happens in ``start(from:)``.
    public init(prepared: PreparedSession, options: Options = Options(), output: @escaping OutputFactory) {
        self.prepared = prepared
        timeline = prepared.timeline
        timelineComplete = prepared.growth == nil
        self.options = options
        makeOutput = output
        volume = options.volume
        (mixer, streamer) = prepared.makeEngine()
    }

    var rate: Int { prepared.timeline.sampleRate }

    /// A session that grows while it plays has been laid out further (its steps, its sentences
    /// and its length as far as its horizon).
    public func update(timeline: Timeline, complete: Bool) {
        self.timeline = timeline
        timelineComplete = complete
    }

    /// False while a session that grows while it plays is still being laid out.
    public private(set) var timelineComplete = true
    func frames(_ seconds: Double) -> Int { Int(seconds * Double(rate)) }

    /// Opens the output and starts playing at `frame` (a fade-in when not at the start).
    /// Throws what opening the device threw.
    public func start(from frame: Int = 0) throws {
        if frame > 0 {
            streamer.reposition(to: frame)
            mixer.commands.push(.seek(frame: frame))
            mixer.commands.push(.fadeIn(frames: frames(options.pauseFade)))
        }
        setVolume(volume)
        // The loader decodes the first quarter second of every stream while the device opens
        // (connecting to a sound server takes as long as the decoding); the first period waits
        // for both, never for the rings to be full.
        let first = rate / 4
        streamer.startLoading(first: first, background: true)
        let output: any PCMOutput
        do {
            output = try makeOutput()
        } catch {
            streamer.stopLoading()
            throw error
        }
        streamer.waitUntilReady(frames: first)
        do {
            try launch(output)
        } catch {
            streamer.stopLoading()
            throw error
        }
    }

    private func launch(_ output: any PCMOutput) throws(ThreadRefused) {
        let thread = AudioThread(output: output, mixer: mixer, priority: options.priority)
        let refused = thread.start()
        guard refused == 0 else { throw ThreadRefused(name: "audio", code: refused) }
        audio = thread
    }

    // MARK: - What the listener sees

    /// Frames played so far.
    public var position: Int { mixer.position }
    public var isFinished: Bool {
        audio?.state == .finished || (audio != nil && mixer.isFinished && audio?.state != .running)
    }
    public var isDeviceLost: Bool { audio?.state == .deviceLost }
    /// Device underruns recovered so far.
    public var underruns: Int { earlierUnderruns + (audio?.underruns ?? 0) }
    /// Stream frames that arrived late (played as silence).
    public var streamUnderruns: Int { mixer.underruns }
    /// The longest a period's render took, nanoseconds.
    public var worstRenderNanoseconds: Int { max(worstEarlier, audio?.worstRenderNanoseconds ?? 0) }
    /// Render times of every period so far; read it after ``finish()``.
    public var renderTimes: RenderTimes {
        guard let audio, audio.state != .running else { return timesEarlier }
        return timesEarlier.merging(audio.renderTimes())
    }
    /// When the very first period was handed to the device (CLOCK_MONOTONIC nanoseconds).
    public var firstHandoffNanoseconds: Int? { firstHandoffEarlier ?? audio?.firstHandoffNanoseconds }
    public var realtimeRefusal: Int32? { audio?.realtimeRefusal }
    /// True when real-time priority was refused and a short fair-scheduler time slice was granted instead.
    public var shortTimeSlice: Bool { audio?.shortTimeSlice ?? false }

    // MARK: - What the listener does

    public func pause() {
        guard !userPaused else { return }
        userPaused = true
        mixer.commands.push(.pause(fadeFrames: frames(options.pauseFade)))
    }

    public func resume() {
        guard userPaused else { return }
        userPaused = false
        mixer.commands.push(.resume(fadeFrames: frames(options.pauseFade)))
    }

    public func togglePause() { userPaused ? resume() : pause() }

    /// Changes the volume by `delta` dB (clamped to -40…the device's maximum, at most +6), with a short ramp.
    public func changeVolume(by delta: Double) { setVolume(volume + delta) }

    public func setVolume(_ decibels: Double) {
        volume = min(min(6, options.maxVolume), max(-40, decibels))
        mixer.commands.push(.setMasterGain(linear: Float(pow(10, volume / 20)), frames: frames(0.05)))
    }

    /// Sets the trim's move (``MixerCommand/setTrimRamp(_:)``), taking effect at its schedule frame.
    /// False when the mixer's command queue is full (try again at the next tick).
    public func setTrimRamp(_ ramp: TrimRamp) -> Bool { mixer.commands.push(.setTrimRamp(ramp)) }

    /// Where the next step begins, or nil at the last step (the next step is the end). In a
    /// session still being laid out, the step after the last one laid out begins at the horizon.
    public func nextStepStart(after frame: Int) -> Int? {
        let steps = timeline.steps.filter(\.isHeard)
        let horizon = timelineComplete ? nil : timeline.duration
        guard let current = timeline.step(at: frame) else { return horizon }
        return steps.first(where: { $0.start > current.start })?.start ?? horizon
    }

    /// Where "previous" goes from `frame`: the start of this step, or of the one before if this
    /// one began under 3 s ago.
    public func previousStepStart(before frame: Int) -> Int {
        let steps = timeline.steps.filter(\.isHeard)
        guard let current = timeline.step(at: frame) else { return 0 }
        if frame - current.start < frames(3), let previous = steps.last(where: { $0.start < current.start }) {
            return previous.start
        }
        return current.start
    }

    // MARK: - Seeking and stopping, in two halves
    //
    // Each of these takes a fade the audio thread must play before the next half: the caller
    // (``SessionRun``) waits on its own clock between them, so a test's virtual time and a
    // device's real time both work.

    /// First half of a seek: fades out, unless paused. Then wait until ``isReadyToSeek``.
    public func beginSeek() {
        guard audio?.state == .running, !userPaused else { return }
        mixer.commands.push(.pause(fadeFrames: frames(options.seekFade)))
    }

    /// True once the seek's fade has played (or nothing is playing).
    public var isReadyToSeek: Bool { userPaused || mixer.isPaused || audio?.state != .running }

    /// Second half of a seek: moves every stream and the mixer to `frame` (0…duration), fades back
    /// in unless paused.
    public func completeSeek(to frame: Int) {
        guard audio?.state == .running else { return }
        let frame = min(max(0, frame), timeline.duration)
        streamer.stopLoading()
        streamer.reposition(to: frame)
        streamer.pump()
        mixer.commands.push(.seek(frame: frame))
        if !userPaused { mixer.commands.push(.resume(fadeFrames: frames(options.seekFade * 2))) }
        streamer.startLoading(background: true)
    }

    /// First half of a stop: fades out over the stop fade. Then wait until ``isPlaying`` is false
    /// (the device has played the fade) and call ``finish()``.
    public func beginStop() {
        mixer.commands.push(.stop(fadeFrames: frames(options.stopFade)))
        userPaused = false
    }

    /// True while the audio thread runs.
    public var isPlaying: Bool { audio?.state == .running }

    /// Stops the threads after the end (or a stop).
    public func finish() {
        audio?.stop()
        streamer.stopLoading()
    }

    // MARK: - Device loss

    /// Where to resume after losing the device at `frame`: the start of the narration sentence
    /// that was sounding (so no words are lost), else `frame` itself.
    public func resumeFrame(forLossAt frame: Int) -> Int {
        let sentence = timeline.sounds.last { $0.bus == .voice && $0.start <= frame && $0.end > frame }
        return sentence?.start ?? frame
    }

    /// Call once ``isDeviceLost`` turns true: ends the lost device's thread, keeps its counters,
    /// and returns the system's reason and the frame to resume from. Nil when no device was lost.
    public func collectLostDevice() -> (reason: String, resumeFrame: Int)? {
        guard let lost = audio, lost.state == .deviceLost else { return nil }
        lost.join()
        earlierUnderruns += lost.underruns
        worstEarlier = max(worstEarlier, lost.worstRenderNanoseconds)
        timesEarlier = timesEarlier.merging(lost.renderTimes())
        firstHandoffEarlier = firstHandoffEarlier ?? lost.firstHandoffNanoseconds
        audio = nil
        streamer.stopLoading()
        return (String(cString: strerror(-lost.deviceLostCode)), resumeFrame(forLossAt: mixer.position))
    }

    /// One attempt to reopen the device after ``collectLostDevice()`` and play on from `frame`
    /// (faded in, or held if paused). False when the device (or a thread for it) is still refused.
    public func reopen(at frame: Int) -> Bool {
        guard audio == nil || audio?.state == .deviceLost, let output = try? makeOutput() else { return false }
        let frame = min(max(0, frame), timeline.duration)
        streamer.reposition(to: frame)
        streamer.pump()
        mixer.commands.push(.seek(frame: frame))
        if userPaused {
            mixer.commands.push(.pause(fadeFrames: 1))
        } else {
            mixer.commands.push(.fadeIn(frames: frames(options.pauseFade)))
        }
        streamer.startLoading(background: true)
        // A thread refused now is like a device that did not come back: try again at the next attempt.
        guard (try? launch(output)) != nil else {
            streamer.stopLoading()
            return false
        }
        return true
    }
}

/// The system refused to start one of the player's threads (a process or memory limit): nothing can play.
public struct ThreadRefused: Error, Sendable, CustomStringConvertible {
    /// Which thread: "audio" or "loader".
    public var name: String
    /// The error number `pthread_create` gave.
    public var code: Int32

    public var description: String {
        "The system refused to start the \(name) thread (\(String(cString: strerror(code)))): too many processes or "
            + "threads, or a memory limit. Close other programs or raise the limit (ulimit -u, ulimit -v), then start "
            + "again."
    }
}
