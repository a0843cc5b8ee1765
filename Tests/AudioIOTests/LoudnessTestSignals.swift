import AudioIO
import Foundation

/// Test signals for the loudness tests, built as EBU Tech 3341 describes its minimum test cases.
enum LoudnessTestSignals {
    /// One stretch of a tone: its peak level in dBFS and its length in seconds.
    struct Segment {
        let level: Double
        let seconds: Double
    }

    /// A sine of `frequency` Hz on every channel, identical in each, whose peak level steps through `segments`.
    ///
    /// The phase runs on across the steps, so only the level changes; `phase` (degrees) is the phase of frame 0.
    /// Levels are peak amplitudes: -23 dBFS is a sine peaking at 10^(-23/20). `fade` seconds at each end are shaped
    /// by a raised cosine (0 for none).
    static func sine(
        frequency: Double, segments: [Segment], channels: Int = 2, sampleRate: Int = 48_000, phase: Double = 0,
        fade: Double = 0
    ) -> [Float] {
        let frames = segments.map { Int(($0.seconds * Double(sampleRate)).rounded()) }
        let total = frames.reduce(0, +)
        var samples = [Float](repeating: 0, count: total * channels)
        let step = 2 * Double.pi * frequency / Double(sampleRate)
        let start = phase * Double.pi / 180
        let fadeFrames = Int((fade * Double(sampleRate)).rounded())
        var frame = 0
        for (segment, count) in zip(segments, frames) {
            let amplitude = pow(10, segment.level / 20)
            for _ in 0..<count {
                let edge = min(frame, total - 1 - frame)
                let gain = edge < fadeFrames ? 0.5 - 0.5 * cos(Double.pi * Double(edge) / Double(fadeFrames)) : 1
                let value = Float(gain * amplitude * sin(start + step * Double(frame)))
                for channel in 0..<channels { samples[frame * channels + channel] = value }
                frame += 1
            }
        }
        return samples
    }

    /// Measures interleaved samples in memory.
    static func measure(_ samples: [Float], channels: Int = 2, sampleRate: Int = 48_000) throws -> Loudness {
        try samples.withUnsafeBufferPointer { buffer in
            try LoudnessMeter.measure(interleaved: buffer, channels: channels, sampleRate: sampleRate)
        }
    }

    /// Writes interleaved samples to `path` (the format from its extension).
    static func write(
        _ samples: [Float], to path: String, channels: Int = 2, sampleRate: Int = 48_000,
        format: AudioFileFormat = .wav(.float32)
    ) throws {
        let writer = try AudioFileWriter(path: path, sampleRate: sampleRate, channels: channels, format: format)
        try samples.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            try writer.write(interleaved: base, frames: buffer.count / channels)
        }
        try writer.close()
    }
}
