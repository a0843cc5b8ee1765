import AudioIO
import Foundation
import Player
import SessionKit
import Testing

/// The listener's state file: choices and stopped places per session, read strictly, never fatal, written whole.
@Suite struct ListenerStateTests {
    let folder: String

    init() throws {
        folder = NSTemporaryDirectory() + "respite-state-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    var path: String { folder + "/respite/sessions.json" }

    static let point = ResumePoint(
        frame: 96_000, stoppedAt: 150_000, step: 3, stepTitle: "Left \"arm\" \\ ünïcode\ttab", sessionFrames: 480_000,
        rate: 48_000)

    @Test func whatIsWrittenIsReadBackTheSame() throws {
        let file = ListenerStateFile(path: path)
        #expect(try file.load().get() == ListenerState(), "no file: nothing remembered")
        let notice = file.update {
            $0["pmr-short"].choices = ["skip=left-arm,neck", "releaseOnly=true", "music=builtin:ocean"]
            $0["pmr-short"].resume = Self.point
            $0["breathing-paced"].choices = ["pace=0.8"]
        }
        #expect(notice == nil)
        let state = try file.load().get()
        #expect(state["pmr-short"].choices == ["skip=left-arm,neck", "releaseOnly=true", "music=builtin:ocean"])
        #expect(state["pmr-short"].resume == Self.point)
        #expect(state["breathing-paced"].choices == ["pace=0.8"])
        #expect(state["breathing-paced"].resume == nil)
        // The folder is private: what a listener leaves out says something about their body.
        let attributes = try FileManager.default.attributesOfItem(atPath: folder + "/respite")
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
        // An entry emptied is removed.
        file.update { $0["breathing-paced"].choices = [] }
        #expect(try file.load().get().sessions.keys.sorted() == ["pmr-short"])
    }

    @Test func aDamagedFileIsNamedWithItsPlaceAndNeverWrittenOver() throws {
        try FileManager.default.createDirectory(atPath: folder + "/respite", withIntermediateDirectories: true)
        let damaged: [(String, String)] = [
            (
                "{\n  \"format\": 1,\n  \"sessions\": { \"pmr-short\": { \"choices\": [\"skip=neck\"], \"colour\": 1 } }\n}",
                "3:58"
            ),
            ("{\"format\": 1, \"sessions\": {\"a\": {\"choices\": [3]}}}", "1:46"),
            (
                "{\"format\": 1, \"sessions\": {\"a\": {\"resume\": {\"frame\": -1, \"stoppedAt\": 0, \"step\": 1, "
                    + "\"stepTitle\": \"x\", \"sessionFrames\": 10, \"rate\": 48000}}}}", "frame"
            ),
            ("{\"format\": 2, \"sessions\": {}}", "format 1 only"),
            ("{\"format\": 1, \"sessions\": {", "1:"),
            ("", "1:1"),
        ]
        for (text, place) in damaged {
            try text.write(toFile: path, atomically: false, encoding: .utf8)
            let file = ListenerStateFile(path: path)
            guard case .failure(let problem) = file.load() else {
                Issue.record("read as valid: \(text)")
                continue
            }
            #expect(problem.description.contains(path), "names the file")
            #expect(problem.description.contains(place), "says where: \(problem.description)")
            #expect(problem.description.contains("left as it is"))
            let notice = file.update { $0["pmr-short"].choices = ["pace=0.8"] }
            #expect(notice == problem.description, "an update says why it did not write")
            #expect(try String(contentsOfFile: path, encoding: .utf8) == text, "the file is never replaced with less")
        }
    }

    @Test func aFolderOrFIFOInItsPlaceIsANoticeNotAWait() throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        if case .success = ListenerStateFile(path: path).load() { Issue.record("a folder read as a state file") }
        try FileManager.default.removeItem(atPath: path)
        #expect(mkfifo(path, 0o600) == 0)
        let file = ListenerStateFile(path: path)
        guard case .failure = file.load() else {
            Issue.record("a FIFO read as a state file")
            return
        }
        #expect(file.update { $0["x"].choices = ["pace=1"] } != nil)
    }

    @Test func theDefaultPathFollowsXDG() {
        #expect(
            ListenerStateFile.defaultPath(environment: ["XDG_STATE_HOME": "/s", "HOME": "/h"])
                == "/s/respite/sessions.json")
        #expect(
            ListenerStateFile.defaultPath(environment: ["XDG_STATE_HOME": "s", "HOME": "/h"])
                == "/h/.local/state/respite/sessions.json")
        #expect(
            ListenerStateFile.defaultPath(environment: ["XDG_STATE_HOME": "", "HOME": "/h"])
                == "/h/.local/state/respite/sessions.json")
    }
}

/// Where a stopped session continues: the start of the sentence, else of the step; only where it still fits.
@Suite struct ResumePointTests {
    static let session = """
        "steps": [
          { "type": "narration", "text": "First.", "pause": 2, "label": "Welcome" },
          { "type": "silence", "seconds": 10, "label": "Quiet" },
          { "type": "narration", "text": "Second.", "pause": 3, "label": "Words" },
          { "type": "silence", "seconds": 5, "label": "End" }
        ]
        """

    /// The session laid out with every speech clip 1 s long, at `pace`.
    static func timeline(_ body: String = session, pace: Double = 1) throws -> Timeline {
        let session = try Fixture().session(body)
        let parameters = try session.parameters.applying(["pace=\(pace)"], to: session)
        var lengths: [Media: Int] = [:]
        for media in Compiler.media(for: session, parameters: parameters) { lengths[media] = 48_000 }
        return try Compiler.compile(session, parameters: parameters, sampleRate: 48_000, lengths: lengths)
    }

    @Test func aStopInASentenceContinuesAtItsStartAndInQuietAtTheStepsStart() throws {
        let timeline = try Self.timeline()
        let words = try #require(timeline.steps.first { $0.title == "Words" })
        let sentence = try #require(timeline.sounds.first { $0.bus == .voice && $0.step == words.number - 1 })
        let inSentence = try #require(ResumePoint(stoppedAt: sentence.start + 20_000, in: timeline))
        #expect(inSentence.frame == sentence.start)
        #expect(inSentence.stoppedAt == sentence.start + 20_000)
        #expect(inSentence.step == words.number)
        let quiet = try #require(timeline.steps.first { $0.title == "Quiet" })
        let inQuiet = try #require(ResumePoint(stoppedAt: quiet.start + 200_000, in: timeline))
        #expect(inQuiet.frame == quiet.start)
        #expect(ResumePoint(stoppedAt: 0, in: timeline) == nil, "nothing to continue at the very start")
        #expect(ResumePoint(stoppedAt: timeline.duration, in: timeline) == nil, "nor after the end")
    }

    @Test func aChangedSessionContinuesOnlyWhereThePointStillFits() throws {
        let timeline = try Self.timeline()
        let quiet = try #require(timeline.steps.first { $0.title == "Quiet" })
        let point = try #require(ResumePoint(stoppedAt: quiet.start + 200_000, in: timeline))
        #expect(point.frame(in: timeline) == .exact(quiet.start))
        // Slower: the layout differs, the step is still there: its start.
        let slower = try Self.timeline(pace: 1.5)
        let slowerQuiet = try #require(slower.steps.first { $0.title == "Quiet" })
        #expect(slower.duration != timeline.duration)
        #expect(point.frame(in: slower) == .stepStart(slowerQuiet.start))
        // Rewritten: step 2 is something else now, and the point does not fit.
        let rewritten = try Self.timeline(
            """
            "steps": [
              { "type": "narration", "text": "First.", "pause": 2, "label": "Welcome" },
              { "type": "narration", "text": "Another.", "pause": 2, "label": "New words" },
              { "type": "silence", "seconds": 10, "label": "Quiet" }
            ]
            """)
        #expect(point.frame(in: rewritten) == nil)
    }
}

/// What the start screen offers is made from the session: its groups, release only, pace and music.
@Suite struct StartChoicesTests {
    static let pmr = """
        "parameters": { "skip": ["neck"] },
        "music": { "source": "builtin:drone", "gain": -4 },
        "steps": [
          { "type": "pmr", "group": "right-hand", "prepare": "Make a fist.", "tense": 5, "relax": 20 },
          { "type": "pmr", "group": "neck", "prepare": "Press back.", "tense": 5, "relax": 20 },
          { "type": "silence", "seconds": 4, "cues": [{ "at": 3.5, "sound": "builtin:chime" }] }
        ]
        """

    @Test func aPMRSessionOffersItsGroupsReleaseOnlyPaceAndMusic() throws {
        let session = try Fixture().session(Self.pmr)
        let loader = SessionLoader(audioRoot: Fixture.audioRoot)
        var choices = StartChoices(session: session, parameters: session.parameters, loader: loader)
        #expect(
            choices.lines.map(\.label) == [
                "Leave out the right hand", "Leave out the neck", "Release only, no tensing", "Pace", "Music",
                "Music level",
            ])
        #expect(
            choices.lines.map(\.value) == ["no", "yes", "no", "1 (as written)", "as written (drone)", "as written"])
        // A cue at 3.5 s of a 4 s silence: a pace under 0.875 would end the silence before it, so none is offered.
        let pace = try #require(choices.lines.first { $0.target == .pace })
        #expect(pace.options.map(\.value) == ["1", "1.2", "1.5"])
        #expect(
            choices.assignments(over: session.parameters, session: session) == [], "as written: nothing to remember")

        choices.advance(0)  // leave out the right hand too
        choices.advance(2)  // release only
        choices.advance(3)  // pace 1.2
        choices.advance(4)  // music: none
        choices.advance(5)  // 6 dB quieter
        let assignments = choices.assignments(over: session.parameters, session: session)
        #expect(assignments == ["skip=right-hand,neck", "releaseOnly=true", "pace=1.2", "music=none", "musicGain=-10"])
        let applied = try session.parameters.applying(assignments, to: session, loader: loader)
        #expect(applied.skip == ["right-hand", "neck"])
        #expect(applied.releaseOnly && applied.pace == 1.2 && applied.music == .off && applied.musicGain == -10)
        // Made again from those parameters, the screen shows the same values.
        let again = StartChoices(session: session, parameters: applied, loader: loader)
        #expect(again.lines.map(\.value) == choices.lines.map(\.value))
    }

    @Test func aSessionWithoutMuscleRelaxationOffersGentleBreathingPaceAndMusicOnly() throws {
        let session = try Fixture().session(
            #""steps": [{ "type": "breathing", "inhale": 4, "exhale": 6, "cycles": 3 }]"#)
        var choices = StartChoices(
            session: session, parameters: session.parameters, loader: SessionLoader(audioRoot: nil))
        #expect(choices.lines.map(\.label) == ["Breathing", "Pace", "Music", "Music level"])
        #expect(choices.lines[0].value == "as written")
        #expect(choices.lines[2].value == "none", "no music of its own")
        choices.advance(0)
        #expect(choices.lines[0].value == "gentle (about 3 s in, 4 s out)")
        #expect(choices.assignments(over: session.parameters, session: session) == ["gentleBreathing=true"])
    }

    @Test func aSessionsOwnChoiceIsALineAndRemembered() throws {
        let session = try Fixture().session(
            #""choices": [{ "key": "scene", "label": "Your safe place", "default": "beach", "options": ["#
                + #"{ "value": "beach", "label": "A quiet beach" }, { "value": "garden", "label": "A garden" }] }], "#
                + #""steps": [{ "type": "silence", "seconds": 3 }]"#)
        var choices = StartChoices(
            session: session, parameters: session.parameters, loader: SessionLoader(audioRoot: nil))
        #expect(choices.lines.first?.label == "Your safe place")
        #expect(choices.lines.first?.value == "A quiet beach")
        choices.advance(0)
        let assignments = choices.assignments(over: session.parameters, session: session)
        #expect(assignments == ["scene=garden"])
        let applied = try session.parameters.applying(assignments, to: session)
        #expect(
            StartChoices(session: session, parameters: applied, loader: SessionLoader(audioRoot: nil)).lines
                .first?.value == "A garden")
    }

    @Test func linesSetOnTheCommandLineStayAndAreNotRemembered() throws {
        let session = try Fixture().session(Self.pmr)
        let loader = SessionLoader(audioRoot: Fixture.audioRoot)
        let parameters = try session.parameters.applying(["pace=1.5", "skip=right-hand"], to: session, loader: loader)
        var choices = StartChoices(
            session: session, parameters: parameters, fixedKeys: ["pace", "skip"], loader: loader)
        let pace = try #require(choices.lines.firstIndex { $0.target == .pace })
        choices.advance(pace)
        choices.advance(0)
        #expect(choices.lines[pace].value == "1.5 (slower, longer pauses)")
        #expect(choices.lines[0].value == "yes" && choices.lines[1].value == "no")
        #expect(choices.assignments(over: session.parameters, session: session) == [])
    }
}
