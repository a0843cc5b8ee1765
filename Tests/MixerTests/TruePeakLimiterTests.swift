import AllocationCounter
import Foundation
import Testing

@testable import Mixer

/// An independent true-peak meter for checking the limiter: 8× oversampling by a Kaiser-windowed
/// sinc (β = 9, 96 taps per phase, in Double; passband flat within 0.0003 dB up to 0.45 × the
/// sample rate). Nothing is shared with the limiter's detector (32 taps, 4 or more points a sample).
private struct ReferenceTruePeakMeter {
    static let factor = 8
    static let halfTaps = 48
    /// `factor - 1` phases (phase 0 is the sample itself), `2 * halfTaps` taps each, oldest first.
    let phases: [[Double]]

    init() {
        func besselI0(_ x: Double) -> Double {
            var sum = 1.0
            var term = 1.0
            var k = 1.0
            while term > sum * 1e-17 {
                term *= x * x / 4 / (k * k)
                sum += term
                k += 1
            }
            return sum
        }
        let beta = 9.0
        let half = Self.halfTaps
        phases = (1..<Self.factor).map { phase in
            let offset = Double(phase) / Double(Self.factor)
            let taps = (-(half - 1)...half).map { j -> Double in
                let distance = Double(j) - offset
                let ratio = distance / Double(half)
                let window = besselI0(beta * max(0, 1 - ratio * ratio).squareRoot()) / besselI0(beta)
                return sin(Double.pi * distance) / (Double.pi * distance) * window
            }
            let sum = taps.reduce(0, +)
            return taps.map { $0 / sum }
        }
    }

    /// Largest magnitude of the band-limited reconstruction of `x` (zeros outside it), linear.
    func truePeak(_ x: [Float]) -> Double {
        let half = Self.halfTaps
        let zeros = [Double](repeating: 0, count: 2 * half)
        let padded = zeros + x.map(Double.init) + zeros
        var peak = Double(x.map(abs).max() ?? 0)
        padded.withUnsafeBufferPointer { signal in
            for phase in phases {
                phase.withUnsafeBufferPointer { taps in
                    // The point `c + offset` (c indexing x) reads x[c - half + 1 ... c + half].
                    for c in -half..<(x.count + half) {
                        let window = signal.baseAddress! + c + half + 1
                        var sum = 0.0
                        for k in 0..<(2 * half) { sum += taps[k] * window[k] }
                        peak = max(peak, abs(sum))
                    }
                }
            }
        }
        return peak
    }

    func truePeakDB(_ x: [Float]) -> Double { 20 * log10(truePeak(x)) }
}

/// Runs `left`/`right` through `limiter` in blocks whose sizes cycle through `blocks`.
private func limit(
    _ limiter: TruePeakLimiter, _ left: [Float], _ right: [Float], blocks: [Int] = [256]
) -> (left: [Float], right: [Float]) {
    var outLeft = left
    var outRight = right
    var done = 0
    var next = 0
    outLeft.withUnsafeMutableBufferPointer { l in
        outRight.withUnsafeMutableBufferPointer { r in
            while done < left.count {
                let count = min(blocks[next % blocks.count], left.count - done)
                limiter.process(left: l.baseAddress! + done, right: r.baseAddress! + done, frames: count)
                done += count
                next += 1
            }
        }
    }
    return (outLeft, outRight)
}

/// `amplitude · sin(2π f n / rate + phase)`, faded in and out over `fade` frames (raised cosine)
/// as everything in the mixer is.
private func tone(
    _ frequency: Double, amplitude: Double, phase: Double = 0, frames: Int, rate: Int = 48_000, fade: Int = 240
) -> [Float] {
    (0..<frames).map { n in
        let edge = min(n, frames - 1 - n)
        let ramp = edge >= fade ? 1 : 0.5 - 0.5 * cos(Double.pi * Double(edge) / Double(fade))
        return Float(amplitude * ramp * sin(2 * Double.pi * frequency * Double(n) / Double(rate) + phase))
    }
}

private func decibels(_ linear: Double) -> Double { 20 * log10(linear) }

private func dbToLinear(_ db: Double) -> Double { pow(10, db / 20) }

/// A deterministic loud programme: tones, low-passed noise and swells that peak around +6 dBFS.
private func loudProgramme(frames: Int) -> (left: [Float], right: [Float]) {
    var seed: UInt32 = 12_345
    var low1 = 0.0
    var low2 = 0.0
    var left = [Float](repeating: 0, count: frames)
    var right = [Float](repeating: 0, count: frames)
    for n in 0..<frames {
        seed = seed &* 1_664_525 &+ 1_013_904_223
        let white = Double(Int32(bitPattern: seed)) / Double(Int32.max)
        // Two one-pole low-passes (about 4 kHz): programme material has little energy near Nyquist.
        low1 += 0.4 * (white - low1)
        low2 += 0.4 * (low1 - low2)
        let noise = 2 * low2
        let t = Double(n) / 48_000
        let swell = 0.2 + 1.8 * max(0, sin(2 * Double.pi * 1.3 * t))
        let tones = 0.6 * sin(2 * Double.pi * 523 * t) + 0.2 * sin(2 * Double.pi * 4_700 * t)
        left[n] = Float(swell * (tones + 0.2 * noise))
        right[n] = Float(swell * (0.5 * sin(2 * Double.pi * 330 * t + 1) + 0.3 * noise))
    }
    return (left, right)
}

@Suite struct TruePeakLimiterTests {
    let rate = 48_000
    private let meter = ReferenceTruePeakMeter()

    @Test func latencyIsTheLookahead() {
        let limiter = TruePeakLimiter(sampleRate: rate)
        #expect(limiter.latency == 72)
        // The 32-tap interpolator reads 16 frames ahead of the point it interpolates.
        #expect(limiter.attackFrames == 57)
        // At low rates 1.5 ms would leave a ramp of a frame or two, itself a click: at least 48 frames.
        #expect(TruePeakLimiter(sampleRate: 8_000).attackFrames == 48)
        #expect(TruePeakLimiter(sampleRate: 8_000).latency == 63)
        #expect(TruePeakLimiter(sampleRate: rate, lookahead: 200).latency == 200)
        #expect(TruePeakLimiter(sampleRate: rate, lookahead: 1).latency == TruePeakLimiter.minimumLookahead)
        #expect(TruePeakLimiter(sampleRate: rate, ceiling: 3).ceiling == 0)
    }

    /// A 997 Hz tone at +3 dBFS in the left channel, with a quieter one in the right: the true
    /// peak comes out at the ceiling (not far below it), and the right is reduced by the same gain.
    @Test func sineAtPlus3dBFSComesOutAtTheCeiling() {
        let frames = 24_000
        let left = tone(997, amplitude: dbToLinear(3), frames: frames)
        let right = tone(997, amplitude: dbToLinear(-6), phase: 1, frames: frames)
        let inputPeak = meter.truePeakDB(left)
        #expect(abs(inputPeak - 3) < 0.01)
        let limiter = TruePeakLimiter(sampleRate: rate, ceiling: -1)
        let out = limit(limiter, left, right)
        let outLeft = meter.truePeakDB(out.left)
        let outRight = meter.truePeakDB(out.right)
        print("TruePeakLimiter: 997 Hz at +3 dBFS → \(outLeft) dBTP (right, linked: \(outRight) dBTP)")
        #expect(outLeft <= -1 + 0.1)
        #expect(outLeft >= -1 - 0.1, "the limiter should reduce to the ceiling, not below it")
        #expect(abs(outRight - (-6 - 4)) < 0.1, "linked stereo: the right gets the left's 4 dB reduction")
        #expect(abs(limiter.maximumReduction - 4) < 0.1)
    }

    /// A quarter-rate tone at 45°: every sample is at ±0.707 of the peak, so the sample peak is
    /// -1 dBFS while the true peak is +2 dBTP. A sample-peak limiter would let it through.
    @Test func interSamplePeaksOfAQuarterRateToneAreCaught() {
        let frames = 24_000
        let amplitude = dbToLinear(2)
        let left = tone(Double(rate) / 4, amplitude: amplitude, phase: Double.pi / 4, frames: frames)
        let right = left.map { $0 * 0.5 }
        let samplePeak = decibels(Double(left.map(abs).max() ?? 0))
        #expect(abs(samplePeak - -1.01) < 0.01)
        #expect(abs(meter.truePeakDB(left) - 2) < 0.01)
        let limiter = TruePeakLimiter(sampleRate: rate, ceiling: -1)
        let out = limit(limiter, left, right, blocks: [64])
        let outPeak = meter.truePeakDB(out.left)
        print("TruePeakLimiter: fs/4 at 45°, +2 dBTP (-1 dBFS sample peak) → \(outPeak) dBTP")
        #expect(outPeak <= -1 + 0.1)
        #expect(outPeak >= -1 - 0.1)
    }

    /// Material whose true peak stays below the ceiling is untouched: the same samples, delayed.
    @Test func quietInputPassesBitExactlyDelayed() {
        let frames = 30_000
        var seed: UInt32 = 99
        var left = [Float](repeating: 0, count: frames)
        var right = [Float](repeating: 0, count: frames)
        for n in 0..<frames {
            seed = seed &* 1_664_525 &+ 1_013_904_223
            let noise = Float(Int32(bitPattern: seed)) / Float(Int32.max)
            let t = Float(n) / 48_000
            left[n] = 0.06 * sinf(2 * .pi * 440 * t) + 0.03 * sinf(2 * .pi * 3_001 * t) + 0.01 * noise
            right[n] = 0.05 * sinf(2 * .pi * 220 * t + 0.5) + 0.02 * noise
        }
        let peak = max(left.map(abs).max() ?? 0, right.map(abs).max() ?? 0)
        left = left.map { $0 * 0.1 / peak }  // -20 dBFS
        right = right.map { $0 * 0.1 / peak }
        let limiter = TruePeakLimiter(sampleRate: rate)
        let out = limit(limiter, left, right, blocks: [100, 37])
        let latency = limiter.latency
        let silentStart = out.left[..<latency].allSatisfy { $0 == 0 } && out.right[..<latency].allSatisfy { $0 == 0 }
        #expect(silentStart)
        let same =
            Array(out.left[latency...]) == Array(left[..<(frames - latency)])
            && Array(out.right[latency...]) == Array(right[..<(frames - latency)])
        #expect(same, "quiet input must come out bit-exactly, delayed by \(latency) frames")
        #expect(limiter.maximumReduction == 0)
    }

    @Test func outputDoesNotDependOnBlockSize() {
        let input = loudProgramme(frames: 48_000)
        let a = limit(TruePeakLimiter(sampleRate: rate), input.left, input.right, blocks: [64])
        let b = limit(TruePeakLimiter(sampleRate: rate), input.left, input.right, blocks: [1_000])
        let c = limit(TruePeakLimiter(sampleRate: rate), input.left, input.right, blocks: [1, 7, 333, 64, 1_000, 13])
        // Compared as one Bool: printing 48 000-sample arrays on failure would take minutes.
        let same = a.left == b.left && a.right == b.right && a.left == c.left && a.right == c.right
        #expect(same, "64-, 1000- and irregular-frame blocks must give identical samples")
        #expect(meter.truePeakDB(a.left) <= -1 + 0.1)
        #expect(meter.truePeakDB(a.right) <= -1 + 0.1)
    }

    /// The idle shortcut (a chunk whose bound stays under the ceiling only passes through the
    /// delay line) gives the same samples, bit for bit, as running the detector and the gain
    /// state on every frame: over a programme that swells in and out of limiting many times.
    @Test func idleShortcutChangesNothing() {
        let input = loudProgramme(frames: 96_000)
        let fast = TruePeakLimiter(sampleRate: rate)
        let full = TruePeakLimiter(sampleRate: rate, ceiling: -1, lookahead: nil, release: 0.1, shortcuts: false)
        let a = limit(fast, input.left, input.right, blocks: [64, 1_000, 7])
        let b = limit(full, input.left, input.right, blocks: [64])
        let same = a.left == b.left && a.right == b.right
        #expect(same, "the shortcut must not change a sample")
        #expect(fast.maximumReduction == full.maximumReduction)
        #expect(fast.maximumReduction > 3, "the programme must be limited for the comparison to mean anything")
        // And the shortcut is taken, in the quiet stretches of this programme.
        #expect(fast.shortcutChunks > 20)
        #expect(full.shortcutChunks == 0)
    }

    @Test func resetStartsAfresh() {
        let input = loudProgramme(frames: 20_000)
        let limiter = TruePeakLimiter(sampleRate: rate)
        _ = limit(limiter, input.left, input.right)
        limiter.reset()
        let again = limit(limiter, input.left, input.right)
        let fresh = limit(TruePeakLimiter(sampleRate: rate), input.left, input.right)
        let same = again.left == fresh.left && again.right == fresh.right
        #expect(same)
    }

    /// At 48 kHz, and at 8 kHz where the band limit runs and the detector reads 24 points a sample.
    @Test(
        .enabled(if: respite_allocation_counting_available() != 0, "a sanitizer owns malloc"),
        arguments: [48_000, 8_000])
    func processAllocatesNothing(rate: Int) {
        let programme = loudProgramme(frames: 48_000)
        let limiter = TruePeakLimiter(sampleRate: rate)
        #expect(limiter.bandLimited == (rate < 44_100))
        let left = UnsafeMutablePointer<Float>.allocate(capacity: 64)
        let right = UnsafeMutablePointer<Float>.allocate(capacity: 64)
        defer { left.deallocate(); right.deallocate() }
        var allocations: [Int: Int64] = [:]
        allocations.reserveCapacity(1_000)
        programme.left.withUnsafeBufferPointer { sourceLeft in
            programme.right.withUnsafeBufferPointer { sourceRight in
                for period in 0..<15_000 {  // 20 s
                    let start = (period * 64) % (48_000 - 64)
                    left.update(from: sourceLeft.baseAddress! + start, count: 64)
                    right.update(from: sourceRight.baseAddress! + start, count: 64)
                    if period == 9_000 { limiter.reset() }
                    respite_allocation_counting_begin()
                    limiter.process(left: left, right: right, frames: 64)
                    let count = respite_allocation_counting_end()
                    if count > 0 && allocations.count < 1_000 { allocations[period] = count }
                }
            }
        }
        #expect(allocations.isEmpty, "periods that allocated: \(allocations.sorted { $0.key < $1.key }.prefix(20))")
        #expect(limiter.maximumReduction > 3, "the gain must have been working during the count")
    }

    /// A sudden loud burst in quiet material: the gain ramps down ahead of it without a step, the
    /// burst comes out at the ceiling, and the gain is back at exactly 1 within 5 × release.
    @Test func burstIsRampedAndReleasedToUnity() {
        let frames = 72_000
        let burstStart = 14_400
        let burstEnd = 16_800  // 50 ms of +6 dBFS, starting and stopping abruptly
        let release = 0.1
        var left = tone(440, amplitude: 0.1, frames: frames)
        var right = tone(660, amplitude: 0.1, frames: frames)
        for n in burstStart..<burstEnd {
            let t = Double(n - burstStart) / Double(rate)
            left[n] += Float(2 * sin(2 * Double.pi * 1_000 * t))
            right[n] += Float(1.5 * sin(2 * Double.pi * 1_000 * t + 0.3))
        }
        let limiter = TruePeakLimiter(sampleRate: rate, ceiling: -1, release: release)
        var gains = [Float](repeating: 1, count: frames)
        var outLeft = left
        var outRight = right
        outLeft.withUnsafeMutableBufferPointer { l in
            outRight.withUnsafeMutableBufferPointer { r in
                for n in 0..<frames {
                    limiter.process(left: l.baseAddress! + n, right: r.baseAddress! + n, frames: 1)
                    gains[n] = limiter.lastGain
                }
            }
        }
        let latency = limiter.latency
        let steps = zip(gains.dropFirst(), gains).map { abs($0 - $1) }
        let largestStep = steps.max() ?? 0
        let deepest = gains.min() ?? 1
        #expect(largestStep <= 1 / Float(latency), "largest gain step \(largestStep)")
        #expect(largestStep <= (1 - deepest) / Float(limiter.attackFrames) + 1e-6)
        // Untouched before the burst reaches the detector, reduced through it, then released slowly.
        #expect(gains[..<burstStart].allSatisfy { $0 == 1 })
        #expect(gains[(burstStart + latency + 48)..<(burstEnd + latency)].allSatisfy { $0 < 0.5 })
        #expect(gains[burstEnd + latency + 2_400] < 0.95, "the release is exponential, not immediate")
        let backAtUnity = burstEnd + latency + Int(5 * release * Double(rate))
        #expect(gains[backAtUnity...].allSatisfy { $0 == 1 })
        let exactAfter = Array(outLeft[backAtUnity...]) == Array(left[(backAtUnity - latency)..<(frames - latency)])
        #expect(exactAfter, "once released, quiet material passes bit-exactly again")

        let inputPeak = max(meter.truePeakDB(left), meter.truePeakDB(right))
        let outPeak = max(meter.truePeakDB(outLeft), meter.truePeakDB(outRight))
        print("TruePeakLimiter: burst at \(inputPeak) dBTP → \(outPeak) dBTP; largest gain step \(largestStep)")
        #expect(outPeak <= -1 + 0.1)
        #expect(abs(Double(limiter.maximumReduction) - (inputPeak + 1)) < 0.15)
    }
}
