/// A short sound held whole in memory (a bell or chime from a file), stereo, interleaved, at the
/// engine rate. Immutable once made, so the audio thread reads it without any synchronisation.
public final class SampleBuffer: @unchecked Sendable {
    /// Frames held.
    public let frames: Int
    private let samples: UnsafeMutablePointer<Float>

    /// - Parameter interleavedStereo: L R L R … samples; an odd trailing sample is dropped.
    public init(interleavedStereo: [Float]) {
        frames = interleavedStereo.count / 2
        samples = .allocate(capacity: max(2, frames * 2))
        interleavedStereo.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { samples.initialize(from: base, count: frames * 2) }
        }
    }

    deinit { samples.deallocate() }

    /// Copies frames `offset..<offset+count` into `left` and `right`, silence past the end.
    /// Real-time safe.
    func read(from offset: Int, count: Int, left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>) {
        let available = max(0, min(count, frames - offset))
        for n in 0..<available {
            left[n] = samples[2 * (offset + n)]
            right[n] = samples[2 * (offset + n) + 1]
        }
        if available < count {
            (left + available).update(repeating: 0, count: count - available)
            (right + available).update(repeating: 0, count: count - available)
        }
    }
}
