import AudioIO
import Mixer

/// Renders a prepared session into a file through the same mixer that plays live: offline
/// equals live, frame for frame.
public enum OfflineRenderer {
    /// Frames per render call; the result does not depend on it.
    public static let blockFrames = 1_024
    /// How long the loader sleeps when every ring is full. Rendering runs hundreds of times faster
    /// than real time, so the mixer can empty a 1.4 s ring in under a millisecond; a loader asleep
    /// for the live default of 2 ms would leave it waiting (a third of the time, measured, when the
    /// sources are cheap to decode, such as WAV).
    static let loaderInterval = Duration.microseconds(100)

    /// Writes the whole session to `path` in `format`; returns the frames written, which always
    /// equals the timeline's duration.
    ///
    /// - Parameters:
    ///   - loaderThread: decode on a separate thread (faster on two or more cores); the file is
    ///     the same either way.
    ///   - progress: called now and then with the fraction done, 0…1.
    @discardableResult
    public static func render(
        _ prepared: PreparedSession, to path: String, format: AudioFileFormat, loaderThread: Bool = true,
        progress: (Double) -> Void = { _ in }
    ) throws -> Int {
        let (mixer, streamer) = prepared.makeEngine()
        let writer = try AudioFileWriter(
            path: path, sampleRate: prepared.timeline.sampleRate, channels: 2, format: format)
        let total = prepared.timeline.duration
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: blockFrames * 2)
        defer { buffer.deallocate() }
        // Decoding runs on the loader thread, mixing and encoding on this one.
        if loaderThread { streamer.startLoading(interval: loaderInterval) }
        defer { streamer.stopLoading() }
        var done = 0
        var lastReport = 0
        while done < total {
            let frames = min(blockFrames, total - done)
            streamer.waitUntilReady(frames: frames + mixer.lookahead)
            mixer.render(interleavedInto: buffer, frames: frames)
            try writer.write(interleaved: buffer, frames: frames)
            done += frames
            if done - lastReport >= prepared.timeline.sampleRate * 30 || done == total {
                lastReport = done
                progress(Double(done) / Double(max(1, total)))
            }
        }
        try writer.close()
        return done
    }

    /// Renders the whole session into memory, interleaved stereo. For tests and analysis; a long
    /// session takes 384 kB a second at 48 kHz.
    public static func renderToMemory(_ prepared: PreparedSession, blockFrames: Int = blockFrames) -> [Float] {
        let (mixer, streamer) = prepared.makeEngine()
        let total = prepared.timeline.duration
        var samples = [Float](repeating: 0, count: total * 2)
        samples.withUnsafeMutableBufferPointer { out in
            guard let base = out.baseAddress else { return }
            var done = 0
            while done < total {
                let frames = min(blockFrames, total - done)
                streamer.waitUntilReady(frames: frames + mixer.lookahead)
                mixer.render(interleavedInto: base + done * 2, frames: frames)
                done += frames
            }
        }
        return samples
    }
}
