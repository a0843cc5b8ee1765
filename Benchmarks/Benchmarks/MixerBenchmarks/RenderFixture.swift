import Mixer

/// A mixer ready to render ``BenchmarkMix``, with everything the render benchmark needs outside the
/// measured region: the output buffers, and the stream rings, which ``refill()`` keeps full the way
/// Respite's loader thread does.
///
/// Thread safety: one benchmark iteration at a time, on one thread (package-benchmark runs them so).
final class RenderFixture: @unchecked Sendable {
    let mixer: Mixer
    /// Frames per render call (the device period).
    let frames: Int
    let left: UnsafeMutablePointer<Float>
    let right: UnsafeMutablePointer<Float>
    /// Whether the allocation probe has been shown to count (see `MixerBenchmarks`).
    var probeChecked = false
    private let feeders: [StreamFeeder]

    /// Builds the mix for `voices` voices and fills its rings.
    init(voices: Int, frames: Int) {
        // About 10 s of narration and 20 s of music, looped into the rings.
        let chunk = BenchmarkMix.chunkFrames
        feeders = [
            StreamFeeder(material: BenchmarkMix.narration(frames: 120 * chunk)),
            StreamFeeder(material: BenchmarkMix.music(frames: 240 * chunk)),
        ]
        let buffers = [
            SampleBuffer(interleavedStereo: BenchmarkMix.recordedCue()),
            SampleBuffer(interleavedStereo: BenchmarkMix.narration(frames: 20 * BenchmarkMix.rate)),
        ]
        mixer = Mixer(
            schedule: BenchmarkMix.schedule(voices: voices), sampleRate: BenchmarkMix.rate,
            streams: feeders.map(\.ring), buffers: buffers)
        self.frames = frames
        left = .allocate(capacity: frames)
        left.initialize(repeating: 0, count: frames)
        right = .allocate(capacity: frames)
        right.initialize(repeating: 0, count: frames)
        refill()
    }

    deinit {
        left.deallocate()
        right.deallocate()
    }

    /// Tops up every stream ring, a chunk at a time, as the loader does between periods.
    @inline(__always)
    func refill() {
        for feeder in feeders { feeder.refill() }
    }

    /// One render call: what the audio thread does each period.
    @inline(__always)
    func render() {
        mixer.render(left: left, right: right, frames: frames)
    }
}

/// Writes looping material into one stream ring, `BenchmarkMix.chunkFrames` at a time.
final class StreamFeeder {
    let ring = RingBuffer(capacity: BenchmarkMix.ringFrames, channels: 2)
    private let material: [Float]
    private let materialFrames: Int
    private var position = 0

    /// - Parameter material: interleaved stereo, a whole number of chunks long.
    init(material: [Float]) {
        precondition((material.count / 2) % BenchmarkMix.chunkFrames == 0, "material is a whole number of chunks")
        self.material = material
        materialFrames = material.count / 2
    }

    func refill() {
        let chunk = BenchmarkMix.chunkFrames
        while ring.availableToWrite >= chunk {
            material.withUnsafeBufferPointer { samples in
                if let base = samples.baseAddress { _ = ring.write(base + 2 * position, frames: chunk) }
            }
            position = (position + chunk) % materialFrames
        }
    }
}
