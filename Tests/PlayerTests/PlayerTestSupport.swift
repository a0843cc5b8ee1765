import AudioIO
import Foundation
import Player
import SessionKit

/// A temporary folder with a session file in it, and a speech cache of its own.
struct Fixture {
    let folder: String
    let cache: String

    init() throws {
        folder = NSTemporaryDirectory() + "respite-player-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // The speech cache is shared between tests on purpose: synthesis is deterministic.
        cache = NSTemporaryDirectory() + "respite-test-speech-cache"
    }

    static let header = """
        "format": 1, "id": "fixture", "title": "Fixture", "description": "A test session.",
        "language": "en", "author": "Respite tests", "version": "1.0.0",
        "protocol": { "name": "test", "evidence": "not graded",
                      "source": "tests" },
        "safety": ["Stop if anything hurts or feels wrong."],
        """

    /// Writes a session whose body (after the common metadata) is `body`, and loads it.
    func session(_ body: String, name: String = "session.json") throws -> Session {
        let path = folder + "/" + name
        try ("{" + Fixture.header + body + "}").write(toFile: path, atomically: true, encoding: .utf8)
        return try SessionLoader(audioRoot: Fixture.audioRoot).load(contentsOf: path)
    }

    /// Prepares as `respite` does: loudness normalised per bus and trimmed to the programme target
    /// (unless `normalised` is false, for tests about a source's own level).
    /// `piper`: the neural voices the synthesiser may use (none: espeak-ng speaks every session).
    func prepare(
        _ session: Session, set: [String] = [], rate: Int = 48_000, normalised: Bool = true,
        piper: PiperVoices = .none
    ) throws -> PreparedSession {
        let parameters = try session.parameters.applying(
            set, to: session, loader: SessionLoader(audioRoot: Fixture.audioRoot))
        var preparer = SessionPreparer(
            sampleRate: rate, audioRoot: Fixture.audioRoot,
            synthesizer: try SpeechSynthesizer(cacheDirectory: cache, piper: piper))
        if normalised {
            preparer.loudness = LoudnessCache(directory: cache + "-loudness")
            preparer.programme = ProgramLoudness(directory: cache + "-programme")
        }
        return try preparer.prepare(session, parameters: parameters)
    }

    /// The repository's `Audio/` folder.
    static let audioRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.path + "/Audio/music") { return url.path + "/Audio" }
        }
        return "Audio"
    }()

    static var sessionsFolder: String { (audioRoot as NSString).deletingLastPathComponent + "/Sessions" }
}

/// Left channel of interleaved stereo.
func leftChannel(_ interleaved: [Float]) -> [Float] {
    stride(from: 0, to: interleaved.count, by: 2).map { interleaved[$0] }
}

func rms(_ x: ArraySlice<Float>) -> Float {
    guard !x.isEmpty else { return 0 }
    var sum: Float = 0
    for v in x { sum += v * v }
    return (sum / Float(x.count)).squareRoot()
}

func decibels(_ x: Float) -> Double { 20 * log10(Double(max(x, 1e-12))) }
