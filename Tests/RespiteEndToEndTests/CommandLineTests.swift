import Foundation
import Testing

/// Runs the built `respite` executable as a user would, and checks what it prints and returns.
struct Respite {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let executable: String = {
        // The test bundle sits next to the products it was built with.
        var url = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = url.appendingPathComponent("respite").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            url.deleteLastPathComponent()
        }
        return ".build/debug/respite"
    }()

    static let repository: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.path + "/Sessions/pmr-short.json") { return url.path }
        }
        return "."
    }()

    /// Where this run of the suite keeps the listener's state and data (remembered choices, the history): its
    /// own, so that nothing a run of another version left behind (a history of an older schema) is read.
    static let runFolder: String = {
        let folder = NSTemporaryDirectory() + "respite-e2e-run-\(getpid())"
        TemporaryFiles.remove(atExit: folder)
        return folder
    }()

    static func run(
        _ arguments: [String], in directory: String? = nil, environment extra: [String: String] = [:]
    ) throws -> Result {
        var environment = ProcessInfo.processInfo.environment
        environment["RESPITE_HOME"] = repository
        // Narration in espeak-ng: the neural voice has tests of its own (NeuralVoiceTests).
        environment["RESPITE_VOICE"] = "espeak"
        environment["XDG_CACHE_HOME"] = NSTemporaryDirectory() + "respite-e2e-cache"
        // Remembered choices and places, and sessions of the user's own, stay out of the tests (and the tests' out of them).
        environment["XDG_STATE_HOME"] = Respite.runFolder + "/state"
        environment["XDG_DATA_HOME"] = Respite.runFolder + "/data"
        environment.merge(extra) { $1 }
        let child = try Child(
            executable, arguments, environment: environment, directory: directory, separateErrors: true)
        let status = child.wait()
        return Result(status: status, stdout: child.output, stderr: child.errors)
    }

    static func temporaryFolder() throws -> String {
        let folder = NSTemporaryDirectory() + "respite-e2e-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        TemporaryFiles.remove(atExit: folder)
        return folder
    }
}

@Suite(.serialized) struct CommandLineTests {
    @Test func validateAcceptsTheBundledSessions() throws {
        let sessions = ["pmr-short", "imagery-meadow", "breathing-paced"].map {
            Respite.repository + "/Sessions/\($0).json"
        }
        let result = try Respite.run(["validate"] + sessions)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 3)
        #expect(result.stdout.contains("ok: "))
    }

    @Test func validateReportsEveryProblemWithItsPlace() throws {
        let folder = try Respite.temporaryFolder()
        let path = folder + "/bad.json"
        try """
        {
          "format": 1, "id": "bad one", "title": "Bad", "description": "x", "language": "en",
          "author": "t", "version": "1",
          "protocol": { "name": "n", "evidence": "medium", "source": "s" },
          "safety": ["Stop if anything hurts."],
          "steps": [ { "type": "pmr", "group": "hands", "prepare": "Make fists.", "tense_s": 5, "relax": 20 } ]
        }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try Respite.run(["validate", path])
        #expect(result.status == 65)
        #expect(result.stderr.contains("\(path):2:"), "\(result.stderr)")
        #expect(result.stderr.contains("protocol.evidence"))
        #expect(result.stderr.contains("did you mean 'tense'?"))
        #expect(result.stderr.contains("steps[0]"))
        #expect(result.stdout.isEmpty)
    }

    @Test func aCuePastTheEndOfItsStepFailsValidateWithItsPlace() throws {
        let folder = try Respite.temporaryFolder()
        let path = folder + "/late-cue.json"
        try """
        {
          "format": 1, "id": "late-cue", "title": "Late", "description": "x", "language": "en",
          "author": "t", "version": "1", "protocol": { "name": "n", "evidence": "not graded", "source": "s" },
          "safety": ["Stop if anything hurts."],
          "steps": [ { "type": "silence", "seconds": 3 },
                     { "type": "narration", "text": "Rest.", "pause": 1, "cues": [{ "at": 20, "sound": "builtin:chime" }] },
                     { "type": "silence", "seconds": 30 } ]
        }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try Respite.run(["validate", path])
        #expect(result.status == 65, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("\(path):6:"), "\(result.stderr)")
        #expect(result.stderr.contains("steps[1]: a cue at 0:23.0 is past the end of its step"), "\(result.stderr)")
        #expect(!result.stdout.contains("ok:"))
    }

    @Test func aMissingSessionIsNamedWithTheChoices() throws {
        let result = try Respite.run(["validate", "pmr-shrt"])
        #expect(result.status == 66)
        #expect(result.stderr.contains("Did you mean 'pmr-short'?"), "\(result.stderr)")
    }

    @Test func renderWritesExactlyTheTimelinesFrames() throws {
        let folder = try Respite.temporaryFolder()
        let timeline = try Respite.run([
            "timeline", "breathing-paced", "--json", "--rate", "44100", "--set", "music=none",
        ])
        #expect(timeline.status == 0, "\(timeline.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(timeline.stdout.utf8)) as? [String: Any]
        let frames = document?["durationFrames"] as? Int ?? -1
        #expect(document?["sampleRate"] as? Int == 44_100)
        #expect((document?["events"] as? [Any])?.isEmpty == false)
        let output = folder + "/breathing.wav"
        let render = try Respite.run([
            "render", "breathing-paced", "-o", output, "--rate", "44100", "--set", "music=none",
        ])
        #expect(render.status == 0, "\(render.stderr)")
        #expect(render.stdout.contains("\(frames) frames at 44100 Hz"))
        // A canonical WAV: 44-byte header, then 24-bit stereo frames.
        let size = try FileManager.default.attributesOfItem(atPath: output)[.size] as? Int ?? 0
        #expect(size - 44 == frames * 2 * 3)
    }

    @Test func timelineShowsPMRPhasesInOrder() throws {
        let result = try Respite.run(["timeline", "pmr-short", "--set", "skip=left-arm"])
        #expect(result.status == 0, "\(result.stderr)")
        let kinds = result.stdout.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            return fields.count > 2 ? String(fields[2]) : nil
        }
        let tense = kinds.firstIndex(of: "tense")
        let release = kinds.firstIndex(of: "release")
        #expect(tense != nil && release != nil && tense! < release!)
        #expect(result.stdout.contains("rest "), "the skipped arm speaks its rest text")
        #expect(kinds.filter { $0 == "tense" }.count == 6, "7 groups, one skipped")
    }

    @Test func listShowsTheBundledSessionsWithWhatTheyHelpWith() throws {
        let result = try Respite.run(["list"])
        #expect(result.status == 0, "\(result.stderr)")
        for id in ["pmr-short", "imagery-meadow", "breathing-paced"] { #expect(result.stdout.contains(id)) }
        let rows = result.stdout.split(separator: "\n").filter { !$0.hasPrefix("id ") && !$0.hasPrefix("(") }
        #expect(rows.count >= 10)
        #expect(result.stdout.split(separator: "\n").first?.hasSuffix("helps with") == true)
        let pmr = try #require(rows.first { $0.hasPrefix("pmr-short ") })
        #expect(pmr.hasSuffix("pain, anxiety, tension"))
    }

    @Test func listJSONCarriesEachSessionsEvidenceList() throws {
        let result = try Respite.run(["list", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let sessions = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(sessions.count >= 10)
        let pmr = try #require(sessions.first { $0["id"] as? String == "pmr-short" })
        let evidence = try #require(pmr["evidence"] as? [[String: Any]])
        #expect(evidence.count == 2)
        #expect(evidence.first?["therapy"] as? String == "guided imagery with progressive muscle relaxation")
        #expect(evidence.first?["match"] as? String == "partial")
        #expect(evidence.first?["quality"] as? String == "low")
        #expect(pmr["graded"] as? Bool == true)
        #expect((pmr["helpsWith"] as? [String])?.contains("pain") == true)
        #expect((pmr["durationSeconds"] as? Double ?? 0) > 600)
    }

    @Test func theTimelineShowsTheNowAndTheReleaseAsTheirOwnEvents() throws {
        let result = try Respite.run(["timeline", "pmr-short", "--json", "--set", "pace=2"])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let events = try #require(document["events"] as? [[String: Any]])
        let holds = events.filter { $0["kind"] as? String == "tense" }
        #expect(holds.count == 7)
        for hold in holds {
            let frame = hold["frame"] as? Int ?? -1
            let length = hold["lengthFrames"] as? Int ?? 0
            // Pace 2 would make a 6 s hold 12 s: it stays at 7.
            #expect(length == 7 * 48_000)
            #expect(events.contains { $0["frame"] as? Int == frame && $0["text"] as? String == "Now." })
            #expect(events.contains { $0["frame"] as? Int == frame + length && $0["kind"] as? String == "release" })
        }
    }

    @Test func badParametersAndFormatsGetClearErrors() throws {
        let pace = try Respite.run(["timeline", "pmr-short", "--set", "paces=1.2"])
        #expect(pace.status == 65)
        #expect(pace.stderr.contains("did you mean 'pace'?"), "\(pace.stderr)")
        let skip = try Respite.run(["timeline", "pmr-short", "--set", "skip=left-armm"])
        #expect(skip.status == 65)
        #expect(skip.stderr.contains("left-arm"), "\(skip.stderr)")
        let unwritable = try Respite.run(["render", "breathing-paced", "-o", "/nonexistent-folder/out.wav"])
        #expect(unwritable.status == 73, "\(unwritable.stderr)")
        #expect(unwritable.stderr.contains("/nonexistent-folder/out.wav"))
        let format = try Respite.run(["render", "pmr-short", "-o", NSTemporaryDirectory() + "x.mp4"])
        #expect(format.status == 73)
        #expect(format.stderr.contains(".flac"), "\(format.stderr)")
    }

    /// espeak-ng and the twenty-odd libraries it needs are loaded only when a sentence has to be synthesised: a
    /// session whose narration is recorded, or already in the speech cache, renders without them (the dynamic
    /// loader's own log says what it loaded).
    @Test func speechIsLoadedOnlyWhenNarrationNeedsSynthesising() throws {
        let folder = try Respite.temporaryFolder()
        let sox = try Child(
            "/usr/bin/sox",
            ["-n", "-r", "22050", "-c", "1", folder + "/voice.wav", "synth", "1.5", "pinknoise", "fade", "0.1"],
            environment: ProcessInfo.processInfo.environment)
        #expect(sox.wait() == 0, "\(sox.output)")
        func session(_ narration: String) -> String {
            """
            {"format": 1, "id": "recorded", "title": "Recorded", "description": "One recorded sentence.",
             "language": "en", "author": "tests", "version": "1",
             "protocol": {"name": "n", "evidence": "not graded", "source": "s"},
             "safety": ["Stop if anything hurts."],
             "steps": [\(narration)]}
            """
        }
        try session(#"{"type": "narration", "text": "Rest.", "audio": "voice.wav"}"#)
            .write(toFile: folder + "/recorded.json", atomically: true, encoding: .utf8)
        try session(#"{"type": "narration", "text": "Rest now, and breathe out slowly."}"#)
            .write(toFile: folder + "/spoken.json", atomically: true, encoding: .utf8)

        let recorded = try Respite.run(
            ["render", folder + "/recorded.json", "-o", folder + "/recorded.wav"], environment: ["LD_DEBUG": "files"])
        #expect(recorded.status == 0, "\(recorded.stderr)")
        #expect(recorded.stderr.contains("file=libsndfile.so.1"), "the loader's log is there")
        #expect(!recorded.stderr.contains("libespeak-ng"))
        #expect(!recorded.stderr.contains("libpulse"))

        let emptyCache = ["LD_DEBUG": "files", "XDG_CACHE_HOME": folder + "/cache"]
        let spoken = try Respite.run(
            ["render", folder + "/spoken.json", "-o", folder + "/spoken.wav"], environment: emptyCache)
        #expect(spoken.status == 0, "\(spoken.stderr)")
        #expect(
            spoken.stderr.contains("file=libespeak-ng.so.1 [0];  dynamically loaded"), "\(spoken.stderr.prefix(2000))")

        let cached = try Respite.run(
            ["render", folder + "/spoken.json", "-o", folder + "/again.wav"], environment: emptyCache)
        #expect(cached.status == 0, "\(cached.stderr)")
        #expect(!cached.stderr.contains("libespeak-ng"), "the second render finds the sentence in the cache")
        let first = FileManager.default.contents(atPath: folder + "/spoken.wav")
        #expect(first != nil && FileManager.default.contents(atPath: folder + "/again.wav") == first)
    }

    @Test func playWithoutASoundDeviceSaysSoAndRendersToAFile() throws {
        let folder = try Respite.temporaryFolder()
        // An ALSA configuration in which `default` is a sound card that does not exist, as on a
        // machine with no sound card and no sound server.
        try "pcm.!default { type hw card 99 }\n".write(toFile: folder + "/alsa.conf", atomically: true, encoding: .utf8)
        let result = try Respite.run(
            ["play", "breathing-paced"], in: folder, environment: PlayFallbackTests.noSoundServer(folder))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Stop if anything hurts"), "safety notes come first")
        #expect(result.stderr.contains("cannot play aloud here"), "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: folder + "/breathing-paced.ogg"))
    }
}

/// Loudness of what `respite render` writes, read by an independent meter: ffmpeg's ebur128 filter.
@Suite(.serialized) struct RenderLoudnessTests {
    /// Integrated loudness (LUFS) and true peak (dBTP) as ffmpeg's ebur128 filter reports them.
    func measure(_ path: String) throws -> (integrated: Double, truePeak: Double) {
        let ffmpeg = try Child(
            "/usr/bin/ffmpeg", ["-hide_banner", "-nostats", "-i", path, "-af", "ebur128=peak=true", "-f", "null", "-"],
            environment: ProcessInfo.processInfo.environment)
        _ = ffmpeg.wait()
        let text = ffmpeg.output
        // The summary at the end: "I:  -23.0 LUFS" … "Peak:  -2.9 dBFS".
        let summary = text.components(separatedBy: "Summary:").last ?? ""
        func value(after label: String) -> Double? {
            guard let range = summary.range(of: label) else { return nil }
            return Double(summary[range.upperBound...].trimmingCharacters(in: .whitespaces).prefix { $0 != " " })
        }
        return (value(after: "I:") ?? .nan, value(after: "Peak:") ?? .nan)
    }

    @Test(arguments: ["pmr-short", "imagery-meadow", "breathing-paced"])
    func eachSessionIsAtItsTargetAndUnderTheCeiling(_ id: String) throws {
        let folder = try Respite.temporaryFolder()
        let output = folder + "/\(id).wav"
        let render = try Respite.run(["render", id, "-o", output])
        #expect(render.status == 0, "\(render.stderr)")
        let (integrated, truePeak) = try measure(output)
        #expect(abs(integrated - -23) <= 1, "\(id): \(integrated) LUFS, target -23")
        #expect(truePeak <= -1, "\(id): true peak \(truePeak) dBTP over the -1 dBTP ceiling")
    }
}

@Suite struct LintTests {
    @Test func bundledSessionsHaveNoErrors() throws {
        let result = try Respite.run(["lint", "breathing-paced"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("LUFS"))
        #expect(result.stdout.contains("0 errors"))
    }

    @Test func findsShortFadesCuesOverSpeechAndMusicOverTheVoice() throws {
        let folder = try Respite.temporaryFolder()
        let path = folder + "/loud.json"
        try """
        {
          "format": 1, "id": "loud", "title": "Loud", "description": "A session with problems.", "language": "en",
          "author": "tests", "version": "1",
          "protocol": { "name": "n", "evidence": "not graded", "source": "s" },
          "safety": ["Stop if anything hurts."],
          "voice": { "gain": -6 },
          "music": { "source": "builtin:drone", "gain": 12, "duck": 1, "fadeIn": 0.005 },
          "steps": [
            { "type": "narration", "text": "Let your shoulders drop, and breathe out slowly.", "pause": 1,
              "cues": [{ "at": 0.8, "sound": "builtin:chime" }] }
          ]
        }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try Respite.run(["lint", path])
        #expect(result.status == 65, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("error: music.fadeIn is 0.005 s"))
        #expect(result.stdout.contains("louder than the narration"))
        #expect(result.stdout.contains("warning: steps[0]: a cue at 0:00.8 sounds while narration speaks"))
        // And, since the words start under the fade-in and the notes lack the uneasy-when-relaxing one, two more.
        #expect(result.stdout.contains("2 errors, 3 warnings"))
    }
}

/// What the suite leaves in the temporary folder, removed when the test process exits: renders, captures,
/// histories and children's output come to about 600 MB a run, and a machine that runs the suite daily filled its
/// disk with them.
enum TemporaryFiles {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var paths: [String] = []
    private static let registered: Void = {
        atexit { TemporaryFiles.removeAll() }
    }()

    /// Removes `path` (a file or a folder, with everything in it) when the process exits.
    static func remove(atExit path: String) {
        _ = registered
        lock.withLock { paths.append(path) }
    }

    private static func removeAll() {
        let all = lock.withLock { paths }
        for path in all { try? FileManager.default.removeItem(atPath: path) }
    }
}
