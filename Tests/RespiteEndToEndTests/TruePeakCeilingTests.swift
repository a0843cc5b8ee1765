import AudioIO
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A session made to push the limiter: a struck bell, a chime and a bowl, a music bed and a line of
/// narration, brought to -14 LUFS (the loudest programme target the configuration allows) with
/// every bus as loud as it goes, so most of its peaks want to be well over the ceiling.
struct HotSession {
    let folder: String
    let session: String
    /// A home folder whose configuration sets the hot loudness targets and `ceiling`.
    func environment(ceiling: Double) throws -> [String: String] {
        let config = folder + "/config\(ceiling)"
        try FileManager.default.createDirectory(atPath: config + "/respite", withIntermediateDirectories: true)
        try """
        { "loudness": { "voice": -10, "music": -15, "cues": -12, "programme": -14 }, "ceiling": \(ceiling) }
        """.write(toFile: config + "/respite/config.json", atomically: true, encoding: .utf8)
        return ["XDG_CONFIG_HOME": config]
    }

    init() throws {
        folder = try Respite.temporaryFolder()
        session = folder + "/hot.json"
        try """
        {
          "format": 1, "id": "hot", "title": "Hot", "description": "Loud on purpose, for the limiter.",
          "language": "en", "author": "Respite tests", "version": "1.0.0",
          "protocol": { "name": "test", "evidence": "not graded", "source": "tests" },
          "safety": ["Stop if anything hurts or feels wrong."],
          "music": { "source": "audio:music/meadow-morning.ogg", "gain": 0, "loop": true, "fadeIn": 0.5,
                     "fadeOut": 0.5, "duck": 0 },
          "steps": [
            { "type": "bell", "label": "Bell", "sound": "builtin:bell", "gain": 0, "seconds": 2.5 },
            { "type": "narration", "label": "Words", "text": "Breathe in. And let it go, slowly.", "pause": 0.5 },
            { "type": "silence", "label": "Chimes", "seconds": 2.5,
              "cues": [{ "at": 0.1, "sound": "builtin:chime", "gain": 0 }, { "at": 1.2, "sound": "builtin:bowl", "gain": 0 }] }
          ]
        }
        """.write(toFile: session, atomically: true, encoding: .utf8)
    }
}

/// The true peak of `path` in dBTP as ffmpeg's `ebur128=peak=true` filter reads it (it resamples to
/// 192 kHz), to three decimals rather than the one its summary prints.
func ffmpegTruePeak(_ path: String, rawRate: Int? = nil) throws -> Double {
    let input = rawRate.map { ["-f", "f32le", "-ar", "\($0)", "-ac", "2"] } ?? []
    let child = try Child(
        "/usr/bin/ffmpeg",
        ["-nostats", "-hide_banner"] + input + [
            "-i", path, "-af", "ebur128=peak=true:metadata=1,ametadata=mode=print:file=-", "-f", "null", "-",
        ],
        environment: ProcessInfo.processInfo.environment, separateErrors: true)
    #expect(child.wait() == 0, "ffmpeg: \(child.errors.suffix(400))")
    var peak = 0.0
    for line in child.output.split(separator: "\n") where line.contains("lavfi.r128.true_peaks_ch") {
        if let value = line.split(separator: "=").last.flatMap({ Double($0) }) { peak = max(peak, value) }
    }
    return 20 * log10(peak)
}

/// The true peak of interleaved stereo in dBTP as libebur128 reads it (4× below 96 kHz, 2× above).
func libebur128TruePeak(_ samples: [Float], sampleRate: Int) throws -> Double {
    let meter = try LoudnessAccumulator(channels: 2, sampleRate: sampleRate)
    try samples.withUnsafeBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        try meter.add(base, frames: buffer.count / 2)
    }
    return try meter.result().truePeak
}

/// Names and bytes of every file in `folder`, to show a command wrote nothing but its output.
func snapshot(_ folder: String) -> [String: Data] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return Dictionary(
        uniqueKeysWithValues: names.map { ($0, FileManager.default.contents(atPath: folder + "/" + $0) ?? Data()) })
}

/// The true-peak ceiling holds in the file the listener gets, in every format and at every rate,
/// measured after encoding by two independent meters.
@Suite(.serialized) struct TruePeakCeilingTests {
    static let hot = Result { try HotSession() }
    /// What a meter may read over the ceiling: the meters' own interpolators differ from the
    /// limiter's by a few hundredths of a dB.
    static let tolerance = 0.05

    enum Format: String, CaseIterable, CustomTestStringConvertible {
        case wavPCM16, wavPCM24, wavFloat32, flacPCM16, flacPCM24, oggVorbis
        var fileExtension: String { rawValue.hasPrefix("wav") ? "wav" : rawValue.hasPrefix("flac") ? "flac" : "ogg" }
        var sampleFormat: String {
            switch self {
            case .wavPCM16, .flacPCM16: "pcm16"
            case .wavPCM24, .flacPCM24, .oggVorbis: "pcm24"
            case .wavFloat32: "float32"
            }
        }
        var testDescription: String { rawValue }
    }

    func render(_ format: Format, rate: Int, ceiling: Double) throws -> (path: String, result: Respite.Result) {
        let hot = try Self.hot.get()
        let output = try Respite.temporaryFolder()
        let path = output + "/hot-\(rate).\(format.fileExtension)"
        let before = snapshot(hot.folder)
        let result = try Respite.run(
            ["render", hot.session, "-o", path, "--rate", "\(rate)", "--sample-format", format.sampleFormat],
            environment: try hot.environment(ceiling: ceiling))
        // Nothing but the output is written: the session's folder is as it was (but for the
        // configuration this test wrote there first).
        let after = snapshot(hot.folder)
        #expect(after.filter { before[$0.key] != nil } == before)
        #expect(Set(after.keys).subtracting(before.keys).allSatisfy { $0.hasPrefix("config") })
        #expect(snapshot(output).keys.sorted() == [(path as NSString).lastPathComponent])
        return (path, result)
    }

    @Test(arguments: Format.allCases, [8_000, 22_050, 44_100, 48_000, 96_000])
    func theCeilingHoldsAfterEncoding(format: Format, rate: Int) throws {
        let (path, result) = try render(format, rate: rate, ceiling: -1)
        #expect(result.status == 0, "\(result.stderr)")
        let ffmpeg = try ffmpegTruePeak(path)
        let reader = try AudioFileReader(path: path)
        #expect(reader.sampleRate == rate)
        let libebur128 = try libebur128TruePeak(try reader.readAll(), sampleRate: rate)
        #expect(ffmpeg <= -1 + Self.tolerance, "\(format) at \(rate) Hz: ffmpeg reads \(ffmpeg) dBTP")
        #expect(libebur128 <= -1 + Self.tolerance, "\(format) at \(rate) Hz: libebur128 reads \(libebur128) dBTP")
        // The session is hot: the limiter works at the ceiling, not far under it (a lossy file a
        // little further, where its ceiling was lowered to absorb the encoder's overshoot).
        #expect(ffmpeg > (format == .oggVorbis ? -2.5 : -1.3), "\(format) at \(rate) Hz: only \(ffmpeg) dBTP")
    }

    /// Another ceiling, set in the configuration: the same promise.
    @Test(arguments: [Format.oggVorbis, .wavPCM16], [8_000, 44_100])
    func aLowerCeilingHoldsToo(format: Format, rate: Int) throws {
        let (path, result) = try render(format, rate: rate, ceiling: -3)
        #expect(result.status == 0, "\(result.stderr)")
        let ffmpeg = try ffmpegTruePeak(path)
        #expect(ffmpeg <= -3 + Self.tolerance, "\(format) at \(rate) Hz, ceiling -3: ffmpeg reads \(ffmpeg) dBTP")
        #expect(ffmpeg > -4.5)
    }

    /// Playing aloud: what reaches the device (through ALSA's `file` PCM, in front of a sound
    /// server that plays in real time) stays under the ceiling too.
    @Test(arguments: [8_000, 44_100, 48_000])
    func theCeilingHoldsWhenPlayed(rate: Int) throws {
        let hot = try Self.hot.get()
        let server = try SoundServer()
        var environment = server.respiteEnvironment
        environment.merge(try hot.environment(ceiling: -1)) { $1 }
        let child = try Child(
            Respite.executable, ["play", hot.session, "--device", "respite_capture", "--plain", "--rate", "\(rate)"],
            environment: environment)
        #expect(child.wait() == 0, "\(child.output)")
        let samples = server.captured()
        #expect(samples.count > rate * 2 * 6, "about 7 s of sound was played")
        let ffmpeg = try ffmpegTruePeak(server.capture, rawRate: rate)
        let libebur128 = try libebur128TruePeak(samples, sampleRate: rate)
        #expect(ffmpeg <= -1 + Self.tolerance, "played at \(rate) Hz: ffmpeg reads \(ffmpeg) dBTP")
        #expect(libebur128 <= -1 + Self.tolerance, "played at \(rate) Hz: libebur128 reads \(libebur128) dBTP")
        #expect(ffmpeg > -1.3)
    }
}
