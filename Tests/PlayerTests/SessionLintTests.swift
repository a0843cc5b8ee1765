import Player
import SessionKit
import Testing

/// Each of lint's rules on a small session: what it finds, how bad, and where.
@Suite struct SessionLintTests {
    let fixture: Fixture
    let targets = Configuration.Loudness()

    init() throws { fixture = try Fixture() }

    private func lint(_ body: String, sourceLoudness: [String: Double] = [:]) throws -> SessionLint.Report {
        var prepared = try fixture.prepare(try fixture.session(body), normalised: false)
        for (text, level) in sourceLoudness {
            let media = try #require(prepared.sourceLoudnessKey(speaking: text), "no narration says \(text)")
            prepared.sourceLoudness[media] = level
        }
        return SessionLint.check(prepared, targets: targets, rules: SessionLint.Finding.Rule.sound)
    }

    private static let narration = #"{ "type": "narration", "text": "Let your shoulders drop.", "pause": 1 }"#

    @Test func aCleanSessionHasNoFindingsAndListsEachSourceOnce() throws {
        let report = try lint(
            #""music": { "source": "builtin:drone", "gain": -6, "duck": 12 }, "steps": ["#
                + Self.narration + "," + Self.narration + #", { "type": "silence", "seconds": 1, "#
                + #""cues": [{ "at": 0.2, "sound": "builtin:chime" }] }]"#)
        #expect(report.findings == [])
        #expect(
            report.sources.map(\.name).sorted() == [
                "builtin:chime", "builtin:drone", "speech “Let your shoulders drop.”",
            ])
        #expect(report.sources.first { $0.name == "builtin:drone" }?.bus == .music)
        #expect(report.sources.first { $0.name == "builtin:chime" }?.loudness.isFinite == true)
    }

    @Test func aMusicFadeUnderTenMillisecondsIsAnError() throws {
        let report = try lint(
            #""music": { "source": "builtin:drone", "gain": -6, "duck": 12, "fadeIn": 0.005, "fadeOut": 0.5 }, "#
                + #""steps": ["# + Self.narration + "]")
        #expect(report.findings.map(\.rule) == [.shortMusicFade])
        let finding = try #require(report.errors.first)
        #expect(finding.place?.path == "music.fadeIn")
        #expect(finding.message.hasPrefix("music.fadeIn is 0.005 s; fades shorter than 10 ms click"))
    }

    @Test func aCueOverTheWordsIsAWarningAtItsStep() throws {
        let report = try lint(
            #""steps": [{ "type": "silence", "seconds": 1 }, { "type": "narration", "#
                + #""text": "Let your shoulders drop, and breathe out slowly.", "pause": 2, "#
                + #""cues": [{ "at": 0.8, "sound": "builtin:chime" }] }]"#)
        #expect(report.findings.map(\.rule) == [.cueOverSpeech])
        let finding = try #require(report.warnings.first)
        #expect(finding.step == 1)
        #expect(finding.place?.path == "steps[1]")
        #expect((finding.place?.line ?? 0) > 0, "the step's line is known")
        #expect(finding.message.hasPrefix("steps[1]: a cue at 0:01.8 sounds while narration speaks (0:01.0–"))
        #expect(finding.description.hasSuffix("(line \(finding.place?.line ?? 0))"))
    }

    @Test func aCueInThePauseAfterTheWordsIsFine() throws {
        let report = try lint(
            #""steps": [{ "type": "narration", "text": "Rest.", "pause": 4, "#
                + #""cues": [{ "at": 3.5, "sound": "builtin:chime" }] }]"#)
        #expect(report.findings == [])
    }

    @Test func musicAsLoudAsTheVoiceIsAnErrorAndCloseToItAWarning() throws {
        let loud = try lint(
            #""voice": { "gain": -6 }, "music": { "source": "builtin:drone", "gain": 12, "duck": 1 }, "steps": ["#
                + Self.narration + "]")
        #expect(loud.findings.map(\.severity) == [.error])
        #expect(loud.findings.map(\.rule) == [.musicOverVoice])
        #expect(loud.findings.first?.message.contains("LU louder than the narration") == true)
        #expect(loud.findings.first?.place?.path == "music.gain")

        // Voice target -20, music target -32 + 6 - 0 dB ducking: 6 LU under the voice.
        let close = try lint(
            #""music": { "source": "builtin:drone", "gain": 6, "duck": 0.5 }, "steps": ["# + Self.narration + "]")
        #expect(close.findings.map(\.severity) == [.warning])
        #expect(close.findings.first?.message.contains("LU below the narration") == true)
    }

    @Test func musicThatIsNeverDuckedUnderNarrationIsAWarning() throws {
        let report = try lint(
            #""music": { "source": "builtin:drone", "gain": -20, "duck": 0 }, "steps": ["# + Self.narration + "]")
        #expect(report.findings.map(\.rule) == [.musicNotDucked])
        #expect(report.findings.first?.message == "music.duck is 0: the music is not lowered while narration speaks")
    }

    @Test func recordedNarrationMoreThanFourLUApartIsAWarningNamingBoth() throws {
        let body =
            #""steps": [{ "type": "narration", "text": "Breathe in.", "audio": "audio:music/tide-pad.ogg", "pause": 1 }, "#
            + #"{ "type": "narration", "text": "Breathe out.", "audio": "audio:music/meadow-morning.ogg", "pause": 1 }]"#
        func lintRecorded(_ levels: [String: Double]) throws -> SessionLint.Report {
            var prepared = try fixture.prepare(try fixture.session(body), normalised: false)
            for (file, level) in levels { prepared.sourceLoudness[.file(.bundled("music/\(file)"))] = level }
            return SessionLint.check(prepared, targets: targets, rules: SessionLint.Finding.Rule.sound)
        }
        let uneven = try lintRecorded(["tide-pad.ogg": -20, "meadow-morning.ogg": -26.5])
        #expect(uneven.findings.map(\.rule) == [.unevenSources])
        #expect(
            uneven.findings.first?.message
                == "voice sources differ by 6.5 LU (audio:music/meadow-morning.ogg at -26.5, audio:music/tide-pad.ogg "
                + "at -20.0); they are evened out, but re-recording at a steadier level sounds more natural")
        let even = try lintRecorded(["tide-pad.ogg": -20, "meadow-morning.ogg": -23.5])
        #expect(even.findings == [])
    }

    /// Synthesised clips are each brought to the voice target: their spread is the engine's, not a recording's.
    @Test func synthesisedNarrationOfUnevenLoudnessIsNoWarning() throws {
        let body =
            #""steps": [{ "type": "narration", "text": "Breathe in.", "pause": 1 }, "#
            + #"{ "type": "narration", "text": "Breathe out.", "pause": 1 }]"#
        let report = try lint(body, sourceLoudness: ["Breathe in.": -18, "Breathe out.": -26.5])
        #expect(report.findings == [])
        #expect(report.sources.filter(\.isSynthesised).count == 2)
    }

    @Test func errorsComeBeforeWarnings() throws {
        let report = try lint(
            #""music": { "source": "builtin:drone", "gain": 6, "duck": 0.5, "fadeOut": 0 }, "steps": [{ "#
                + #""type": "narration", "text": "Let your shoulders drop, and breathe out slowly.", "pause": 1, "#
                + #""cues": [{ "at": 0.8, "sound": "builtin:chime" }] }]"#)
        #expect(report.findings.map(\.severity) == [.error, .warning, .warning])
        #expect(report.findings.map(\.rule) == [.shortMusicFade, .cueOverSpeech, .musicOverVoice])
    }
}

extension PreparedSession {
    /// The media of the narration that says `text`, as ``sourceLoudness`` keys it.
    func sourceLoudnessKey(speaking text: String) -> Media? {
        for sound in timeline.sounds {
            if case .media(let media, _) = sound.source, case .speech(let spoken, _) = media, spoken == text {
                return media
            }
        }
        return nil
    }
}

/// Lint's rules of clinical fidelity, each on a small session.
@Suite struct SessionFidelityLintTests {
    let fixture: Fixture
    let targets = Configuration.Loudness()

    init() throws { fixture = try Fixture() }

    private func findings(_ body: String, set: [String] = []) throws -> [SessionLint.Finding] {
        let prepared = try fixture.prepare(try fixture.session(body), set: set, normalised: false)
        return SessionLint.check(prepared, targets: targets).findings.filter {
            !SessionLint.Finding.Rule.sound.contains($0.rule)
        }
    }

    @Test func aCuePastTheEndOfItsStepIsAnErrorThatValidateSharesWithLint() throws {
        let found = try findings(
            #""steps": [{ "type": "silence", "seconds": 3 }, { "type": "narration", "text": "Rest.", "pause": 1, "#
                + #""cues": [{ "at": 30, "sound": "builtin:chime" }] }, { "type": "silence", "seconds": 40 }]"#)
        let error = try #require(found.first { $0.rule == .cuePastStep })
        #expect(error.severity == .error)
        #expect(error.place?.path == "steps[1]")
        #expect(error.message.contains("is past the end of its step"))
    }

    @Test func theFirstWordUnderTheFadeInIsAWarning() throws {
        let early = try findings(#""steps": [{ "type": "narration", "text": "Welcome.", "pause": 1 }]"#)
        #expect(early.map(\.rule).contains(.speechUnderFadeIn))
        let late = try findings(
            #""steps": [{ "type": "silence", "seconds": 3 }, { "type": "narration", "text": "Welcome.", "pause": 1 }]"#)
        #expect(!late.map(\.rule).contains(.speechUnderFadeIn))
    }

    @Test func releaseOnlyWordsThatSpeakOfTensingAreWarnings() throws {
        let body =
            #""steps": [{ "type": "silence", "seconds": 3 }, "#
            + #"{ "type": "narration", "text": "When you hear the chime, let go.", "pause": 1 }, "#
            + #"{ "type": "pmr", "group": "hands", "prepare": "In a moment, make a fist.", "tense": 6, "relax": 30, "#
            + #""rest": "Let your hands rest.", "relaxText": "Let your fist open." }]"#
        let found = try findings(body).filter { $0.rule == .tensingInReleaseOnly }
        try #require(found.count == 2, "\(found)")
        #expect(found.map(\.place?.path) == ["steps[1]", "steps[2]"])
        #expect(found[0].message.contains("\"chime\""))
        #expect(found[1].message.contains("\"fist\""))
        let fixed = body.replacingOccurrences(
            of: #""pause": 1 }, "#, with: #""pause": 1, "releaseOnly": { "text": "" } }, "#
        ).replacingOccurrences(
            of: #""relaxText": "Let your fist open." }"#,
            with: #""relaxText": "Let your fist open.", "releaseOnly": { "relaxText": "Let them be heavy." } }"#)
        #expect(try findings(fixed).filter { $0.rule == .tensingInReleaseOnly }.isEmpty)
    }

    @Test func anUnlabelledMuscleStepOutsideEnglishIsAWarning() throws {
        let body =
            Fixture.header.replacingOccurrences(of: #""language": "en""#, with: #""language": "es""#)
            + #""steps": [{ "type": "silence", "seconds": 3 }, { "type": "pmr", "group": "right-arm", "#
            + #""prepare": "En un momento, cierre la mano.", "tense": 6, "relax": 30 }]"#
        let path = fixture.folder + "/es.json"
        try ("{" + body + "}").write(toFile: path, atomically: true, encoding: .utf8)
        let session = try SessionLoader(audioRoot: Fixture.audioRoot).load(contentsOf: path)
        let prepared = try fixture.prepare(session, normalised: false)
        let found = SessionLint.check(prepared, targets: targets).findings.filter { $0.rule == .untitledStep }
        #expect(found.map(\.place?.path) == ["steps[1]"], "\(found)")
        #expect(found.first?.message.contains("'right-arm'") == true)
        // In English the group's name is the title ("right arm"), and said so.
        let english = try findings(
            #""steps": [{ "type": "silence", "seconds": 3 }, { "type": "pmr", "group": "right-arm", "#
                + #""prepare": "In a moment, make a fist.", "tense": 6, "relax": 30 }]"#)
        #expect(!english.contains { $0.rule == .untitledStep })
    }

    @Test func aShortRelaxationAndMissingNotesAreWarnings() throws {
        let found = try findings(
            #""steps": [{ "type": "silence", "seconds": 3 }, { "type": "pmr", "group": "hands", "#
                + #""prepare": "In a moment, make a fist.", "tense": 6, "relax": 20 }, "#
                + #"{ "type": "breathing", "inhale": 4, "exhale": 6, "cycles": 2 }]"#)
        #expect(found.filter { $0.rule == .shortRelax }.map(\.place?.path) == ["steps[1]"])
        let notes = found.filter { $0.rule == .safetyNotes }.map(\.message)
        #expect(notes.contains { $0.contains("uneasy when relaxing") })
        #expect(notes.contains { $0.contains("light-headedness") })
        #expect(notes.contains { $0.contains("short of breath") })
    }

    @Test func aPacerUnderTheMusicIsAWarningAndTheDefaultSitsSixAbove() throws {
        let steps =
            #""steps": [{ "type": "silence", "seconds": 3 }, "#
            + #"{ "type": "breathing", "inhale": 4, "exhale": 6, "cycles": 2 }]"#
        let usual = try findings(#""music": { "source": "builtin:ocean" }, "# + steps)
        #expect(!usual.map(\.rule).contains(.pacerUnderMusic))
        let loud = try findings(#""music": { "source": "builtin:ocean", "gain": 4 }, "# + steps)
        let warning = try #require(loud.first { $0.rule == .pacerUnderMusic })
        #expect(warning.message.contains("only 2.0 LU above the music"))
    }

    @Test func aDescriptionWhoseMinutesAreOffAndALongNowAreWarnings() throws {
        var session = try fixture.session(
            #""steps": [{ "type": "silence", "seconds": 3 }, { "type": "pmr", "group": "hands", "#
                + #""prepare": "In a moment, make a fist.", "#
                + #""now": "Now, tighten the muscles of your hand and your forearm and your upper arm, and keep them "#
                + #"firm, gently, while you breathe.", "tense": 5, "relax": 30 }]"#)
        session.description = "About forty minutes of relaxation."
        let prepared = try fixture.prepare(session, normalised: false)
        let found = SessionLint.check(prepared, targets: targets).findings
        let length = try #require(found.first { $0.rule == .descriptionLength })
        #expect(length.message.hasPrefix("description: it says 40.0 minutes, but the session lasts 0:"))
        #expect(length.place?.path == "description")
        let now = try #require(found.first { $0.rule == .longNow })
        #expect(now.message.contains("more than half the hold"))
        #expect(now.place?.path == "steps[1]")
        let seconds = prepared.timeline.seconds(prepared.timeline.duration)
        session.description = "Lasts \(String(format: "%.2f", seconds / 60)) minutes."
        let fitting = SessionLint.check(try fixture.prepare(session, normalised: false), targets: targets).findings
        #expect(!fitting.contains { $0.rule == .descriptionLength }, "\(session.description)")
    }

    @Test(arguments: [
        ("About eleven minutes of relaxation.", 11.0...11.0), ("A 15-minute body scan, and more.", 15...15),
        ("Ten to twelve minutes.", 10...12), ("Lasts 10–12 minutes.", 10...12),
        ("About twenty-five minutes.", 25...25), ("Three minutes of breathing in 6 minutes.", 3...3),
    ])
    func statedMinutesAreRead(_ description: String, _ minutes: ClosedRange<Double>) {
        #expect(SessionLint.statedMinutes(description) == minutes)
    }

    @Test func aDescriptionWithoutMinutesIsNotChecked() {
        #expect(SessionLint.statedMinutes("A gentle session for the evening.") == nil)
    }

    @Test func minutesAreReadInSpanishAndChinese() {
        #expect(SessionLint.statedMinutes("De 20 a 22 minutos: unas respiraciones", language: "es-419") == 20...22)
        #expect(SessionLint.statedMinutes("Unos doce minutos", language: "es") == 12...12)
        #expect(SessionLint.statedMinutes("约5分钟：慢慢呼吸", language: "zh") == 5...5)
        #expect(SessionLint.statedMinutes("十五分钟左右的练习", language: "zh") == 15...15)
        #expect(SessionLint.statedMinutes("大约十到十二分钟", language: "zh") == 10...12)
        #expect(SessionLint.statedMinutes("20-22 分钟", language: "zh") == 20...22)
        #expect(SessionLint.statedMinutes("晚上的练习", language: "zh") == nil)
    }
}
