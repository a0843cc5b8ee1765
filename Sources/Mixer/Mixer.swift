import Atomics

/// Commands the control side sends to the audio thread through ``Mixer/commands``.
public enum MixerCommand: Sendable, BitwiseCopyable {
    /// Ramp the master gain to `linear` (0…4) over `frames`.
    case setMasterGain(linear: Float, frames: Int)
    /// Fade out over `frames`, then hold the position and render silence until resumed.
    case pause(fadeFrames: Int)
    /// Continue from the held position, fading back in over `fadeFrames`.
    case resume(fadeFrames: Int)
    /// Fade out over `frames`, then finish: the rest of the schedule is not played.
    case stop(fadeFrames: Int)
    /// Jump to `frame` of the schedule. Sent while paused (the player pauses, repositions the
    /// streams, seeks, then resumes), so the jump is never heard as a step. Voices that started
    /// before `frame` and are still sounding there carry on from that point.
    case seek(frame: Int)
    /// Start the master from silence and fade up to the current volume over `frames` (after a
    /// seek or a device coming back, so the restart is never abrupt).
    case fadeIn(frames: Int)
    /// Sets the schedule's trim ramp (``Schedule/trimRamp``): sent once the programme loudness is
    /// measured, before the ramp's start, so the output is the same as a render whose schedule
    /// carried the ramp from the beginning. A ramp that arrives after its start (at any point,
    /// even after its end) makes the same move from the frame the mixer is at: never a step.
    case setTrimRamp(TrimRamp)
}

/// Room for a schedule that grows while it plays: a session started before all its speech is
/// synthesised. Its voices, look-ahead windows and in-memory sounds come in batches
/// (``Mixer/grow(voices:windows:buffers:horizon:)``), each starting at or after the frame the
/// last one reached (its horizon), and the schedule gets its length last
/// (``Mixer/complete(length:ends:)``). Grown in the order the complete schedule sorts them, the
/// voices mix exactly as the complete schedule would.
public struct ScheduleGrowth: Sendable, Equatable {
    /// Most voices the schedule holds in all (the voices it starts with included).
    public var voices: Int
    /// Most ducking windows in all.
    public var windows: Int
    /// Most in-memory sounds in all.
    public var buffers: Int
    /// Frames of the schedule laid out at the start: the mix never runs past the horizon it was
    /// given. Close to it, the mixer fades out and holds, and fades back in once the schedule has
    /// grown ``Mixer/resumeLead`` past the playhead (a machine too slow to prepare ahead).
    public var horizon: Int

    public init(voices: Int, windows: Int, buffers: Int, horizon: Int) {
        self.voices = max(0, voices)
        self.windows = max(0, windows)
        self.buffers = max(0, buffers)
        self.horizon = max(0, horizon)
    }
}

/// How a growing schedule's news reaches the audio thread (see ``ScheduleGrowth``).
enum GrowthCommand: BitwiseCopyable {
    /// So many voices, windows and buffers are written; the schedule is laid out to `horizon`.
    case extend(voices: Int, windows: Int, buffers: Int, horizon: Int)
    /// The end decides voice `voice`'s length and fade-out (the music bed; a sound the end cuts short).
    case setEnd(voice: Int, length: Int, fadeOut: Int)
    /// The schedule is complete, `length` frames long.
    case complete(length: Int)
}

/// The real-time mixing core: plays a ``Schedule`` sample-accurately into stereo buffers.
///
/// Voices (generators and streams) are summed into their ``Bus``; each bus has a ramped gain
/// (ducking) and the buses sum into a ramped master (volume, pause, stop). Every voice starts
/// and stops with a smooth fade of at least 5 ms, so nothing clicks.
///
/// Real-time safety: ``render(into:frames:)`` never allocates, locks, logs, prints, touches
/// files or waits. All storage is allocated in `init`. It reads control commands from the
/// lock-free ``commands`` queue and publishes its position and counters through atomics.
///
/// Thread safety: `render` is called from one thread at a time (the audio thread, or the offline
/// render loop). ``commands`` may be pushed from one other thread. The published counters
/// (``position``, ``underruns``, ``isFinished``) may be read from any thread.
public final class Mixer: @unchecked Sendable {
    /// Engine rate in Hz.
    public let sampleRate: Int
    /// Largest block rendered in one pass; larger requests are split.
    public let blockCapacity: Int
    /// Most voices sounding at once.
    public let voiceCapacity: Int
    /// The schedule the mixer was made with (for a growing one, its opening).
    public let schedule: Schedule
    /// For a schedule that grows while it plays, the room it has; nil for a complete one.
    public let growth: ScheduleGrowth?

    /// Control → audio thread.
    public let commands = CommandQueue<MixerCommand>(capacity: 64)
    /// Frames of the schedule rendered so far (stays put while paused).
    public var position: Int { publishedPosition.load(ordering: .relaxed) }
    /// Frames a stream voice needed but its ring did not have yet (played as silence).
    public var underruns: Int { publishedUnderruns.load(ordering: .relaxed) }
    /// Voices that could not start because ``voiceCapacity`` were already sounding.
    public var droppedVoices: Int { publishedDropped.load(ordering: .relaxed) }
    /// True once the whole schedule (or a stop fade) has been rendered.
    public var isFinished: Bool { publishedFinished.load(ordering: .relaxed) }
    /// Frames by which the mix runs ahead of the output (the limiter's lookahead); callers that
    /// feed stream rings keep this many frames more in them.
    public var lookahead: Int { limiter?.latency ?? 0 }
    /// True while paused (after the pause fade).
    public var isPaused: Bool { publishedPaused.load(ordering: .relaxed) }
    /// Times the mix came close to the end of a growing schedule and held until it grew.
    public var holds: Int { publishedHolds.load(ordering: .relaxed) }
    /// How far a growing schedule is laid out: the horizon of the last batch handed over
    /// (frames; `Int.max` once complete, and for a complete schedule). Any thread.
    public var laidOut: Int { publishedHorizon.load(ordering: .acquiring) }
    /// How far past the playhead a held schedule must have grown before the mix fades back in, seconds.
    public static let resumeLeadSeconds = 2
    /// Frames of the fade before a hold at the horizon, and back in after it (0.4 s at the engine rate).
    public var holdFadeFrames: Int { sampleRate * 2 / 5 }

    private let publishedPosition = ManagedAtomic<Int>(0)
    private let publishedUnderruns = ManagedAtomic<Int>(0)
    private let publishedDropped = ManagedAtomic<Int>(0)
    private let publishedFinished = ManagedAtomic<Bool>(false)
    private let publishedPaused = ManagedAtomic<Bool>(false)
    private let publishedHolds = ManagedAtomic<Int>(0)
    private let publishedHorizon = ManagedAtomic<Int>(.max)

    private let streams: [RingBuffer]
    /// The in-memory sounds; ``bufferCount`` of them are known to the audio thread.
    private let bufferList: GrowingList<SampleBuffer>
    private var bufferCount: Int
    /// The schedule's voices, sorted; ``voiceCount`` of them are known to the audio thread.
    private let voiceList: GrowingList<VoiceEvent>
    private var voiceCount: Int
    /// The ducker's windows, shared with it (the control side appends to them).
    private let duckWindows: GrowingList<Range<Int>>?
    /// Growth news for the audio thread; one producer (the thread that grows the schedule).
    private let growthQueue = CommandQueue<GrowthCommand>(capacity: 64)
    /// Control side: growth written but not yet accepted by a full queue.
    private var growthUnsent = false
    /// Control side: where the last batch ended.
    private var grownHorizon = Int.max
    /// Audio side: the schedule's length (unknown, `Int.max`, while it grows).
    private var length: Int
    /// Audio side: how far the schedule is laid out (`Int.max` once complete).
    private var horizon: Int
    /// Audio side: fading out or held at the horizon.
    private var holding = false
    private let voices: UnsafeMutablePointer<VoiceState>
    private let synths: UnsafeMutablePointer<Synth>
    private let scratchLeft: UnsafeMutablePointer<Float>
    private let scratchRight: UnsafeMutablePointer<Float>
    private let interleaved: UnsafeMutablePointer<Float>
    /// The block's output before interleaving (separate from the per-voice scratch).
    private let outputLeft: UnsafeMutablePointer<Float>
    private let outputRight: UnsafeMutablePointer<Float>
    /// Per bus: left then right, `blockCapacity` each.
    private let busBuffers: UnsafeMutablePointer<Float>
    /// 1 for a bus that is heard, 0 for a muted one.
    private let busLevels: UnsafeMutablePointer<Float>
    /// Per bus: whether any voice wrote to it in this block (a silent bus is not mixed).
    private let busSounding: UnsafeMutablePointer<Bool>
    /// Music gain per frame of the block, from the ducker.
    private let duckGains: UnsafeMutablePointer<Float>
    private var ducker: Ducker?
    /// Per stream slot: frames that were due but missing (underrun) or belong to a dropped voice;
    /// skipped as they arrive so each later voice on the slot reads its own frames.
    private let streamDebt: UnsafeMutablePointer<Int>
    /// Transport gain: session fade-in, pause, resume, stop, restart fades.
    private var master = RampedGain(value: 1)
    /// The listener's volume, a separate stage so a volume change never cuts a fade short.
    private var volume = RampedGain(value: 1)
    private let minimumRamp: Int

    private var playhead = 0
    private var nextVoice = 0
    private var pauseRequested = false
    private var paused = false
    private var stopRequested = false
    private var finished = false
    /// The master's true-peak limiter; nil renders without one.
    private let limiter: TruePeakLimiter?
    /// True until the limiter's lookahead has been filled (at the start and after a seek).
    private var needsPrime = true
    private let primeLeft: UnsafeMutablePointer<Float>
    private let primeRight: UnsafeMutablePointer<Float>
    /// After a stop fade: output frames still to come out of the limiter; -1 before.
    private var drainRemaining = -1
    /// The trim's move, from the schedule or a ``MixerCommand/setTrimRamp(_:)``.
    private var trimRamp: TrimRamp?

    /// - Parameters:
    ///   - schedule: what to play.
    ///   - sampleRate: engine rate in Hz, 8 000…192 000.
    ///   - streams: rings that stream voices read, indexed by slot; each has 2 channels.
    ///   - buffers: short sounds held in memory, read by `.buffer(index:)` voices.
    ///   - blockCapacity: largest internal block in frames (default 1024).
    ///   - voiceCapacity: most simultaneous voices (default 64).
    ///   - mutedBuses: buses rendered but left out of the output, for stems and analysis.
    ///   - ceiling: the master limiter's true-peak ceiling in dBTP (-20…0; default -1); nil for no limiter.
    ///   - growth: room for a schedule that grows while it plays (`schedule` is its opening, and
    ///     its length is ignored until ``complete(length:ends:)``); nil for a complete schedule.
    public init(
        schedule: Schedule, sampleRate: Int, streams: [RingBuffer] = [], buffers: [SampleBuffer] = [],
        blockCapacity: Int = 1024,
        voiceCapacity: Int = 64, mutedBuses: [Bus] = [], ceiling: Float? = -1, growth: ScheduleGrowth? = nil
    ) {
        limiter = ceiling.map { TruePeakLimiter(sampleRate: sampleRate, ceiling: $0) }
        primeLeft = .allocate(capacity: max(1, sampleRate / 10))
        primeRight = .allocate(capacity: max(1, sampleRate / 10))
        busLevels = .allocate(capacity: Bus.count)
        busLevels.initialize(repeating: 1, count: Bus.count)
        busSounding = .allocate(capacity: Bus.count)
        busSounding.initialize(repeating: false, count: Bus.count)
        for bus in mutedBuses { busLevels[bus.rawValue] = 0 }
        precondition(streams.allSatisfy { $0.channels == 2 }, "stream rings carry stereo frames")
        self.schedule = schedule
        self.growth = growth
        self.sampleRate = sampleRate
        self.streams = streams
        bufferList = GrowingList(buffers, capacity: growth?.buffers ?? buffers.count)
        bufferCount = buffers.count
        voiceList = GrowingList(schedule.voices, capacity: growth?.voices ?? schedule.voices.count)
        voiceCount = schedule.voices.count
        length = growth == nil ? schedule.length : .max
        horizon = growth?.horizon ?? .max
        grownHorizon = horizon
        publishedHorizon.store(horizon, ordering: .relaxed)
        self.blockCapacity = blockCapacity
        self.voiceCapacity = voiceCapacity
        minimumRamp = Ramp.minimumFrames(sampleRate: sampleRate)
        voices = .allocate(capacity: voiceCapacity)
        voices.initialize(repeating: VoiceState(), count: voiceCapacity)
        synths = .allocate(capacity: voiceCapacity)
        for i in 0..<voiceCapacity { (synths + i).initialize(to: Synth()) }
        scratchLeft = .allocate(capacity: blockCapacity)
        scratchRight = .allocate(capacity: blockCapacity)
        interleaved = .allocate(capacity: blockCapacity * 2)
        outputLeft = .allocate(capacity: blockCapacity)
        outputRight = .allocate(capacity: blockCapacity)
        busBuffers = .allocate(capacity: Bus.count * 2 * blockCapacity)
        duckGains = .allocate(capacity: blockCapacity)
        duckGains.initialize(repeating: 1, count: blockCapacity)
        let windows = schedule.ducking.map {
            GrowingList($0.windows, capacity: growth?.windows ?? $0.windows.count)
        }
        duckWindows = windows
        ducker = schedule.ducking.map { Ducker($0, windows: windows) }
        trimRamp = schedule.trimRamp
        if schedule.fadeIn > 0 {
            master = RampedGain(value: 0)
            master.ramp(to: 1, frames: schedule.fadeIn)
        }
        streamDebt = .allocate(capacity: max(1, streams.count))
        streamDebt.initialize(repeating: 0, count: max(1, streams.count))
        _ = Synth.prepareTables()
    }

    deinit {
        for i in 0..<voiceCapacity { synths[i].deallocate() }
        synths.deallocate()
        voices.deallocate()
        scratchLeft.deallocate()
        scratchRight.deallocate()
        interleaved.deallocate()
        outputLeft.deallocate()
        outputRight.deallocate()
        primeLeft.deallocate()
        primeRight.deallocate()
        busBuffers.deallocate()
        busLevels.deallocate()
        busSounding.deallocate()
        duckGains.deallocate()
        streamDebt.deallocate()
    }

    /// Renders the next `frames` frames into `left` and `right` (replacing their contents).
    /// After the schedule ends it renders silence.
    ///
    /// Real-time safe: no allocation, locks, I/O or waiting.
    public func render(left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, frames: Int) {
        var done = 0
        while done < frames {
            let count = min(blockCapacity, frames - done)
            renderBlock(left: left + done, right: right + done, frames: count)
            done += count
        }
    }

    /// Renders the next `frames` frames interleaved (L R L R…) into `buffer`, which holds at least
    /// `frames * 2` samples. Real-time safe.
    public func render(interleavedInto buffer: UnsafeMutablePointer<Float>, frames: Int) {
        var done = 0
        while done < frames {
            let count = min(blockCapacity, frames - done)
            renderBlock(left: outputLeft, right: outputRight, frames: count)
            let out = buffer + done * 2
            for n in 0..<count {
                out[2 * n] = outputLeft[n]
                out[2 * n + 1] = outputRight[n]
            }
            done += count
        }
    }

    // MARK: - Growing

    /// Adds the next batch of a growing schedule (see ``ScheduleGrowth``) and lays it out to
    /// `horizon`. Call from one thread only (the one that grows the schedule); never blocks.
    ///
    /// - Parameters:
    ///   - voices: the batch's voices, sorted as ``Schedule`` sorts them, each starting at or
    ///     after the last batch's horizon and before this one's.
    ///   - windows: ducking windows after the ones given, sorted.
    ///   - buffers: in-memory sounds after the ones given, as the voices index them.
    ///   - horizon: frames of the schedule laid out now.
    /// - Returns: false, with nothing added, for a complete schedule, a batch out of order or one
    ///   that does not fit in the room the mixer was made with.
    @discardableResult
    public func grow(voices: [VoiceEvent], windows: [Range<Int>], buffers: [SampleBuffer], horizon: Int) -> Bool {
        guard growth != nil, grownHorizon != .max, horizon >= grownHorizon,
            voices.allSatisfy({ $0.start >= grownHorizon && $0.start < horizon }),
            zip(voices, voices.dropFirst()).allSatisfy({ ($0.start, $0.bus.rawValue) <= ($1.start, $1.bus.rawValue) }),
            voices.count <= voiceList.capacity - voiceList.written,
            buffers.count <= bufferList.capacity - bufferList.written,
            windows.isEmpty || (duckWindows.map { windows.count <= $0.capacity - $0.written } ?? false)
        else { return false }
        _ = voiceList.append(contentsOf: voices)
        _ = bufferList.append(contentsOf: buffers)
        if !windows.isEmpty { _ = duckWindows?.append(contentsOf: windows) }
        grownHorizon = horizon
        growthUnsent = true
        _ = sendGrowth()
        publishedHorizon.store(horizon, ordering: .releasing)
        return true
    }

    /// Completes a growing schedule: its length, and the lengths and fade-outs only the end
    /// decides (`ends`: a voice's place in the schedule, its length and fade-out in frames). Call
    /// after the last ``grow(voices:windows:buffers:horizon:)``, from the same thread. Returns
    /// false when the audio thread's queue is full: call again (nothing was sent).
    @discardableResult
    public func complete(length: Int, ends: [(voice: Int, length: Int, fadeOut: Int)] = []) -> Bool {
        guard growth != nil, grownHorizon != .max else { return true }
        guard sendGrowth(), growthQueue.room >= ends.count + 1 else { return false }
        for end in ends { growthQueue.push(.setEnd(voice: end.voice, length: end.length, fadeOut: end.fadeOut)) }
        growthQueue.push(.complete(length: length))
        grownHorizon = .max
        publishedHorizon.store(.max, ordering: .releasing)
        return true
    }

    /// Sends the counts written so far; false while the queue is full (the next call sends them).
    @discardableResult
    public func sendGrowth() -> Bool {
        guard growthUnsent else { return true }
        let sent = growthQueue.push(
            .extend(
                voices: voiceList.written, windows: duckWindows?.written ?? 0, buffers: bufferList.written,
                horizon: grownHorizon))
        if sent { growthUnsent = false }
        return sent
    }

    // MARK: - The block

    /// One block of output: the mix, run through the true-peak limiter, clamped.
    ///
    /// The limiter looks ahead `latency` frames, so the mix runs that far ahead of the output:
    /// the first block (and the first after a seek) first mixes `latency` frames into the limiter
    /// ("priming"), and output frame N is always the limited mix of schedule frame N.
    private func renderBlock(left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, frames: Int) {
        drainCommands()
        if finished {
            left.update(repeating: 0, count: frames)
            right.update(repeating: 0, count: frames)
            return
        }
        if needsPrime, let limiter {
            needsPrime = false
            let count = limiter.latency
            mix(left: primeLeft, right: primeRight, frames: count)
            limiter.process(left: primeLeft, right: primeRight, frames: count)
        }
        mix(left: left, right: right, frames: frames)
        limiter?.process(left: left, right: right, frames: frames)
        // A last guard for integer sinks: nothing leaves the mixer outside -1…1.
        for n in 0..<frames {
            left[n] = min(max(left[n], -1), 1)
            right[n] = min(max(right[n], -1), 1)
        }
        let latency = limiter?.latency ?? 0
        if stopRequested && !master.isMoving {
            // The stop fade is over; let the limiter's last `latency` frames of it play out.
            drainRemaining = drainRemaining < 0 ? latency : max(0, drainRemaining - frames)
        }
        if playhead - latency >= length || drainRemaining == 0 {
            finished = true
            publishedFinished.store(true, ordering: .releasing)
        }
        publishedPosition.store(min(max(0, playhead - latency), length), ordering: .releasing)
    }

    /// Mixes `frames` frames of the schedule at the mix playhead into `left` and `right`, with the
    /// master gain applied; silence (and no movement) while paused or after a stop.
    private func mix(left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, frames: Int) {
        left.update(repeating: 0, count: frames)
        right.update(repeating: 0, count: frames)
        if horizon != .max { approachHorizon(frames: frames) }
        if (paused || stopRequested || holding) && !master.isMoving {
            return
        }
        // Never past the horizon, whatever fade is under way (a pause's, a stop's): the next
        // batch's voices must start on their own frames.
        // Fades still run their course in silence, so a pause or a stop asked meanwhile completes.
        if playhead + frames > horizon {
            master.advance(frames)
            volume.advance(frames)
            finishPause()
            return
        }
        let blockEnd = playhead + frames
        startVoices(before: blockEnd)
        for raw in 0..<Bus.count {
            let bus = busBuffers + raw * 2 * blockCapacity
            bus.update(repeating: 0, count: frames)
            (bus + blockCapacity).update(repeating: 0, count: frames)
            busSounding[raw] = false
        }
        for v in 0..<voiceCapacity where voices[v].active {
            renderVoice(v, blockStart: playhead, frames: frames)
        }
        if ducker != nil {
            let voice = busBuffers + Bus.voice.rawValue * 2 * blockCapacity
            ducker?.gains(
                voiceLeft: voice, voiceRight: voice + blockCapacity, frames: frames, from: playhead, into: duckGains)
        }
        // `Bus.allCases` would build an array; walk the raw values instead.
        for raw in 0..<Bus.count {
            mixBus(raw, into: left, right, frames: frames)
        }
        // Master: transport fades times the listener's volume, times the session's loudness trim.
        var trim = schedule.trim
        if let ramp = trimRamp {
            if playhead + frames > ramp.start && playhead < ramp.start + ramp.length {
                // The trim moves inside this block: per frame, from the frame's own position.
                let initial = schedule.trim
                for n in 0..<frames {
                    let g = master.next() * volume.next() * ramp.trim(at: playhead + n, from: initial)
                    left[n] *= g
                    right[n] *= g
                }
                playhead = blockEnd
                finishPause()
                return
            }
            trim = ramp.trim(at: playhead, from: trim)
        }
        if master.isMoving || volume.isMoving {
            for n in 0..<frames {
                let g = master.next() * volume.next() * trim
                left[n] *= g
                right[n] *= g
            }
        } else {
            let g = master.value * volume.value * trim
            if g != 1 {
                for n in 0..<frames {
                    left[n] *= g
                    right[n] *= g
                }
            }
        }
        playhead = blockEnd
        finishPause()
    }

    /// Close to the end of what a growing schedule has laid out: fades out, to hold once faded
    /// (``mix(left:right:frames:)`` then renders silence without moving), so that nothing is
    /// mixed past the horizon and the wait is never a step.
    private func approachHorizon(frames: Int) {
        guard !holding, playhead + frames + holdFadeFrames >= horizon else { return }
        holding = true
        publishedHolds.wrappingIncrement(ordering: .relaxed)
        // Within the frames left before the horizon (a horizon given late, or a seek to it, may
        // leave fewer: then the mix is silent from here, as after a seek's fade it already is).
        let room = horizon - playhead - frames
        if room < minimumRamp {
            master = RampedGain(value: 0)
        } else {
            master.ramp(to: 0, frames: min(holdFadeFrames, room))
        }
    }

    /// Fades back in once a held schedule has grown far enough past the playhead, unless the
    /// listener paused or stopped meanwhile (their resume fades in instead).
    private func releaseHoldIfGrown() {
        guard holding, horizon == .max || horizon >= playhead + holdFadeFrames + Self.resumeLeadSeconds * sampleRate
        else { return }
        holding = false
        if !paused && !pauseRequested && !stopRequested {
            master.ramp(to: 1, frames: holdFadeFrames)
        }
    }

    /// Takes a growing schedule's news (see ``ScheduleGrowth``). Real-time safe.
    private func drainGrowth() {
        while let news = growthQueue.pop() {
            switch news {
            case .extend(let voices, let windows, let buffers, let reached):
                voiceCount = max(voiceCount, min(voices, voiceList.capacity))
                bufferCount = max(bufferCount, min(buffers, bufferList.capacity))
                ducker?.reveal(windows: windows)
                horizon = max(horizon, reached)
            case .setEnd(let index, let frames, let fadeOut):
                guard index < voiceCount else { continue }
                var event = voiceList[index]
                event.length = max(1, frames)
                event.fadeOut = max(0, fadeOut)
                voiceList[index] = event
                for v in 0..<voiceCapacity where voices[v].active && voices[v].index == index {
                    voices[v] = VoiceState(event: event, index: index, minimumRamp: minimumRamp)
                }
            case .complete(let frames):
                length = max(0, frames)
                horizon = .max
            }
        }
        releaseHoldIfGrown()
    }

    /// Holds the position once a pause's fade is over.
    private func finishPause() {
        if pauseRequested && !master.isMoving {
            pauseRequested = false
            paused = true
            publishedPaused.store(true, ordering: .relaxed)
        }
    }

    private func drainCommands() {
        if growth != nil { drainGrowth() }
        while let command = commands.pop() {
            switch command {
            case .setMasterGain(let linear, let frames):
                volume.ramp(to: min(max(linear, 0), 4), frames: max(minimumRamp, frames))
            case .pause(let fade):
                guard !paused, !stopRequested else { continue }
                pauseRequested = true
                master.ramp(to: 0, frames: max(minimumRamp, fade))
            case .resume(let fade):
                guard paused || pauseRequested, !stopRequested else { continue }
                paused = false
                pauseRequested = false
                publishedPaused.store(false, ordering: .relaxed)
                if !holding { master.ramp(to: 1, frames: max(minimumRamp, fade)) }
            case .seek(let frame):
                seek(to: frame)
            case .fadeIn(let frames):
                guard !stopRequested else { continue }
                paused = false
                pauseRequested = false
                publishedPaused.store(false, ordering: .relaxed)
                master = RampedGain(value: 0)
                if !holding { master.ramp(to: 1, frames: max(minimumRamp, frames)) }
            case .setTrimRamp(var ramp):
                if ramp.start < playhead { ramp.start = playhead }
                trimRamp = ramp
            case .stop(let fade):
                stopRequested = true
                if paused { finished = true; publishedFinished.store(true, ordering: .releasing) }
                master.ramp(to: 0, frames: max(minimumRamp, fade))
            }
        }
    }

    /// Repositions everything at `frame`: the voices sounding there, the ducker and the limiter.
    /// Real-time safe: a scan of the schedule, no allocation.
    private func seek(to frame: Int) {
        let target = min(max(0, frame), length, horizon)
        for v in 0..<voiceCapacity { voices[v].active = false }
        for slot in 0..<streams.count { streamDebt[slot] = 0 }
        playhead = target
        finished = target >= length
        publishedFinished.store(finished, ordering: .releasing)
        publishedPosition.store(target, ordering: .releasing)
        ducker?.reset(at: target)
        limiter?.reset()
        needsPrime = true
        drainRemaining = -1
        // Voices: start those still sounding at the target, then continue from the first later one.
        let events = voiceList
        var i = 0
        while i < voiceCount && events[i].start < target {
            let event = events[i]
            if event.end > target, let slot = freeVoice() {
                voices[slot] = VoiceState(event: event, index: i, minimumRamp: minimumRamp)
                if case .generator(let generator) = event.source {
                    synths[slot].start(generator, sampleRate: sampleRate, seed: UInt32(truncatingIfNeeded: i))
                    synths[slot].fastForward(frames: target - event.start)
                }
            }
            i += 1
        }
        nextVoice = i
    }

    private func startVoices(before blockEnd: Int) {
        let events = voiceList
        while nextVoice < voiceCount && events[nextVoice].start < blockEnd {
            let event = events[nextVoice]
            defer { nextVoice += 1 }
            guard event.end > playhead else { continue }
            guard let slot = freeVoice() else {
                publishedDropped.wrappingIncrement(ordering: .relaxed)
                if case .stream(let s) = event.source, s < streams.count {
                    // The loader wrote this voice's frames; they must be dropped to keep the slot aligned.
                    streamDebt[s] += event.length
                }
                continue
            }
            voices[slot] = VoiceState(event: event, index: nextVoice, minimumRamp: minimumRamp)
            if case .generator(let generator) = event.source {
                synths[slot].start(generator, sampleRate: sampleRate, seed: UInt32(truncatingIfNeeded: nextVoice))
            }
        }
    }

    private func freeVoice() -> Int? {
        for v in 0..<voiceCapacity where !voices[v].active { return v }
        return nil
    }

    private func renderVoice(_ v: Int, blockStart: Int, frames: Int) {
        let voice = voices[v]
        let from = max(0, voice.start - blockStart)
        let to = min(frames, voice.end - blockStart)
        guard to > from else {
            if voice.end <= blockStart { voices[v].active = false }
            return
        }
        let count = to - from
        let offset = blockStart + from - voice.start  // frames into the voice
        switch voice.source {
        case .generator:
            synths[v].render(left: scratchLeft, right: scratchRight, frames: count, position: offset)
        case .stream(let slot):
            readStream(v, slot: slot, frames: count)
        case .buffer(let index):
            if index < bufferCount {
                bufferList[index].read(from: offset, count: count, left: scratchLeft, right: scratchRight)
            } else {
                scratchLeft.update(repeating: 0, count: count)
                scratchRight.update(repeating: 0, count: count)
            }
        }
        let bus = busBuffers + voice.bus.rawValue * 2 * blockCapacity
        busSounding[voice.bus.rawValue] = true
        let busLeft = bus + from
        let busRight = bus + blockCapacity + from
        // The envelope is shaped only in the fades; in between it is the voice's constant gain.
        let steadyFrom = min(count, max(0, voice.fadeIn - offset))
        let steadyTo = max(steadyFrom, min(count, voice.length - voice.fadeOut - offset))
        for n in 0..<steadyFrom {
            let g = voice.envelope(at: offset + n)
            busLeft[n] += scratchLeft[n] * g
            busRight[n] += scratchRight[n] * g
        }
        let g = voice.gain
        for n in steadyFrom..<steadyTo {
            busLeft[n] += scratchLeft[n] * g
            busRight[n] += scratchRight[n] * g
        }
        for n in steadyTo..<count {
            let g = voice.envelope(at: offset + n)
            busLeft[n] += scratchLeft[n] * g
            busRight[n] += scratchRight[n] * g
        }
        if voice.end <= blockStart + frames { voices[v].active = false }
    }

    private func readStream(_ v: Int, slot: Int, frames: Int) {
        guard slot < streams.count else {
            scratchLeft.update(repeating: 0, count: frames)
            scratchRight.update(repeating: 0, count: frames)
            return
        }
        let ring = streams[slot]
        // First drop frames owed from an earlier underrun, so every voice on the slot reads its own frames.
        if streamDebt[slot] > 0 {
            streamDebt[slot] -= ring.skip(frames: streamDebt[slot])
        }
        let got = streamDebt[slot] > 0 ? 0 : ring.read(into: interleaved, frames: frames)
        for n in 0..<got {
            scratchLeft[n] = interleaved[2 * n]
            scratchRight[n] = interleaved[2 * n + 1]
        }
        if got < frames {
            let missing = frames - got
            (scratchLeft + got).update(repeating: 0, count: missing)
            (scratchRight + got).update(repeating: 0, count: missing)
            streamDebt[slot] += missing
            publishedUnderruns.wrappingIncrement(by: missing, ordering: .relaxed)
        }
    }

    /// Adds bus `raw` to the output at its level (0 when muted), the music bus under the ducker's gains.
    private func mixBus(
        _ raw: Int, into left: UnsafeMutablePointer<Float>, _ right: UnsafeMutablePointer<Float>, frames: Int
    ) {
        let level = busLevels[raw]
        guard busSounding[raw], level != 0 else { return }
        let buffer = busBuffers + raw * 2 * blockCapacity
        let busRight = buffer + blockCapacity
        if raw == Bus.music.rawValue && ducker != nil {
            for k in 0..<frames {
                let g = level * duckGains[k]
                left[k] += buffer[k] * g
                right[k] += busRight[k] * g
            }
        } else {
            for k in 0..<frames {
                left[k] += buffer[k] * level
                right[k] += busRight[k] * level
            }
        }
    }
}

/// A gain that moves linearly to a target over a number of frames.
struct RampedGain {
    var value: Float
    var step: Float = 0
    var remaining = 0
    var target: Float

    init(value: Float) {
        self.value = value
        self.target = value
    }

    var isMoving: Bool { remaining > 0 }

    mutating func ramp(to newTarget: Float, frames: Int) {
        target = newTarget
        remaining = max(1, frames)
        step = (newTarget - value) / Float(remaining)
    }

    /// Moves `frames` frames along the ramp at once.
    mutating func advance(_ frames: Int) {
        guard remaining > 0, frames > 0 else { return }
        let count = min(frames, remaining)
        remaining -= count
        value = remaining == 0 ? target : value + step * Float(count)
    }

    @inline(__always)
    mutating func next() -> Float {
        guard remaining > 0 else { return value }
        remaining -= 1
        value = remaining == 0 ? target : value + step
        return value
    }
}

/// One sounding voice: where it is in the schedule and its fades.
struct VoiceState {
    var active = false
    var start = 0
    var length = 0
    var gain: Float = 0
    var fadeIn = 1
    var fadeOut = 1
    var bus = Bus.voice
    var source = VoiceSource.stream(slot: 0)
    /// The voice's place in the schedule.
    var index = -1

    init() {}

    init(event: VoiceEvent, index: Int, minimumRamp: Int) {
        active = true
        self.index = index
        start = event.start
        length = event.length
        gain = event.gain
        source = event.source
        bus = event.bus
        // Fades never overlap: a short voice gets half its length for each.
        let half = max(1, length / 2)
        fadeIn = min(max(minimumRamp, event.fadeIn), half)
        fadeOut = min(max(minimumRamp, event.fadeOut), half)
    }

    var end: Int { start + length }

    /// Gain at `frame` frames into the voice: smooth fade in, hold, smooth fade out to exactly 0
    /// on the last frame.
    @inline(__always)
    func envelope(at frame: Int) -> Float {
        var g = gain
        if frame < fadeIn { g *= smoothstep(Float(frame) / Float(fadeIn)) }
        let fromEnd = length - 1 - frame
        if fromEnd < fadeOut { g *= smoothstep(Float(fromEnd) / Float(fadeOut)) }
        return g
    }
}
