#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Measures the true peak of stereo audio with the limiter's own detector: the same interpolator
/// and the same points per sample (``TruePeakLimiter/oversampling(forSampleRate:)``), so a reading
/// at or under the ceiling means the limiter's promise holds by the measure that made it.
///
/// Used to check an encoded file after the fact (a lossy encoder moves peaks), not on the audio
/// path. It reads peaks from -20 dBTP up; anything quieter reads as at most -20 dBTP.
///
/// Thread safety: one thread at a time.
public final class TruePeakMeter {
    /// Engine rate in Hz.
    public let sampleRate: Int
    private let detector: TruePeakLimiter
    private let scratchLeft: UnsafeMutablePointer<Float>
    private let scratchRight: UnsafeMutablePointer<Float>
    private static let block = TruePeakLimiter.chunkFrames

    /// - Parameter sampleRate: Hz, 8 000…192 000.
    public init(sampleRate: Int) {
        self.sampleRate = sampleRate
        // The lowest ceiling: the detector then reads every peak above it.
        detector = TruePeakLimiter(
            sampleRate: sampleRate, ceiling: -20, lookahead: nil, release: 0.1, shortcuts: true, bandLimit: false)
        scratchLeft = .allocate(capacity: Self.block)
        scratchRight = .allocate(capacity: Self.block)
    }

    deinit {
        scratchLeft.deallocate()
        scratchRight.deallocate()
    }

    /// Adds `frames` frames of interleaved stereo.
    public func add(interleaved: UnsafePointer<Float>, frames: Int) {
        var done = 0
        while done < frames {
            let count = min(Self.block, frames - done)
            for n in 0..<count {
                scratchLeft[n] = interleaved[2 * (done + n)]
                scratchRight[n] = interleaved[2 * (done + n) + 1]
            }
            detector.process(left: scratchLeft, right: scratchRight, frames: count)
            done += count
        }
    }

    /// Ends the measurement: the last samples' interpolation windows are completed with silence.
    public func finish() {
        scratchLeft.update(repeating: 0, count: Self.block)
        scratchRight.update(repeating: 0, count: Self.block)
        detector.process(left: scratchLeft, right: scratchRight, frames: TruePeakLimiter.tapsPerPhase)
    }

    /// The largest true peak so far, linear (at least 0.1, the -20 dBTP floor).
    public var peak: Float { max(detector.largestDetectedPeak, Float(0.1)) }

    /// The largest true peak so far, dBTP (at least -20).
    public var peakDecibels: Float { 20 * log10f(peak) }
}
