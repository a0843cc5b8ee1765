import Foundation
import Testing

@testable import SessionKit

@Suite("SessionLoader")
struct SessionLoaderTests {
    static let docExampleSession = Session(
        format: 1, id: "hands-only", title: "Hands and breath",
        description: "A three-minute pause: one muscle group, a few slow breaths.", language: "en",
        author: "Respite team", version: "1.0.0", tags: [], helpsWith: ["tension"],
        protocol: ProtocolInfo(
            name: "Abbreviated progressive muscle relaxation, one group", source: "Bernstein & Borkovec 1973"),
        safety: ["Stop if anything hurts or feels wrong."], voice: Voice(), parameters: Parameters(),
        music: Music(source: .builtin(.drone), gain: -20), blockNames: [],
        steps: [
            Step(kind: .narration(Narration(text: "Settle into a comfortable position.", pause: 2)), path: "steps[0]"),
            Step(
                kind: .pmr(
                    PMR(
                        group: "hands", prepare: "In a moment, when I say now, gently make two fists.", tense: 5,
                        relax: 30, rest: "Let your hands rest.",
                        releaseOnly: ReleaseOnlyText(text: "Notice your hands, and let them soften."))),
                path: "steps[1]"),
            Step(kind: .breathing(Breathing(inhale: 4, exhale: 6, cycles: 3, pacer: .chime)), path: "steps[2]"),
            Step(kind: .bell(sound: .builtin(.bell), gain: -6, seconds: 6), path: "steps[3]"),
        ],
        directory: "/sessions")

    @Test("the format document's example loads into the exact expected session")
    func docExample() throws {
        // The copy here is the document's, character for character.
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.path + "/docs/session-format.md") {
            url.deleteLastPathComponent()
        }
        let document = try String(contentsOfFile: url.path + "/docs/session-format.md", encoding: .utf8)
        let example = try #require(document.range(of: "## Example\n```json\n"))
        let end = try #require(document.range(of: "\n```", range: example.upperBound..<document.endIndex))
        #expect(String(document[example.upperBound..<end.lowerBound]) + "\n" == TestSupport.docExample + "\n")
        let session = try TestSupport.load(TestSupport.docExample)
        #expect(session == Self.docExampleSession)
    }

    @Test("a session starting with a UTF-8 byte order mark loads like one without")
    func byteOrderMark() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(TestSupport.docExample.utf8)
        let session = try TestSupport.loader.load(bytes: bytes, file: "bom.json", directory: "/sessions")
        #expect(session == Self.docExampleSession)
    }

    @Test("absent optional keys take the documented defaults")
    func defaults() throws {
        let session = try TestSupport.load(
            TestSupport.session(
                steps: """
                    {"type": "narration", "text": "Hello."},
                    {"type": "silence", "seconds": 3},
                    {"type": "bell"},
                    {"type": "pmr", "group": "face", "prepare": "Frown.", "tense": 5, "relax": 15},
                    {"type": "breathing", "inhale": 4, "exhale": 6, "cycles": 2},
                    {"type": "silence", "seconds": 10, "cues": [{"at": 2, "sound": "builtin:tone"}]}
                    """,
                extra: "\"music\": {\"source\": \"builtin:ocean\"}, \"voice\": {}, \"parameters\": {},"))
        #expect(session.voice == Voice(name: nil, rate: 140, pitch: 40, gain: 0))
        #expect(
            session.parameters == Parameters(pace: 1, music: .session, skip: [], releaseOnly: false, musicGain: nil))
        #expect(
            session.music
                == Music(source: .builtin(.ocean), gain: 0, loop: true, fadeIn: 4, fadeOut: 6, duck: 10))
        #expect(session.tags == [])
        #expect(session.blockNames == [])
        #expect(
            session.steps.map(\.kind) == [
                .narration(Narration(text: "Hello.", audio: nil, pause: 1, gain: 0)),
                .silence(seconds: 3),
                .bell(sound: .builtin(.bell), gain: -6, seconds: 6),
                .pmr(
                    PMR(
                        group: "face", prepare: "Frown.", tense: 5, releaseCue: .builtin(.chime),
                        release: "And let go, all at once.", relax: 15, relaxText: nil, rest: nil)),
                .breathing(Breathing(inhale: 4, hold: 0, exhale: 6, rest: 0, cycles: 2, pacer: .swell, text: nil)),
                .silence(seconds: 10),
            ])
        #expect(session.steps[5].cues == [Cue(at: 2, sound: .builtin(.tone), gain: -6)])
        #expect(session.steps.allSatisfy { $0.label == nil })
    }

    @Test("every key the format defines is read")
    func everyKey() throws {
        let session = try TestSupport.load(
            TestSupport.session(
                steps: """
                    {"type": "narration", "label": "Intro", "text": "Hello.", "audio": "narration/intro.flac",
                     "pause": 0, "gain": -3, "cues": [{"at": 0, "sound": "builtin:bowl", "gain": -12}],
                     "releaseOnly": {"text": ""}},
                    {"type": "bell", "sound": "audio:music/tide-pad.ogg", "gain": -10, "seconds": 8},
                    {"type": "pmr", "group": "left-arm", "prepare": "Fist.", "now": "Go.", "nowCue": "builtin:tone",
                     "tense": 7, "relax": 60, "releaseCue": "builtin:bell", "release": "Let go.", "relaxText": "Notice.",
                     "rest": "Rest.", "releaseOnly": {"text": "Notice the arm.", "relaxText": "Rest it."}},
                    {"type": "breathing", "inhale": 1, "hold": 10, "exhale": 15, "rest": 10, "cycles": 100,
                     "pacer": "none", "text": "Breathe.", "gentle": {"inhale": 2, "exhale": 3, "rest": 1, "text": "Easy."}}
                    """,
                extra: """
                    "tags": ["pmr", "short"], "helpsWith": ["pain", "sleep"],
                    "voice": {"name": "en-gb", "rate": 80, "pitch": 99, "gain": 12},
                    "parameters": {"pace": 0.5, "music": "none", "skip": ["left-arm"], "releaseOnly": true,
                                   "musicGain": -60, "gentleBreathing": true},
                    "music": {"source": "narration/breath.wav", "gain": -60, "loop": false, "fadeIn": 0,
                              "fadeOut": 3600, "duck": 40},
                    """))
        #expect(session.tags == ["pmr", "short"])
        #expect(session.helpsWith == ["pain", "sleep"])
        #expect(session.voice == Voice(name: "en-gb", rate: 80, pitch: 99, gain: 12))
        #expect(
            session.parameters
                == Parameters(
                    pace: 0.5, music: .off, skip: ["left-arm"], releaseOnly: true, musicGain: -60,
                    gentleBreathing: true))
        #expect(
            session.music
                == Music(
                    source: .file("narration/breath.wav"), gain: -60, loop: false, fadeIn: 0, fadeOut: 3600, duck: 40))
        #expect(
            session.steps == [
                Step(
                    label: "Intro",
                    kind: .narration(
                        Narration(
                            text: "Hello.", audio: .file("narration/intro.flac"), pause: 0, gain: -3,
                            releaseOnly: ReleaseOnlyText(text: ""))),
                    cues: [Cue(at: 0, sound: .builtin(.bowl), gain: -12)], path: "steps[0]"),
                Step(kind: .bell(sound: .bundled("music/tide-pad.ogg"), gain: -10, seconds: 8), path: "steps[1]"),
                Step(
                    kind: .pmr(
                        PMR(
                            group: "left-arm", prepare: "Fist.", now: "Go.", nowCue: .builtin(.tone), tense: 7,
                            releaseCue: .builtin(.bell), release: "Let go.", relax: 60, relaxText: "Notice.",
                            rest: "Rest.",
                            releaseOnly: ReleaseOnlyText(text: "Notice the arm.", relaxText: "Rest it."))),
                    path: "steps[2]"),
                Step(
                    kind: .breathing(
                        Breathing(
                            inhale: 1, hold: 10, exhale: 15, rest: 10, cycles: 100, pacer: .none, text: "Breathe.",
                            gentle: GentleBreathing(inhale: 2, exhale: 3, rest: 1, text: "Easy."))),
                    path: "steps[3]"),
            ])
    }

    /// Every JSON example in docs/session-format.md loads: a step on its own, or top-level members (with their own
    /// steps, or a silence), in an otherwise minimal session.
    @Test func everyExampleInTheFormatDocumentLoads() throws {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.path + "/docs/session-format.md") {
            url.deleteLastPathComponent()
        }
        let document = try String(contentsOfFile: url.path + "/docs/session-format.md", encoding: .utf8)
        let blocks = document.components(separatedBy: "```json\n").dropFirst().compactMap {
            $0.components(separatedBy: "\n```").first
        }
        #expect(blocks.count >= 6)
        let header = """
            "format": 1, "id": "x", "title": "T", "description": "D", "language": "en", "author": "A",
            "version": "1", "safety": ["Stop if it hurts."],
            """
        for block in blocks where !block.hasPrefix("{\n  \"format\"") {
            let text: String
            if block.hasPrefix("{") {
                text =
                    "{" + header + #""protocol": {"name": "n", "source": "s", "evidence": "not graded"}, "#
                    + #""steps": ["# + block + "]}"
            } else {
                let protocolMember =
                    block.contains("\"protocol\"")
                    ? "" : #""protocol": {"name": "n", "source": "s", "evidence": "not graded"}, "#
                let stepsMember = block.contains("\"steps\"") ? "" : #", "steps": [{"type": "silence", "seconds": 3}]"#
                text = "{" + header + protocolMember + block + stepsMember + "}"
            }
            do {
                _ = try TestSupport.load(text)
            } catch {
                Issue.record("the example does not load: \(error)\n\(block)")
            }
        }
    }

    @Test("evidence is a list of grades, each with how closely the session delivers it, or not graded")
    func evidenceIsAList() throws {
        let graded = try TestSupport.load(
            TestSupport.session(steps: #"{"type": "silence", "seconds": 5}"#).replacingOccurrences(
                of: #""evidence": "not graded""#,
                with: #"""
                    "audience": "adults", "evidence": [{"guideline": "G 2023", "therapy": "relaxation therapies",
                    "symptom": "anxiety", "quality": "intermediate", "strength": "moderate", "match": "partial",
                    "note": "recorded"}]
                    """#))
        #expect(graded.protocol.audience == "adults")
        #expect(
            graded.protocol.evidence == [
                EvidenceGrade(
                    guideline: "G 2023", therapy: "relaxation therapies", symptom: "anxiety", quality: .intermediate,
                    strength: .moderate, match: .partial, note: "recorded")
            ])
        let ungraded = try TestSupport.load(TestSupport.session(steps: #"{"type": "silence", "seconds": 5}"#))
        #expect(!ungraded.protocol.isGraded)
    }

    @Test("blocks and repeats expand in order, each step keeping the path where it was written")
    func expansion() throws {
        let session = try TestSupport.load(
            TestSupport.session(
                steps: """
                    {"type": "narration", "text": "Start."},
                    {"type": "block", "use": "arms", "repeat": 2, "label": "Arms"},
                    {"type": "repeat", "times": 2, "steps": [
                      {"type": "bell", "label": "Ding"},
                      {"type": "block", "use": "both"}
                    ]}
                    """,
                extra: """
                    "blocks": {
                      "arms": [
                        {"type": "silence", "seconds": 1},
                        {"type": "pmr", "group": "left-arm", "prepare": "Fist.", "tense": 5, "relax": 20}
                      ],
                      "both": [{"type": "block", "use": "arms"}, {"type": "silence", "seconds": 2}]
                    },
                    """))
        #expect(session.blockNames == ["arms", "both"])
        #expect(
            session.steps.map(\.path) == [
                "steps[0]",
                "blocks.arms[0]", "blocks.arms[1]", "blocks.arms[0]", "blocks.arms[1]",
                "steps[2].steps[0]", "blocks.arms[0]", "blocks.arms[1]", "blocks.both[1]",
                "steps[2].steps[0]", "blocks.arms[0]", "blocks.arms[1]", "blocks.both[1]",
            ])
        #expect(
            session.steps.map(\.label) == [
                nil, "Arms", "Arms", "Arms", "Arms", "Ding", nil, nil, nil, "Ding", nil, nil, nil,
            ])
        #expect(session.steps[8].kind == .silence(seconds: 2))
    }

    @Test("exactly 10 000 expanded steps are allowed")
    func expansionLimit() throws {
        let session = try TestSupport.load(
            TestSupport.session(
                steps: """
                    {"type": "repeat", "times": 100, "steps": [
                      {"type": "repeat", "times": 100, "steps": [{"type": "bell", "seconds": 0.1}]}]}
                    """))
        #expect(session.steps.count == 10_000)
        #expect(session.steps[9_999].path == "steps[0].steps[0].steps[0]")
    }

    @Test("all errors of a file are reported together, sorted by position")
    func allErrors() {
        let errors = TestSupport.errors(
            TestSupport.session(
                steps: """
                    {"type": "silence", "seconds": 0},
                    {"type": "bell", "sound": "builtin:bel", "gain": 20}
                    """,
                extra: "\"music\": {\"source\": \"audio:music/nope.ogg\", \"duck\": 50},"))
        #expect(
            errors.map(\.description) == [
                "test.json:5:23: music.source: the bundled sound 'audio:music/nope.ogg' was not found at "
                    + "/audio/music/nope.ogg; check the name against the files in Respite's Audio folder",
                "test.json:5:55: music.duck: must be between 0 and 40 dB (found 50)",
                "test.json:6:44: steps[0].seconds: a duration of 0 seconds does nothing here; "
                    + "write a number of seconds above 0",
                "test.json:7:27: steps[1].sound: unknown built-in sound 'bel'; did you mean 'builtin:bell'?",
                "test.json:7:50: steps[1].gain: must be between -60 and 12 dB (found 20)",
            ])
    }

    @Test("nesting 10 000 levels deep is rejected at level 65 without overflowing the stack")
    func deepNesting() {
        let depth = 10_000
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let errors = TestSupport.errors(text)
        #expect(errors.count == 1)
        #expect(errors.first?.line == 1)
        #expect(errors.first?.column == 65)
        #expect(errors.first?.message == "objects and lists are nested more than 64 levels deep")
        #expect(errors.first?.path == String(repeating: "[0]", count: 64))

        let objects = String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth)
        let objectErrors = TestSupport.errors(objects)
        #expect(objectErrors.map(\.column) == [5 * 64 + 1])
    }

    @Test("a 100 MB file is rejected from its size, without being read")
    func hugeFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("respite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("huge.json").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data("{".utf8)))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 100_000_000)
        try handle.close()

        let clock = ContinuousClock()
        var thrown: SessionErrors?
        let elapsed = clock.measure {
            do throws(SessionErrors) {
                _ = try SessionLoader(audioRoot: nil).load(contentsOf: path)
            } catch { thrown = error }
        }
        let error = try #require(thrown?.errors.first)
        #expect(thrown?.errors.count == 1)
        #expect(error.file == path)
        #expect(error.message == "the file is 95 MiB (100000000 bytes); a session file can be at most 1 MiB")
        #expect(elapsed < .milliseconds(200))
    }

    @Test("a session file on disk loads, its relative sounds resolving against its folder")
    func fromDisk() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("respite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("narration"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(
            FileManager.default.createFile(
                atPath: folder.appendingPathComponent("narration/intro.flac").path, contents: Data()))
        let text = TestSupport.session(steps: #"{"type": "narration", "text": "Hi.", "audio": "narration/intro.flac"}"#)
        let path = folder.appendingPathComponent("s.json").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))

        let loader = SessionLoader(audioRoot: "/opt/respite/Audio")
        let session = try loader.load(contentsOf: path)
        #expect(session.directory == folder.path)
        let place = { (reference: SoundReference, root: String?) in
            reference.location(audioRoot: root, sessionFolder: session.directory).map { "\($0.root)|\($0.relative)" }
        }
        #expect(place(.file("narration/intro.flac"), "/opt/respite/Audio") == folder.path + "|narration/intro.flac")
        #expect(place(.bundled("music/a.ogg"), "/opt/respite/Audio") == "/opt/respite/Audio|music/a.ogg")
        #expect(place(.builtin(.bell), "/opt/respite/Audio") == nil)
        #expect(place(.bundled("music/a.ogg"), nil) == nil)

        // The same file with the recording missing names the resolved path.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("narration/intro.flac"))
        #expect(throws: SessionErrors.self) { try loader.load(contentsOf: path) }
        do {
            _ = try loader.load(contentsOf: path)
        } catch {
            #expect(
                error.errors.map(\.message) == [
                    "the sound file 'narration/intro.flac' was not found at \(folder.path)/narration/intro.flac"
                ])
        }
    }

    @Test("a missing file and a folder are reported plainly")
    func notAFile() {
        let loader = SessionLoader(audioRoot: nil)
        let missing = "/nonexistent-respite/x.json"
        #expect(
            (try? loader.load(contentsOf: missing)) == nil)
        do {
            _ = try loader.load(contentsOf: missing)
        } catch {
            #expect(
                error.description == "\(missing):1:1: there is no file at this path; check the file name and folder")
        }
        do {
            _ = try loader.load(contentsOf: "/tmp")
        } catch {
            #expect(error.errors.map(\.message) == ["this is a folder, not a session file"])
        }
    }

    @Test("inner '..' that stays inside the session's folder is allowed and normalised")
    func innerDotDot() throws {
        let session = try TestSupport.load(
            TestSupport.session(steps: #"{"type": "bell", "sound": "./narration/x/../breath.wav"}"#))
        #expect(session.steps[0].kind == .bell(sound: .file("narration/breath.wav"), gain: -6, seconds: 6))
    }

    @Test("without a known Audio folder, bundled sounds are accepted unchecked")
    func unknownAudioRoot() throws {
        let loader = SessionLoader(audioRoot: nil, fileExists: { _ in false })
        let text = TestSupport.session(steps: #"{"type": "bell", "sound": "audio:bells/far.wav"}"#)
        let session = try loader.load(bytes: Array(text.utf8), file: "t.json", directory: "/s")
        #expect(session.steps[0].kind == .bell(sound: .bundled("bells/far.wav"), gain: -6, seconds: 6))
    }

    @Test("cues on steps whose length depends on speech only need a non-negative 'at'")
    func cuesOnSpeechSteps() throws {
        let session = try TestSupport.load(
            TestSupport.session(
                steps: """
                    {"type": "narration", "text": "Hi.", "cues": [{"at": 300, "sound": "builtin:tone"}]},
                    {"type": "silence", "seconds": 10, "cues": [{"at": 9.5, "sound": "builtin:tone"}]}
                    """))
        #expect(session.steps[0].cues == [Cue(at: 300, sound: .builtin(.tone))])
        let errors = TestSupport.errors(
            TestSupport.session(
                steps: #"{"type": "pmr", "group": "a", "prepare": "I.", "tense": 5, "relax": 20, "#
                    + #""cues": [{"at": -1, "sound": "builtin:tone"}]}"#))
        #expect(errors.map(\.path) == ["steps[0].cues[0].at"])
        #expect(errors.map(\.message) == ["a duration can't be negative (found -1)"])
    }

    @Test("a slower default pace lengthens silences for cues")
    func paceScalesSilence() throws {
        let text = TestSupport.session(
            steps: #"{"type": "silence", "seconds": 10, "cues": [{"at": 12, "sound": "builtin:tone"}]}"#,
            extra: #""parameters": {"pace": 1.5},"#)
        let session = try TestSupport.load(text)
        #expect(session.parameters.pace == 1.5)
    }

    @Test("whole numbers too large for Int are errors, not traps")
    func hugeIntegers() {
        let text = TestSupport.session(
            steps: #"{"type": "breathing", "inhale": 4, "exhale": 6, "cycles": 9223372036854775807}"#
        ).replacingOccurrences(of: "\"format\": 1", with: "\"format\": 1e300")
        #expect(
            TestSupport.errors(text).map { "\($0.path): \($0.message)" } == [
                "format: must be a whole number from 0 to 1000000 (found 1e300)",
                "steps[0].cycles: must be a whole number from 1 to 100 (found 9223372036854775807)",
            ])
    }
}
