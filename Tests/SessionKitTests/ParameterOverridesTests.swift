import Testing

@testable import SessionKit

@Suite("Parameters.applying(--set)")
struct ParameterOverridesTests {
    static let session: Session = {
        let text = TestSupport.session(
            steps: """
                {"type": "pmr", "group": "left-arm", "prepare": "Fist.", "tense": 5, "relax": 20},
                {"type": "pmr", "group": "abdomen", "prepare": "Tighten.", "tense": 5, "relax": 20},
                {"type": "silence", "seconds": 10, "cues": [{"at": 8, "sound": "builtin:tone"}]}
                """)
        do {
            return try TestSupport.load(text)
        } catch {
            fatalError("fixture does not load: \(error)")
        }
    }()

    func apply(_ assignments: [String]) throws(ParameterError) -> Parameters {
        try Self.session.parameters.applying(assignments, to: Self.session, loader: TestSupport.loader)
    }

    func failure(_ assignments: [String]) -> String? {
        do {
            _ = try apply(assignments)
            return nil
        } catch {
            return error.description
        }
    }

    @Test("valid assignments change exactly what they name")
    func valid() throws {
        #expect(try apply([]) == Parameters())
        #expect(
            try apply(["pace=1.3", "music=none", "skip=left-arm, abdomen", "releaseOnly=true", "musicGain=-20"])
                == Parameters(pace: 1.3, music: .off, skip: ["left-arm", "abdomen"], releaseOnly: true, musicGain: -20))
        #expect(try apply(["music=builtin:ocean"]).music == .source(.builtin(.ocean)))
        #expect(try apply(["music=audio:music/tide-pad.ogg"]).music == .source(.bundled("music/tide-pad.ogg")))
        #expect(try apply(["music=narration/breath.wav"]).music == .source(.file("narration/breath.wav")))
        #expect(try apply(["skip=abdomen", "skip="]).skip == [])
        #expect(try apply(["releaseOnly=true", "releaseOnly=false"]).releaseOnly == false)
        #expect(try apply(["pace=0.9", "pace=2"]).pace == 2)
        #expect(try apply(["musicGain=12"]).musicGain == 12)
        // The two-argument form works without a loader (bundled files are then not checked).
        #expect(
            try Self.session.parameters.applying(["music=audio:x.ogg"], to: Self.session).music
                == .source(.bundled("x.ogg")))
    }

    @Test(
        "invalid assignments say which, what is wrong and what to do",
        arguments: [
            (
                "paces=1.3",
                "--set paces=1.3: unknown parameter 'paces'; did you mean 'pace'? "
                    + "Parameters: pace, music, skip, releaseOnly, musicGain, gentleBreathing"
            ),
            (
                "volume=3",
                "--set volume=3: unknown parameter 'volume'; Parameters: pace, music, skip, releaseOnly, musicGain, gentleBreathing"
            ),
            ("pace", "--set pace: 'pace' has no value; write it as key=value, e.g. pace=1.3"),
            ("pace=3", "--set pace=3: pace must be from 0.5 to 2 (found 3)"),
            ("pace=1,3", "--set pace=1,3: pace must be a number, not '1,3'; use a point for decimals, e.g. 1.3"),
            ("pace=slow", "--set pace=slow: pace must be a number, not 'slow'; write a number from 0.5 to 2"),
            ("pace=nan", "--set pace=nan: pace must be a number, not 'nan'; write a number from 0.5 to 2"),
            ("musicGain=20", "--set musicGain=20: musicGain (dB) must be from -60 to 12 (found 20)"),
            (
                "releaseOnly=yes",
                "--set releaseOnly=yes: releaseOnly must be true or false, not 'yes'; e.g. releaseOnly=true"
            ),
            (
                "skip=left-arms",
                "--set skip=left-arms: this session has no PMR group 'left-arms'; did you mean 'left-arm'? "
                    + "groups in this session: left-arm, abdomen"
            ),
            (
                "skip=neck",
                "--set skip=neck: this session has no PMR group 'neck'; groups in this session: left-arm, abdomen"
            ),
            (
                "skip=left-arm,,abdomen",
                "--set skip=left-arm,,abdomen: an empty group name in the list; "
                    + "separate group names with single commas"
            ),
            (
                "music=builtin:ocen",
                "--set music=builtin:ocen: unknown built-in sound 'ocen'; did you mean 'builtin:ocean'?"
            ),
            (
                "music=../x.wav",
                "--set music=../x.wav: the path '../x.wav' climbs out of the session's folder with '..'; "
                    + "keep sound files inside the session's folder, and write their path from there"
            ),
            (
                "music=/x.wav",
                "--set music=/x.wav: '/x.wav' is an absolute path; paths must be relative; "
                    + "write the path relative to the session's folder, e.g. narration/intro.flac"
            ),
            (
                "music=missing.ogg",
                "--set music=missing.ogg: the sound file 'missing.ogg' was not found at /sessions/missing.ogg; "
                    + "check the file name, and that the file is in the session's folder (paths are relative to it)"
            ),
            (
                "pace=0.7",
                "--set pace=0.7: at pace 0.7 the 10-second silence at steps[2] would end before its cue at 8 s; "
                    + "use a pace above 0.8"
            ),
        ])
    func invalid(_ assignment: String, _ expected: String) {
        #expect(failure([assignment]) == expected)
    }

    @Test("the first bad assignment stops the rest")
    func firstFailure() {
        #expect(failure(["pace=1.2", "pace=9", "paces=1"]) == "--set pace=9: pace must be from 0.5 to 2 (found 9)")
    }
}
