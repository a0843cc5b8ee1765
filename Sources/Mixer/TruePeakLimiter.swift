#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A linked-stereo lookahead limiter that keeps the master bus's true peak (ITU-R BS.1770 sense:
/// the peak of the reconstructed analogue waveform, between samples included) at or below a
/// ceiling, without clicks.
///
/// How it works, per frame:
/// 0. **Band-limit** (below 44.1 kHz only). An elliptic low-pass (order 5: flat within 0.01 dB to
///    0.44 × the rate, 40 dB down from 0.47 ×) clears the top of the band. Meters read content
///    between 0.45 × the rate and Nyquist each in their own way (ffmpeg's resampler passes more of
///    it than libebur128's filter, sox's steeper filter less), so a peak made of it has no single
///    true value: at 8 kHz a render the detector held at -1.0 dBTP read -0.9 on ffmpeg's meter and
///    -0.4 on sox's. Generators alias there at low rates; resampled files carry nothing there
///    (libsoxr's pass-band ends at 0.456 ×). At 44.1 kHz and above that band is above 19.4 kHz, where
///    no source has anything, and the output is left untouched.
/// 1. **Detect.** Each channel is oversampled by a polyphase FIR, ``oversampling`` points per
///    sample: phase 0 is the sample itself, the others a Kaiser-windowed sinc (β = 5, 32 taps per
///    phase, each phase normalised to unity DC gain; flat within ±0.03 dB up to 0.45 × the sample
///    rate, which covers everything libsoxr's resampling lets through). This is our own design
///    rather than the 12-tap filter of BS.1770-4 Annex 2: that filter interpolates at ⅛, ⅜, ⅝ and
///    ⅞ of a sample, never on the sample or half-way between, so it under-reads a quarter-rate tone
///    peaking half-way between samples by 0.17 dB; this one reads it exactly.
///    The factor depends on the rate (``oversampling(forSampleRate:)``) so that the detector's
///    points include every point the meters that check the output read: ffmpeg's `ebur128`
///    filter resamples to 192 kHz, libebur128 oversamples 4× below 96 kHz. A fixed 4× at 44.1 or
///    8 kHz reads other points than those meters (176.4 or 32 kHz against 192 kHz), and let peaks
///    through 0.1 dB over the ceiling by their measure.
///    The required gain of the interval is `min(1, ceiling / peak)`, the peak taken over both
///    channels so the stereo image never shifts.
/// 2. **Hold.** A sliding minimum of the required gain over the attack window, so every output
///    sample is covered by the requirement of the intervals on both sides of it.
/// 3. **Release.** The held gain may fall at once but rises only exponentially, with time
///    constant `release`. It aims 1 % above unity so that it lands on exactly 1 in finite time
///    (at most ≈ 4.6 × `release` after the last reduction) and quiet material is then untouched.
/// 4. **Attack.** A moving average over the attack window turns every fall into a linear ramp
///    that finishes before the peak leaves the delay line. The gain therefore never changes by
///    more than `1 / attackFrames` from one sample to the next, and is at or below the
///    requirement at every peak.
/// 5. **Apply.** Output = input delayed by ``latency`` frames × gain.
///
/// Consequences worth knowing:
/// - Material whose true peak stays at or below the ceiling passes bit-exactly (just delayed):
///   the gain is then exactly 1.
/// - Output does not depend on how the caller splits frames into blocks; all state advances per
///   frame (the detector works on chunks of up to 256 frames, eight frames at a time, but each
///   frame's sums are the same, in the same order, as one frame at a time).
/// - Detection at L points per sample can read a tone of frequency f whose peak falls between its
///   points low by a factor down to `cos(π f / L fs)`: at 48 kHz (L = 4), 0.04 dB at 6 kHz and
///   0.47 dB at 20 kHz, exactly as ffmpeg's meter, which reads the same points. Where the meters'
///   grid is not a subset of any small factor (44.1 kHz and its multiples) L is at least 16, so a
///   tone can hide at most 0.04 dB between the points.
/// - Non-finite input is not sanitised (a NaN or an infinity comes out as NaN); the gain state stays
///   finite and recovers once it has passed.
///
/// Real-time safety: ``process(left:right:frames:)`` and ``reset()`` never allocate, lock, log or
/// wait; all storage is allocated in `init` and freed in `deinit`.
///
/// Cost: while the gain rests at 1 and a chunk's largest sample times the interpolator's gain
/// bound (about 1.3) stays under the ceiling, which is most of the time for material normalised
/// to a loudness target, a chunk is only a peak scan and the delay line. Otherwise the detector
/// costs 64 × (L − 1) multiply-adds per frame (192 at 48 kHz), eight frames per vector operation,
/// plus the scalar gain state; L × rate stays near 200 to 700 kHz, so the cost per second is
/// about the same at every rate.
///
/// Thread safety: one thread at a time calls `process` and `reset` and reads
/// ``maximumReduction``; publish the reduction through an atomic if another thread shows it.
public final class TruePeakLimiter {
    /// Taps per polyphase branch of the interpolator.
    static let tapsPerPhase = 32
    /// Future input frames the interpolator reads past the point it interpolates.
    static let interpolatorLead = 16
    /// Shortest lookahead in frames: the interpolator's lead (then the attack ramp is 1 frame).
    public static let minimumLookahead = interpolatorLead
    /// Shortest attack ramp the default lookahead gives, frames (so 63 frames of lookahead at 8 kHz).
    static let minimumAttackFrames = 48
    /// Kaiser window β for the interpolator.
    static let kaiserBeta = 5.0
    /// Frames processed per pass of the detector (a call's frames are split into chunks of this size).
    static let chunkFrames = 256
    /// Frames the detector computes at once.
    static let lanes = 8
    /// Inputs kept from one chunk for the next: the interpolator's window less the newest frame.
    static let carried = tapsPerPhase - 1
    static var stageCapacity: Int { carried + chunkFrames + lanes }

    /// Engine rate in Hz.
    public let sampleRate: Int
    /// Points the detector reads per input sample (phase 0 is the sample itself).
    public let oversampling: Int
    /// The ceiling in dBTP, -20…0.
    public let ceiling: Float
    /// Time constant of the exponential release, in seconds, 0.001…10.
    public let release: Double
    /// Frames by which the output lags the input (the lookahead). The mixer compensates for it.
    public let latency: Int
    /// Frames over which the gain ramps down ahead of a peak: `latency - 15`. The gain changes by at
    /// most `1 / attackFrames` per frame.
    public let attackFrames: Int

    private let ceilingLinear: Float
    private let releaseCoefficient: Float
    /// The release heads for this value, clamped at 1, so it reaches unity in finite time.
    private let releaseTarget: Float = 1.01

    /// Phases 1/L … (L-1)/L: `tapsPerPhase` coefficients each, oldest input first.
    private let coefficients: UnsafeMutablePointer<Float>
    /// An upper bound of the interpolator's gain: the largest sum of absolute coefficients of any
    /// phase. No interpolated point can exceed `interpolatorBound × max |input|` over its window.
    private let interpolatorBound: Float
    /// Inputs per channel, staged for one chunk: the last `tapsPerPhase - 1` inputs of the chunk
    /// before, then the chunk, then `lanes` frames of padding the vector loop may read past the end.
    private let stageLeft: UnsafeMutablePointer<Float>
    private let stageRight: UnsafeMutablePointer<Float>
    /// Required gain per frame of the chunk.
    private let required: UnsafeMutablePointer<Float>
    /// False makes every chunk take the full path (for tests that prove the shortcut changes nothing).
    let shortcuts: Bool
    /// Whether step 0, the band limit, runs (below 44.1 kHz, and not in a meter).
    public let bandLimited: Bool
    /// The band limit's biquads (b0, b1, b2, a1, a2 each) and their state (two per section and channel).
    private let bandCoefficients: UnsafeMutablePointer<Double>
    private let bandState: UnsafeMutablePointer<Double>
    /// Sections of the band limit (read on the audio path instead of the static array).
    private let bandSectionCount = TruePeakLimiter.bandSections.count
    /// Chunks that took the idle shortcut (for tests).
    private(set) var shortcutChunks = 0

    /// The output delay line, `latency` frames per channel.
    private let delayLeft: UnsafeMutablePointer<Float>
    private let delayRight: UnsafeMutablePointer<Float>
    private var delayPosition = 0

    /// Monotonic deque of (frame, required gain) for the sliding minimum over `attackFrames + 1`.
    private let holdGains: UnsafeMutablePointer<Float>
    private let holdFrames: UnsafeMutablePointer<Int>
    private let holdCapacity: Int
    private var holdHead = 0
    private var holdCount = 0
    private var frame = 0

    private var envelope: Float = 1

    /// Last `attackFrames` values of `1 - envelope`, their sum, and how many are not zero (when
    /// none are, the gain is exactly 1 and the sum is reset, so rounding never accumulates).
    private let deficits: UnsafeMutablePointer<Float>
    private var deficitPosition = 0
    private var deficitSum: Double = 0
    private var nonzeroDeficits = 0

    /// The gain applied to the most recent output frame (for tests and meters).
    private(set) var lastGain: Float = 1
    private var smallestGain: Float = 1
    /// The largest true peak the detector has read, linear (for ``TruePeakMeter``; chunks that
    /// take the idle shortcut are not read, and their peaks are below the ceiling).
    private(set) var largestDetectedPeak: Float = 0

    /// - Parameters:
    ///   - sampleRate: engine rate in Hz, 8 000…192 000.
    ///   - ceiling: highest true peak of the output in dBTP, clamped to -20…0.
    ///   - lookahead: latency in frames, clamped to ``minimumLookahead``…`sampleRate / 20`; by
    ///     default 1.5 ms (72 frames at 48 kHz; never under 16 frames, 2 ms at 8 kHz). Longer gives a
    ///     gentler attack ramp.
    ///   - release: time constant of the gain's recovery in seconds, clamped to 0.001…10.
    public convenience init(sampleRate: Int, ceiling: Float = -1, lookahead: Int? = nil, release: Double = 0.1) {
        self.init(sampleRate: sampleRate, ceiling: ceiling, lookahead: lookahead, release: release, shortcuts: true)
    }

    init(sampleRate: Int, ceiling: Float, lookahead: Int?, release: Double, shortcuts: Bool, bandLimit: Bool = true) {
        self.shortcuts = shortcuts
        bandLimited = bandLimit && sampleRate < Self.bandLimitBelowRate
        bandCoefficients = .allocate(capacity: Self.bandSections.count * 5)
        for (index, section) in Self.bandSections.enumerated() {
            (bandCoefficients + 5 * index).initialize(
                from: [section.0, section.1, section.2, section.3, section.4], count: 5)
        }
        bandState = .allocate(capacity: Self.bandSections.count * 4)
        bandState.initialize(repeating: 0, count: Self.bandSections.count * 4)
        let rate = max(1, sampleRate)
        self.sampleRate = rate
        oversampling = Self.oversampling(forSampleRate: rate)
        self.ceiling = min(max(ceiling, -20), 0)
        self.release = min(max(release, 0.001), 10)
        // 1.5 ms, but never an attack ramp shorter than `minimumAttackFrames`: at 8 kHz 1.5 ms is 12
        // frames, and a gain that falls in a frame or two is itself a click whose overshoot between
        // samples lands over the ceiling (-0.4 dBTP measured at 8 kHz with a 1-frame ramp).
        let defaultLookahead = max(
            Int((Double(rate) * 0.0015).rounded()), Self.interpolatorLead + Self.minimumAttackFrames - 1)
        let longest = max(Self.minimumLookahead, rate / 20)
        latency = min(max(lookahead ?? defaultLookahead, Self.minimumLookahead), longest)
        attackFrames = latency - Self.interpolatorLead + 1
        ceilingLinear = Float(pow(10, Double(self.ceiling) / 20))
        releaseCoefficient = Float(exp(-1 / (self.release * Double(rate))))

        let taps = Self.tapsPerPhase
        coefficients = .allocate(capacity: (oversampling - 1) * taps)
        var bound: Float = 1
        for phase in 1..<oversampling {
            let row = coefficients + (phase - 1) * taps
            Self.designPhase(offset: Double(phase) / Double(oversampling), into: row)
            var sum: Float = 0
            for k in 0..<taps { sum += abs(row[k]) }
            bound = max(bound, sum)
        }
        // A hair over the exact sum, so rounding in the products can never beat the bound.
        interpolatorBound = bound * 1.0001
        stageLeft = .allocate(capacity: Self.stageCapacity)
        stageRight = .allocate(capacity: Self.stageCapacity)
        required = .allocate(capacity: Self.chunkFrames)
        delayLeft = .allocate(capacity: latency)
        delayRight = .allocate(capacity: latency)
        holdCapacity = attackFrames + 2
        holdGains = .allocate(capacity: holdCapacity)
        holdFrames = .allocate(capacity: holdCapacity)
        deficits = .allocate(capacity: attackFrames)
        stageLeft.initialize(repeating: 0, count: Self.stageCapacity)
        stageRight.initialize(repeating: 0, count: Self.stageCapacity)
        required.initialize(repeating: 1, count: Self.chunkFrames)
        delayLeft.initialize(repeating: 0, count: latency)
        delayRight.initialize(repeating: 0, count: latency)
        holdGains.initialize(repeating: 1, count: holdCapacity)
        holdFrames.initialize(repeating: 0, count: holdCapacity)
        deficits.initialize(repeating: 0, count: attackFrames)
    }

    deinit {
        bandCoefficients.deallocate()
        bandState.deallocate()
        coefficients.deallocate()
        stageLeft.deallocate()
        stageRight.deallocate()
        required.deallocate()
        delayLeft.deallocate()
        delayRight.deallocate()
        holdGains.deallocate()
        holdFrames.deallocate()
        deficits.deallocate()
    }

    /// Largest gain reduction applied so far, in dB (≥ 0). ``reset()`` keeps it: it describes the
    /// whole session.
    public var maximumReduction: Float {
        smallestGain >= 1 ? 0 : -20 * log10f(smallestGain)
    }

    /// Processes stereo in place: each output frame is the input from ``latency`` frames earlier
    /// times a gain (0…1, shared by both channels) that keeps the true peak at or below the ceiling.
    /// The first ``latency`` frames after `init` or ``reset()`` are silence.
    ///
    /// Real-time safety: no allocation, locks or waiting.
    public func process(left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, frames: Int) {
        if bandLimited {
            bandLimit(left, frames: frames, state: bandState)
            bandLimit(right, frames: frames, state: bandState + 2 * bandSectionCount)
        }
        var done = 0
        while done < frames {
            let count = min(Self.chunkFrames, frames - done)
            processChunk(left: left + done, right: right + done, frames: count)
            done += count
        }
    }

    /// One chunk: stage the input, find each frame's required gain (or prove that none is needed),
    /// then run the gain state and the delay line frame by frame.
    private func processChunk(left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, frames: Int) {
        let carried = Self.carried
        (stageLeft + carried).update(from: left, count: frames)
        (stageRight + carried).update(from: right, count: frames)

        // When the gain is resting at exactly 1 and no interpolated point of this chunk can reach
        // the ceiling, every frame's gain is 1: the chunk only passes through the delay line. The
        // test is a bound (largest |sample| in the windows × the interpolator's gain), so it never
        // skips a frame the detector would have limited, and the result is the same bit for bit.
        let idle = shortcuts && envelope == 1 && nonzeroDeficits == 0 && (holdCount == 0 || holdGains[holdHead] == 1)
        var quiet = false
        if idle {
            let samplePeak = max(
                Self.largestMagnitude(stageLeft, count: carried + frames),
                Self.largestMagnitude(stageRight, count: carried + frames))
            quiet = samplePeak * interpolatorBound <= ceilingLinear
        }
        if !quiet { detect(frames: frames) }
        if quiet || (idle && Self.allUnity(required, count: frames)) {
            passThrough(left: left, right: right, frames: frames)
        } else {
            for n in 0..<frames {
                let gain = smoothedGain(required: required[n])
                let inputLeft = left[n]
                let inputRight = right[n]
                left[n] = delayLeft[delayPosition] * gain
                right[n] = delayRight[delayPosition] * gain
                delayLeft[delayPosition] = inputLeft
                delayRight[delayPosition] = inputRight
                delayPosition += 1
                if delayPosition == latency { delayPosition = 0 }
                lastGain = gain
                smallestGain = min(smallestGain, gain)
            }
        }
        // Keep the newest `carried` inputs in front for the next chunk's windows.
        stageLeft.update(from: stageLeft + frames, count: carried)
        stageRight.update(from: stageRight + frames, count: carried)
    }

    /// The idle case: the state advances exactly as `frames` calls of ``smoothedGain(required:)``
    /// with a requirement of 1 would leave it, and the output is the delayed input.
    private func passThrough(left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, frames: Int) {
        for n in 0..<frames {
            let inputLeft = left[n]
            let inputRight = right[n]
            left[n] = delayLeft[delayPosition]
            right[n] = delayRight[delayPosition]
            delayLeft[delayPosition] = inputLeft
            delayRight[delayPosition] = inputRight
            delayPosition += 1
            if delayPosition == latency { delayPosition = 0 }
        }
        // The hold deque: every requirement was 1, so only the newest remains.
        holdCount = 1
        holdGains[holdHead] = 1
        holdFrames[holdHead] = frame + frames - 1
        frame += frames
        deficitPosition = (deficitPosition + frames) % attackFrames
        deficitSum = 0
        lastGain = 1
        shortcutChunks &+= 1
    }

    /// Writes `min(1, ceiling / true peak)` for every frame of the staged chunk into `required`:
    /// the interpolator runs over `lanes` frames at a time, the same sums in the same order as one
    /// frame at a time.
    private func detect(frames: Int) {
        typealias Lanes = SIMD8<Float>
        let taps = Self.tapsPerPhase
        let centre = taps - 1 - Self.interpolatorLead
        let ceiling = Lanes(repeating: ceilingLinear)
        var n = 0
        while n < frames {
            let windowLeft = UnsafeRawPointer(stageLeft + n)
            let windowRight = UnsafeRawPointer(stageRight + n)
            let stride = MemoryLayout<Float>.stride
            func magnitude(_ v: Lanes) -> Lanes { v.replacing(with: -v, where: v .< 0) }
            var peak = pointwiseMax(
                magnitude(windowLeft.loadUnaligned(fromByteOffset: centre * stride, as: Lanes.self)),
                magnitude(windowRight.loadUnaligned(fromByteOffset: centre * stride, as: Lanes.self)))
            for phase in 0..<(oversampling - 1) {
                let row = coefficients + phase * taps
                var sumLeft = Lanes(repeating: 0)
                var sumRight = Lanes(repeating: 0)
                for k in 0..<taps {
                    let c = Lanes(repeating: row[k])
                    sumLeft += c * windowLeft.loadUnaligned(fromByteOffset: k * stride, as: Lanes.self)
                    sumRight += c * windowRight.loadUnaligned(fromByteOffset: k * stride, as: Lanes.self)
                }
                peak = pointwiseMax(peak, pointwiseMax(magnitude(sumLeft), magnitude(sumRight)))
            }
            let count = min(Self.lanes, frames - n)
            for lane in 0..<count where peak[lane] > largestDetectedPeak { largestDetectedPeak = peak[lane] }
            // A NaN peak compares false and asks for no reduction rather than poisoning the state.
            let gains = Lanes(repeating: 1).replacing(with: ceiling / peak, where: peak .> ceiling)
            for lane in 0..<count { required[n + lane] = gains[lane] }
            n += Self.lanes
        }
    }

    /// Largest |x| of `count` samples (NaN is ignored).
    private static func largestMagnitude(_ samples: UnsafePointer<Float>, count: Int) -> Float {
        var largest: Float = 0
        for n in 0..<count { largest = max(largest, abs(samples[n])) }
        return largest
    }

    private static func allUnity(_ gains: UnsafePointer<Float>, count: Int) -> Bool {
        var all = true
        for n in 0..<count { all = all && gains[n] == 1 }
        return all
    }

    /// Clears the delay line and the gain state, as after `init` (call it after a seek, so audio
    /// from before the jump is neither heard nor limits what follows). ``maximumReduction`` is kept.
    ///
    /// Real-time safety: no allocation, locks or waiting.
    public func reset() {
        bandState.update(repeating: 0, count: bandSectionCount * 4)
        stageLeft.update(repeating: 0, count: Self.stageCapacity)
        stageRight.update(repeating: 0, count: Self.stageCapacity)
        delayLeft.update(repeating: 0, count: latency)
        delayRight.update(repeating: 0, count: latency)
        delayPosition = 0
        holdHead = 0
        holdCount = 0
        frame = 0
        envelope = 1
        deficits.update(repeating: 0, count: attackFrames)
        deficitPosition = 0
        deficitSum = 0
        nonzeroDeficits = 0
        lastGain = 1
    }

    // MARK: - Per frame

    /// Step 0: the elliptic low-pass, in place, one channel (transposed direct form II, in Double).
    private func bandLimit(_ samples: UnsafeMutablePointer<Float>, frames: Int, state: UnsafeMutablePointer<Double>) {
        for section in 0..<bandSectionCount {
            let c = bandCoefficients + 5 * section
            let (b0, b1, b2, a1, a2) = (c[0], c[1], c[2], c[3], c[4])
            var z1 = state[2 * section]
            var z2 = state[2 * section + 1]
            for n in 0..<frames {
                let x = Double(samples[n])
                let y = b0 * x + z1
                z1 = b1 * x - a1 * y + z2
                z2 = b2 * x - a2 * y
                samples[n] = Float(y)
            }
            state[2 * section] = z1
            state[2 * section + 1] = z2
        }
    }

    /// Hold, release and attack: advances the gain state by one frame and returns the gain for the
    /// frame leaving the delay line now.
    @inline(__always)
    private func smoothedGain(required: Float) -> Float {
        // Hold: sliding minimum over the last `attackFrames + 1` requirements (monotonic deque).
        while holdCount > 0 {
            let back = (holdHead + holdCount - 1) % holdCapacity
            guard holdGains[back] >= required else { break }
            holdCount -= 1
        }
        let slot = (holdHead + holdCount) % holdCapacity
        holdGains[slot] = required
        holdFrames[slot] = frame
        holdCount += 1
        while holdFrames[holdHead] <= frame - (attackFrames + 1) {
            holdHead = holdHead + 1 == holdCapacity ? 0 : holdHead + 1
            holdCount -= 1
        }
        let held = holdGains[holdHead]
        frame += 1

        // Release: fall at once, rise exponentially, land on exactly 1.
        let released = min(1, releaseTarget - (releaseTarget - envelope) * releaseCoefficient)
        envelope = min(held, released)

        // Attack: moving average of the envelope over `attackFrames`, kept as a sum of deficits.
        let deficit = 1 - envelope
        let leaving = deficits[deficitPosition]
        deficits[deficitPosition] = deficit
        deficitPosition += 1
        if deficitPosition == attackFrames { deficitPosition = 0 }
        if leaving != 0 { nonzeroDeficits -= 1 }
        if deficit != 0 { nonzeroDeficits += 1 }
        if nonzeroDeficits == 0 {
            deficitSum = 0
            return 1
        }
        deficitSum += Double(deficit) - Double(leaving)
        return Float(min(max(1 - deficitSum / Double(attackFrames), 0), 1))
    }

    // MARK: - Design

    /// The band limit runs below this rate, Hz.
    static let bandLimitBelowRate = 44_100
    /// Elliptic low-pass, order 5, 0.01 dB ripple to 0.44 × the rate, 40 dB stop band from 0.47 ×
    /// (scipy.signal.ellip(5, 0.01, 40, 0.88), as second-order sections b0, b1, b2, a1, a2). The
    /// same at every rate: it is designed in fractions of the rate.
    static let bandSections: [(Double, Double, Double, Double, Double)] = [
        (0.6466790237427565, 0.6466790237427565, 0, 0.6743792425212394, 0),
        (1, 1.9798790784258238, 1.0000000000000002, 1.577557578507004, 0.6764330450765191),
        (1, 1.953404649901382, 0.9999999999999997, 1.8201886963752403, 0.9148042577683049),
    ]

    /// Points per sample the detector reads at `sampleRate` Hz, 4 or more.
    ///
    /// The meters that check Respite's output read fixed grids: ffmpeg's `ebur128=peak=true`
    /// resamples everything to 192 kHz, and libebur128 oversamples 4× below 96 kHz, 2× below
    /// 192 kHz and not at all above. Where 192 kHz is a multiple of the rate (8, 16, 24, 32, 48,
    /// 96 kHz…) the factor is the least common multiple of both meters' factors (24 at 8 kHz, 4 at
    /// 48 kHz), so every point either meter reads is one the detector reads too. Other rates (44.1
    /// and 22.05 kHz…) share no small grid with 192 kHz; there the detector's points are at most
    /// 1/32 of a sample apart (L ≥ 16 at 44.1 kHz), so no peak of a signal below half the rate can
    /// hide more than 0.04 dB between them.
    public static func oversampling(forSampleRate sampleRate: Int) -> Int {
        let rate = max(1, sampleRate)
        if 192_000 % rate == 0 {
            let ffmpeg = 192_000 / rate
            let libebur128 = rate < 96_000 ? 4 : (rate < 192_000 ? 2 : 1)
            return max(4, leastCommonMultiple(ffmpeg, libebur128))
        }
        let factor = (705_600 + rate - 1) / rate
        return max(4, (factor + 3) / 4 * 4)
    }

    private static func leastCommonMultiple(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return a / x * b
    }

    /// Writes the `tapsPerPhase` coefficients that interpolate the point `offset` (0…1) of a frame
    /// after the centre tap: a Kaiser-windowed sinc, normalised to unity gain at DC.
    private static func designPhase(offset: Double, into row: UnsafeMutablePointer<Float>) {
        let centre = tapsPerPhase - 1 - interpolatorLead
        var sum = 0.0
        for k in 0..<tapsPerPhase { sum += windowedSinc(Double(k - centre) - offset) }
        // Normalised in Double, then rounded once.
        for k in 0..<tapsPerPhase { row[k] = Float(windowedSinc(Double(k - centre) - offset) / sum) }
    }

    /// The interpolator's prototype at `distance` input frames from its centre: sinc times a Kaiser
    /// window that reaches zero at ±`interpolatorLead` frames.
    private static func windowedSinc(_ distance: Double) -> Double {
        let x = Double.pi * distance
        let sinc = distance == 0 ? 1 : sin(x) / x
        let ratio = distance / Double(interpolatorLead)
        return sinc * besselI0(kaiserBeta * max(0, 1 - ratio * ratio).squareRoot()) / besselI0(kaiserBeta)
    }

    /// Modified Bessel function of the first kind, order 0 (power series).
    private static func besselI0(_ x: Double) -> Double {
        var sum = 1.0
        var term = 1.0
        var k = 1.0
        let quarterSquare = x * x / 4
        while term > sum * 1e-17 {
            term *= quarterSquare / (k * k)
            sum += term
            k += 1
        }
        return sum
    }
}
