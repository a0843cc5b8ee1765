import AudioIO
import Foundation
import NeuralVoiceSupport
import Testing

/// The neural voice through the command line: who speaks each narration, the fallback and its one notice,
/// `--voice espeak`, `respite voices`, and a model a session names that is not installed.
@Suite(.serialized) struct NeuralVoiceEndToEndTests {
    /// Piper as `make voices` installed it, for a `respite` whose data folder is elsewhere.
    static var neural: [String: String] {
        var environment = ["RESPITE_VOICE": "session"]
        environment["RESPITE_PIPER"] = NeuralVoice.installed.program ?? "/nonexistent/piper"
        environment["RESPITE_VOICES"] = NeuralVoice.installed.folders.joined(separator: ":")
        return environment
    }

    static func narrationVoices(_ json: String) throws -> [String?] {
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(json.prefix(300))")
        let events = try #require(document["events"] as? [[String: Any]])
        return events.filter { $0["kind"] as? String == "narration" }.map { $0["voice"] as? String }
    }

    @Test(.enabled(if: NeuralVoice.enabled, "the neural voice is not installed (`make voices`)"))
    func theTimelineNamesTheNeuralVoiceForEveryNarration() throws {
        let result = try Respite.run(["timeline", "pmr-short", "--json"], environment: Self.neural)
        #expect(result.status == 0, "\(result.stderr)")
        let voices = try Self.narrationVoices(result.stdout)
        #expect(voices.count >= 15)
        #expect(voices.allSatisfy { $0 == "piper:en_US-joe-medium" }, "\(voices)")
        #expect(!result.stderr.contains("espeak-ng"), "\(result.stderr)")
    }

    @Test func withTheNeuralEngineHiddenEspeakSpeaksAndItIsSaidOnce() throws {
        let result = try Respite.run(
            ["timeline", "pmr-short", "--json"], environment: ["RESPITE_VOICE": "session", "RESPITE_PIPER": ""])
        #expect(result.status == 0, "\(result.stderr)")
        let voices = try Self.narrationVoices(result.stdout)
        #expect(!voices.isEmpty && voices.allSatisfy { $0 == "espeak:en-us" }, "\(voices)")
        let notices = result.stderr.split(separator: "\n").filter { $0.contains("Speaking with espeak-ng") }
        #expect(notices.count == 1, "\(result.stderr)")
        #expect(notices.first?.contains("turned off") == true, "\(result.stderr)")
    }

    @Test func voiceEspeakIsAChoiceAndNeedsNoNotice() throws {
        let result = try Respite.run(
            ["timeline", "breathing-paced", "--json", "--voice", "espeak"], environment: Self.neural)
        #expect(result.status == 0, "\(result.stderr)")
        let voices = try Self.narrationVoices(result.stdout)
        #expect(!voices.isEmpty && voices.allSatisfy { $0 == "espeak:en-us" }, "\(voices)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        let bad = try Respite.run(["timeline", "breathing-paced", "--voice", "festival"])
        #expect(bad.status == 64, "\(bad.status) \(bad.stderr)")
        #expect(bad.stderr.contains("'session'") && bad.stderr.contains("'espeak'"), "\(bad.stderr)")
    }

    @Test func voicesListsTheEnginesAndWhatEachBundledSessionUses() throws {
        let result = try Respite.run(["voices", "--json"], environment: Self.neural)
        #expect(result.status == 0, "\(result.stderr)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let voices = try #require(document["voices"] as? [[String: Any]])
        #expect(voices.contains { $0["voice"] as? String == "espeak:en-us" })
        let sessions = try #require(document["sessions"] as? [[String: Any]])
        let bundled = try FileManager.default.contentsOfDirectory(atPath: Respite.repository + "/Sessions")
            .filter { $0.hasSuffix(".json") && !$0.hasSuffix(".schema.json") }.map { String($0.dropLast(5)) }
        #expect(bundled.count >= 10)
        #expect(Set(sessions.compactMap { $0["id"] as? String }) == Set(bundled))
        // English sessions ask for the neural voice; the Spanish and Chinese ones for espeak-ng's voice of their
        // language (no neural voice of theirs is installed).
        let english = sessions.filter { ($0["language"] as? String)?.hasPrefix("en") == true }
        #expect(english.count >= 10)
        #expect(english.allSatisfy { $0["requested"] as? String == "piper:en_US-joe-medium" })
        #expect(
            sessions.filter { ($0["language"] as? String)?.hasPrefix("es") == true }.allSatisfy {
                $0["requested"] as? String == "espeak:es-419"
            })
        if NeuralVoice.enabled {
            #expect(
                voices.contains {
                    $0["voice"] as? String == "piper:en_US-joe-medium" && $0["language"] as? String == "en_US"
                })
            #expect(english.allSatisfy { $0["voice"] as? String == "piper:en_US-joe-medium" }, "\(sessions)")
        }
        let hidden = try Respite.run(["voices"], environment: ["RESPITE_PIPER": ""])
        #expect(hidden.status == 0)
        // Each id whole, in a column as wide as the longest ("relajacion-lugar-seguro").
        let rows = hidden.stdout.split(separator: "\n").map(String.init)
        let pmr = try #require(rows.first { $0.hasPrefix("  pmr-short ") }, "\(hidden.stdout)")
        #expect(pmr.hasSuffix(" espeak:en-us (asks for piper:en_US-joe-medium)"), "\(pmr)")
        let spanish = try #require(rows.first { $0.hasPrefix("  relajacion-lugar-seguro ") }, "\(hidden.stdout)")
        #expect(spanish.hasSuffix(" espeak:es-419"), "\(spanish)")
        #expect(
            pmr.firstRange(of: " espeak")?.lowerBound.utf16Offset(in: pmr)
                == spanish.firstRange(of: " espeak")?.lowerBound.utf16Offset(in: spanish))
    }

    @Test(.enabled(if: NeuralVoice.enabled, "the neural voice is not installed (`make voices`)"))
    func validateReportsAModelThatIsNotInstalledWhereItIsWritten() throws {
        let folder = try Respite.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let original = try String(
            contentsOfFile: Respite.repository + "/Sessions/breathing-paced.json", encoding: .utf8)
        let path = folder + "/breathing-other.json"
        try original.replacingOccurrences(of: "en_US-joe-medium", with: "en_US-nobody-low")
            .replacingOccurrences(of: "\"id\": \"breathing-paced\"", with: "\"id\": \"breathing-other\"")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let line =
            try #require(
                original.split(separator: "\n", omittingEmptySubsequences: false).firstIndex {
                    $0.contains("en_US-joe-medium")
                }) + 1
        let result = try Respite.run(["validate", path], environment: Self.neural)
        #expect(result.status == 65, "\(result.status) \(result.stderr)")
        #expect(result.stderr.contains("breathing-other.json:\(line):"), "\(result.stderr)")
        #expect(result.stderr.contains("voice.model"), "\(result.stderr)")
        #expect(
            result.stderr.contains("en_US-nobody-low") && result.stderr.contains("'en_US-joe-medium'"),
            "\(result.stderr)")
        // Playing it is not refused: espeak-ng speaks, and says why.
        let timeline = try Respite.run(["timeline", path, "--json"], environment: Self.neural)
        #expect(timeline.status == 0, "\(timeline.stderr)")
        #expect(timeline.stderr.contains("the Piper voice 'en_US-nobody-low' is not installed"), "\(timeline.stderr)")
    }

    /// What `make play` does on a machine with no sound card, with the neural engine hidden: the session is saved,
    /// spoken by espeak-ng, and that is said once although the session is prepared twice (to play, then to save).
    @Test func playWithoutTheNeuralEngineOrASoundCardSaysSoOnce() throws {
        let folder = try Respite.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var environment = PlayFallbackTests.noSoundServer(folder)
        environment["RESPITE_VOICE"] = "session"
        environment["RESPITE_PIPER"] = ""
        let result = try Respite.run(["play", "breathing-paced", "--plain"], in: folder, environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: folder + "/breathing-paced.ogg"))
        let notices = result.stderr.split(separator: "\n").filter { $0.contains("Speaking with espeak-ng") }
        #expect(notices.count == 1, "\(result.stderr)")
    }

    /// A stand-in neural engine that takes 1 s a clip (the real one: 0.1–2 s), so that speaking a session takes
    /// long and the same on every machine; its voices folder and program.
    func slowEngine(in folder: String) throws -> [String: String] {
        let program = folder + "/piper"
        let script = """
            #!/bin/bash
            dir="$6"; n=0
            while IFS= read -r line; do
                n=$((n + 1)); sleep 1; espeak-ng -v en-us -w "$dir/$n.wav" -- "$line"
                echo "INFO:__main__:Wrote $dir/$n.wav" >&2
            done
            """
        FileManager.default.createFile(
            atPath: program, contents: Data(script.utf8), attributes: [.posixPermissions: 0o755])
        let voices = folder + "/voices"
        try FileManager.default.createDirectory(atPath: voices, withIntermediateDirectories: true)
        try Data("model".utf8).write(to: URL(fileURLWithPath: voices + "/en_US-joe-medium.onnx"))
        try Data(#"{ "audio": { "sample_rate": 22050 }, "language": { "code": "en_US" } }"#.utf8)
            .write(to: URL(fileURLWithPath: voices + "/en_US-joe-medium.onnx.json"))
        return [
            "RESPITE_VOICE": "session", "RESPITE_PIPER": program, "RESPITE_VOICES": voices,
            "XDG_CACHE_HOME": folder + "/cache",
        ]
    }

    /// A play from a later step is prepared whole, so its first play with the neural voice speaks for seconds
    /// before it sounds: Ctrl-C then stops it at once, not when the last clip is spoken.
    @Test func ctrlCWhileTheNarrationIsSpokenStopsAtOnce() throws {
        let folder = try Respite.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let child = try DataSafety.start(
            ["play", "pmr-short", "--plain", "--device", "null", "--from", "3"], environment: try slowEngine(in: folder)
        )
        usleep(2_500_000)
        #expect(child.isRunning, "still speaking the narration: \(child.output)")
        let signalled = ContinuousClock.now
        kill(child.pid, SIGINT)
        let status = child.wait()
        let took = ContinuousClock.now - signalled
        #expect(status == 0, "\(child.errors)")
        #expect(child.output.contains("Stopped before the session began."), "\(child.output)")
        // The clip being spoken finishes (1 s here), then nothing more: pmr-short has 27.
        #expect(took < .seconds(3), "\(took)")
    }

    /// A first play from the start sounds before its narration is spoken: the opening bowl plays while the
    /// engine, 1 s a clip, is still on its first clips. Ctrl-C stops it gently, and the engine with it.
    @Test func aFirstPlaySoundsBeforeItsNarrationIsSpokenAndCtrlCStopsIt() throws {
        let folder = try Respite.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let child = try DataSafety.start(
            ["play", "pmr-short", "--plain", "--device", "null"], environment: try slowEngine(in: folder))
        usleep(2_500_000)
        #expect(child.isRunning)
        #expect(child.output.contains("step 1 of 17: Opening bowl"), "playing already: \(child.output)")
        kill(child.pid, SIGINT)
        let status = child.wait()
        #expect(status == 0, "\(child.errors)")
        #expect(child.output.contains("Stopped at "), "\(child.output)")
        #expect(child.output.contains(" of about "), "the length is not known yet: \(child.output)")
        // The engine ends with the player (within the clip it was speaking): no stand-in is left running.
        func engines() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { pid in
                guard Int(pid) != nil,
                    let command = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)
                else { return false }
                return command.contains(folder + "/piper")
            }
        }
        for _ in 0..<50 where !engines().isEmpty { usleep(100_000) }
        #expect(engines().isEmpty, "engines left running: \(engines())")
    }
}
