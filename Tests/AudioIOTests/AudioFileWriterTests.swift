import Foundation
import Testing

@testable import AudioIO

@Suite("AudioFileWriter")
struct AudioFileWriterTests {
    static func write(_ samples: [Float], to path: String, rate: Int, channels: Int, format: AudioFileFormat) throws {
        let writer = try AudioFileWriter(path: path, sampleRate: rate, channels: channels, format: format)
        try samples.withUnsafeBufferPointer {
            try writer.write(interleaved: $0.baseAddress!, frames: samples.count / channels)
        }
        #expect(writer.framesWritten == samples.count / channels)
        try writer.close()
        try writer.close()  // a second close does nothing
    }

    /// Format, file extension, and the largest error allowed (one quantisation step).
    static let losslessCases: [(AudioFileFormat, String, Double)] = [
        (.wav(.float32), "wav", 0),
        (.wav(.pcm24), "wav", 1.0 / 8_388_608),
        (.wav(.pcm16), "wav", 1.0 / 32_768),
        (.flac(.pcm24), "flac", 1.0 / 8_388_608),
        (.flac(.pcm16), "flac", 1.0 / 32_768),
    ]

    @Test("lossless formats round-trip within their resolution", arguments: losslessCases)
    func roundTrip(format: AudioFileFormat, ext: String, tolerance: Double) throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("tone.\(ext)")
        let left = Signal.sine(frequency: 1000, sampleRate: 48_000, frames: 4800, amplitude: 0.7)
        let right = Signal.sine(frequency: 250, sampleRate: 48_000, frames: 4800, amplitude: -0.3)
        let interleaved = zip(left, right).flatMap { [$0, $1] }
        try Self.write(interleaved, to: path, rate: 48_000, channels: 2, format: format)

        let reader = try AudioFileReader(path: path)
        #expect(reader.frames == 4800 && reader.channels == 2 && reader.sampleRate == 48_000)
        let decoded = try reader.readAll()
        #expect(decoded.count == interleaved.count)
        let worst = zip(decoded, interleaved).map { abs(Double($0) - Double($1)) }.max() ?? 1
        #expect(worst <= tolerance, "worst error \(worst) for \(format)")
    }

    @Test("Ogg Vorbis and Opus write files that decode to the same tone")
    func lossy() throws {
        let directory = try TemporaryDirectory()
        let tone = Signal.sine(frequency: 500, sampleRate: 48_000, frames: 48_000, amplitude: 0.5)
        for (format, name) in [(AudioFileFormat.oggVorbis(), "t.ogg"), (AudioFileFormat.oggOpus(), "t.opus")] {
            let path = directory.file(name)
            try Self.write(tone, to: path, rate: 48_000, channels: 1, format: format)
            let reader = try AudioFileReader(path: path)
            let decoded = try reader.readAll()
            #expect(decoded.count == tone.count, "\(format)")
            let level = Signal.amplitude(at: 500, in: decoded[4800..<43_200], sampleRate: 48_000)
            #expect(abs(Signal.decibels(level / 0.5)) < 0.2, "\(format): \(level)")
        }
    }

    @Test("integer formats clip over-range samples instead of wrapping")
    func clips() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("loud.wav")
        try Self.write([1.5, -1.5, 0.5], to: path, rate: 8000, channels: 1, format: .wav(.pcm16))
        let decoded = try AudioFileReader(path: path).readAll()
        #expect(decoded[0] > 0.999)
        #expect(decoded[1] < -0.999)
        #expect(abs(decoded[2] - 0.5) < 0.0001)
    }

    @Test("Int16 samples are written bit-exactly to PCM16")
    func int16Exact() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("exact.wav")
        let samples: [Int16] = [0, 1, -1, 32_767, -32_768, 12_345]
        let writer = try AudioFileWriter(path: path, sampleRate: 22_050, channels: 1, format: .wav(.pcm16))
        try samples.withUnsafeBufferPointer { try writer.write(interleaved: $0.baseAddress!, frames: samples.count) }
        try writer.close()
        let decoded = try AudioFileReader(path: path).readAll()
        #expect(decoded.map { Int16(($0 * 32_768).rounded()) } == samples)
    }

    @Test("the format follows the extension, and unknown extensions list the supported ones")
    func formatForPath() throws {
        #expect(try AudioFileFormat.format(forPath: "/x/take-home.WAV") == .wav(.pcm24))
        #expect(try AudioFileFormat.format(forPath: "a.wav", sampleFormat: .float32) == .wav(.float32))
        #expect(try AudioFileFormat.format(forPath: "a.flac") == .flac(.pcm24))
        #expect(try AudioFileFormat.format(forPath: "a.ogg") == .oggVorbis(quality: 0.6))
        #expect(try AudioFileFormat.format(forPath: "a.opus") == .oggOpus())
        for path in ["session.mp3", "session", "dir.wav/session"] {
            #expect {
                _ = try AudioFileFormat.format(forPath: path)
            } throws: { error in
                let text = String(describing: error)
                return text.contains(path) && text.contains(".wav, .flac, .ogg, .opus")
            }
        }
    }

    @Test("unsupported combinations are errors, not crashes")
    func unsupported() throws {
        let directory = try TemporaryDirectory()
        #expect {
            _ = try AudioFileWriter(
                path: directory.file("a.flac"), sampleRate: 48_000, channels: 2, format: .flac(.float32))
        } throws: { error in
            String(describing: error).contains("pcm24")
        }
        #expect {
            _ = try AudioFileWriter(path: directory.file("a.opus"), sampleRate: 44_100, channels: 2, format: .oggOpus())
        } throws: { error in
            String(describing: error).contains("48000")
        }
        #expect(throws: AudioFileError.self) {
            _ = try AudioFileWriter(path: directory.file("a.wav"), sampleRate: 0, channels: 2, format: .wav())
        }
        #expect(throws: AudioFileError.self) {
            _ = try AudioFileWriter(path: "/nonexistent/dir/a.wav", sampleRate: 48_000, channels: 2, format: .wav())
        }
    }

    @Test("writing after close is an error")
    func writeAfterClose() throws {
        let directory = try TemporaryDirectory()
        let writer = try AudioFileWriter(path: directory.file("a.wav"), sampleRate: 48_000, channels: 1)
        try writer.close()
        let samples: [Float] = [0, 0]
        #expect(throws: AudioFileError.self) {
            try samples.withUnsafeBufferPointer { try writer.write(interleaved: $0.baseAddress!, frames: 2) }
        }
    }
}
