import Foundation
import Testing

@testable import AudioIO

@Suite("AudioFileReader")
struct AudioFileReaderTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let ext: String
        let codec: String
        let sampleRate: Int
        /// How close the decoded level must be to the encoded one, in dB (lossy codecs wander a little).
        let levelTolerance: Double
        let formatWord: String
        /// Largest allowed sample difference from ffmpeg's decode.
        let maxDifferenceFromFFmpeg: Float
        var testDescription: String { ext }
    }

    static let cases: [Case] = [
        Case(
            ext: "wav", codec: "pcm_s16le", sampleRate: 48_000, levelTolerance: 0.01, formatWord: "WAV",
            maxDifferenceFromFFmpeg: 0),
        Case(
            ext: "flac", codec: "flac", sampleRate: 44_100, levelTolerance: 0.01, formatWord: "FLAC",
            maxDifferenceFromFFmpeg: 0),
        Case(
            ext: "ogg", codec: "libvorbis", sampleRate: 44_100, levelTolerance: 0.2, formatWord: "Vorbis",
            maxDifferenceFromFFmpeg: 0.005),
        Case(
            ext: "opus", codec: "libopus", sampleRate: 48_000, levelTolerance: 0.2, formatWord: "Opus",
            maxDifferenceFromFFmpeg: 0.005),
        // LAME at its default 128 kbit/s loses 0.44 dB on this tone; ffmpeg's own decoder measures the same.
        Case(
            ext: "mp3", codec: "libmp3lame", sampleRate: 44_100, levelTolerance: 0.6, formatWord: "MPEG",
            maxDifferenceFromFFmpeg: 0.005),
    ]

    @Test("decodes a stereo sine with the right rate, length, channel order and level", arguments: cases)
    func decodesFormat(_ testCase: Case) throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("sine.\(testCase.ext)")
        try ExternalTool.ffmpegSine(
            to: path, codec: testCase.codec, sampleRate: testCase.sampleRate, frequency: 441, seconds: 1,
            left: 0.5, right: 0.25)

        let reader = try AudioFileReader(path: path)
        #expect(reader.sampleRate == testCase.sampleRate)
        #expect(reader.channels == 2)
        #expect(reader.formatName.contains(testCase.formatWord), "\(reader.formatName)")
        let samples = try reader.readAll()
        let decodedFrames = samples.count / 2
        // Header length, decoded length and encoded length all agree exactly, MP3 and Opus included (gapless).
        #expect(reader.frames == testCase.sampleRate)
        #expect(decodedFrames == testCase.sampleRate)

        // Measure away from the ends, where lossy codecs ramp.
        let window = (testCase.sampleRate / 10)..<(testCase.sampleRate * 9 / 10)
        let left = Signal.channel(0, of: samples, channels: 2)
        let right = Signal.channel(1, of: samples, channels: 2)
        let leftLevel = Signal.amplitude(at: 441, in: left[window], sampleRate: testCase.sampleRate)
        let rightLevel = Signal.amplitude(at: 441, in: right[window], sampleRate: testCase.sampleRate)
        #expect(abs(Signal.decibels(leftLevel / 0.5)) < testCase.levelTolerance, "left \(leftLevel)")
        #expect(abs(Signal.decibels(rightLevel / 0.25)) < testCase.levelTolerance, "right \(rightLevel)")

        // Sample-aligned with ffmpeg's decoder (a different implementation for every lossy codec here): one frame
        // of misalignment would differ by about 0.03 on this tone.
        // ffmpeg 5.1 cuts the last 128 frames of this Vorbis stream; libsndfile keeps them, which is right: the file
        // holds exactly the 1 s that was encoded, as `decodedFrames` shows. The frames both have are identical.
        let reference = try ExternalTool.ffmpegDecode(path, to: directory.file("reference.f32"))
        let ffmpegDropped = (samples.count - reference.count) / 2
        #expect(ffmpegDropped >= 0 && ffmpegDropped <= (testCase.ext == "ogg" ? 128 : 0))
        let worst = zip(reference, samples).map { abs($0 - $1) }.max() ?? 1
        #expect(worst <= testCase.maxDifferenceFromFFmpeg, "largest difference from ffmpeg's decode: \(worst)")

        var tail = [Float](repeating: 0, count: 64)
        #expect(tail.withUnsafeMutableBufferPointer { reader.read(into: $0.baseAddress!, frames: 32) } == 0)
    }

    @Test("reports the resolution of the file's encoding; lossy codecs have none")
    func resolution() throws {
        let directory = try TemporaryDirectory()
        let formats: [(name: String, format: AudioFileFormat, bits: Int?)] = [
            ("a.wav", .wav(.pcm16), 16), ("b.wav", .wav(.pcm24), 24), ("c.wav", .wav(.float32), 24),
            ("d.flac", .flac(.pcm16), 16), ("e.flac", .flac(.pcm24), 24), ("f.ogg", .oggVorbis(), nil),
            ("g.opus", .oggOpus(), nil),
        ]
        let tone = Signal.sine(frequency: 441, sampleRate: 48_000, frames: 4_800, amplitude: 0.5)
        for (name, format, bits) in formats {
            let path = directory.file(name)
            let writer = try AudioFileWriter(path: path, sampleRate: 48_000, channels: 1, format: format)
            try tone.withUnsafeBufferPointer { try writer.write(interleaved: $0.baseAddress!, frames: tone.count) }
            try writer.close()
            let reader = try AudioFileReader(path: path)
            #expect(reader.resolutionBits == bits, "\(name): \(reader.formatName)")
        }
    }

    @Test("seeks to a frame and reads from there")
    func seeks() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("ramp.wav")
        let ramp = (0..<1000).map { Float($0) / 1024 }
        let writer = try AudioFileWriter(path: path, sampleRate: 8000, channels: 1, format: .wav(.float32))
        try ramp.withUnsafeBufferPointer { try writer.write(interleaved: $0.baseAddress!, frames: ramp.count) }
        try writer.close()

        let reader = try AudioFileReader(path: path)
        try reader.seek(toFrame: 700)
        var buffer = [Float](repeating: -1, count: 400)
        let got = buffer.withUnsafeMutableBufferPointer { reader.read(into: $0.baseAddress!, frames: 400) }
        #expect(got == 300)
        #expect(Array(buffer[0..<300]) == Array(ramp[700..<1000]))
        #expect(throws: AudioFileError.self) { try reader.seek(toFrame: -1) }
    }

    @Test("a missing file is an error that names the file and says what to check")
    func missingFile() {
        let path = "/nonexistent/respite/bell.flac"
        #expect {
            _ = try AudioFileReader(path: path)
        } throws: { error in
            guard let error = error as? AudioFileError else { return false }
            return error.path == path && error.call == "open"
                && error.description.contains(path) && error.description.contains("no file")
                && error.description.contains("check the name")
        }
    }

    @Test("a file that is not audio is an error, not a crash")
    func notAudio() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("notes.wav")
        try Data("these are not samples".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: AudioFileError.self) { _ = try AudioFileReader(path: path) }
    }
}
