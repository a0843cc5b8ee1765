import Foundation
import SessionKit
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A session with a long narration (a recorded clip, so nothing is synthesised), a long description and a long
/// safety note: what a patient's screen must show whole, wrapped between words.
struct LongWordsSession {
    static let title = "Long words"
    static let description =
        "A short test of the screen: one long passage of narration, read slowly, then a minute of quiet in which "
        + "nothing is said and the listener simply rests with the sound of the room around them."
    static let note =
        "If your left-arm or right-arm is swollen, sore or recently operated on, leave it out of the session and "
        + "simply rest it, and tell your care team about any new swelling, pain or numbness you notice."
    static let narration = [
        "Settle into a position that feels comfortable for you today, lying down or sitting well supported, with",
        "your head and neck resting and your hands wherever they are easy. There is nothing you need to do well",
        "here and nothing you need to get right. If a thought comes, let it come and let it go again, the way a",
        "cloud crosses the sky without anyone holding it. Notice where your body touches the chair or the bed,",
        "the weight of your arms, the weight of your legs, the gentle movement of your breath in your chest and",
        "your belly. With each breath out, let the surface beneath you take a little more of your weight, and let",
        "your shoulders soften away from your ears. Your jaw can loosen, your tongue can rest, and the small",
        "muscles around your eyes can let go. Stay with the sound of my voice and the quiet that follows it.",
    ].joined(separator: " ")

    let folder: String
    var session: String { folder + "/long-words.json" }

    /// - Parameter narrationSeconds: how long the recorded narration plays.
    init(narrationSeconds: Int = 12) throws {
        folder = try Respite.temporaryFolder()
        try DataSafety.sox([
            "-n", "-r", "48000", "-c", "1", folder + "/voice.wav", "synth", "\(narrationSeconds)", "pinknoise",
            "gain", "-30", "fade", "0.1",
        ])
        try """
        {"format": 1, "id": "long-words", "title": "\(Self.title)", "description": "\(Self.description)",
         "language": "en", "author": "tests", "version": "1",
         "protocol": {"name": "n", "evidence": "not graded", "source": "s"},
         "safety": ["\(Self.note)"],
         "steps": [
           {"type": "narration", "label": "Settling", "text": "\(Self.narration)", "audio": "voice.wav", "pause": 1},
           {"type": "silence", "label": "Quiet", "seconds": 60}
         ]}
        """.write(toFile: session, atomically: true, encoding: .utf8)
    }
}

/// The panel's rows in a screen: from the "Step" row to the keys' hint, and the caption rows between the progress
/// bar and the hint (their two-column margin removed, the sign in it kept apart).
struct PanelRows {
    var all: [String]
    var caption: [(sign: String, text: String)]

    init?(_ screen: [String]) {
        guard let step = screen.lastIndex(where: { $0.hasPrefix("Step ") }),
            let hint = screen.lastIndex(where: { $0.hasPrefix("space pause") || $0.hasPrefix("PAUSED") }),
            hint > step + 1
        else { return nil }
        all = Array(screen[step...])
        caption = screen[(step + 2)..<hint].map { (String($0.prefix(2)), String($0.dropFirst(2))) }
    }
}

@Suite(.serialized) struct PlayerScreenTests {
    /// Words as a reader sees them: runs of spaces are one.
    static func words(_ text: String) -> String {
        text.split(whereSeparator: { $0 == " " }).joined(separator: " ")
    }

    @Test func longCaptionsAreShownWholeAndNotesWrapBetweenWords() throws {
        let fixture = try LongWordsSession()
        let server = try SoundServer()
        let session = try PseudoTerminalSession(
            ["play", fixture.session, "--device", "pulse", "--yes"], environment: server.respiteEnvironment)
        #expect(session.waitFor("space pause", seconds: 180), "the panel appears: \(session.output.suffix(400))")
        #expect(session.waitFor("“Settle"), "the caption appears")
        usleep(300_000)
        let model = session.screenModel()
        session.press("q")
        #expect(session.wait() == 0)

        // Every word of the narration is on the screen, in order, each whole.
        let panel = try #require(PanelRows(model.screen), "a panel on screen: \(model.screen)")
        let caption = panel.caption.map(\.text).joined(separator: " ")
        #expect(Self.words(caption) == "“\(LongWordsSession.narration)”", "\(panel.all)")
        #expect(panel.caption.allSatisfy { $0.sign == "  " }, "it all fits: no sign of more above or below")
        // Nothing reaches the last column, so the terminal never breaks a word itself.
        for row in model.history { #expect(DisplayText.columns(row) < 100, "'\(row)'") }
        // The note: "  - " on its first row, its words lined up under the first word on the others, all whole.
        let history = model.history
        let first = try #require(history.firstIndex { $0.hasPrefix("  - If your left-arm") })
        let rows = [history[first]] + history[(first + 1)...].prefix { $0.hasPrefix("    ") && !$0.hasPrefix("     ") }
        #expect(rows.count >= 2, "a note longer than a row is wrapped: \(rows)")
        #expect(Self.words(rows.joined(separator: " ")) == "- " + LongWordsSession.note)
        let description = try #require(history.firstIndex { $0.hasPrefix("A short test of the screen") })
        let descriptionRows = history[description...].prefix { !$0.hasPrefix("Before you begin") }
        #expect(descriptionRows.count >= 2)
        #expect(Self.words(descriptionRows.joined(separator: " ")) == LongWordsSession.description)
    }

    @Test func aCaptionTallerThanTheTerminalScrollsWithTheVoice() throws {
        let fixture = try LongWordsSession(narrationSeconds: 10)
        let server = try SoundServer()
        let session = try PseudoTerminalSession(
            ["play", fixture.session, "--device", "pulse", "--yes"], environment: server.respiteEnvironment,
            columns: 60,
            rows: 12)
        #expect(session.waitFor("space pause", seconds: 180), "the panel appears: \(session.output.suffix(400))")
        #expect(session.waitFor("Step 2 of 2", seconds: 30), "the narration plays to its end")
        usleep(300_000)
        let model = session.screenModel()
        session.press("q")
        #expect(session.wait() == 0)

        var seen: [String] = []
        var signs: [String] = []
        for frame in model.frames {
            guard let panel = PanelRows(frame), !panel.caption.isEmpty else { continue }
            #expect(panel.all.count <= 11, "the panel fits 12 rows with the cursor below it: \(panel.all)")
            for row in panel.caption where !seen.contains(row.text) { seen.append(row.text) }
            signs.append(panel.caption.map(\.sign).joined())
        }
        // Seen over time, the rows hold every word, in order: none lost.
        #expect(Self.words(seen.joined(separator: " ")) == "“\(LongWordsSession.narration)”", "\(seen)")
        #expect(signs.first?.hasSuffix("↓ ") == true, "at first, a sign that more follows: \(signs.first ?? "")")
        #expect(signs.contains { $0.hasPrefix("↑ ") }, "later, a sign that words are above")
        #expect(signs.last?.hasPrefix("↑ ") == true && signs.last?.contains("↓") == false, "at the end, nothing below")
        #expect(model.history.filter { $0.hasPrefix("Step ") }.count == 1, "one panel, never a stale copy")
    }

    @Test func aResizeLeavesOnePanelFittedToTheNewWidth() throws {
        let fixture = try LongWordsSession(narrationSeconds: 20)
        let server = try SoundServer()
        let session = try PseudoTerminalSession(
            ["play", fixture.session, "--device", "pulse", "--yes"], environment: server.respiteEnvironment)
        #expect(session.waitFor("space pause", seconds: 180), "the panel appears: \(session.output.suffix(400))")
        #expect(session.waitFor("“Settle"))
        // Paused, the panel is not redrawn until the size changes: each resize then meets no drawing
        // already on its way (a terminal re-flows what it has received; rows still in flight were laid
        // out for the old width, a race no program can close, and not what this test is about).
        let pausedMark = session.output.count
        session.press(" ")
        #expect(session.waitFor("PAUSED", after: pausedMark, seconds: 5))
        usleep(500_000)
        for (columns, rows) in [(50, 30), (120, 40), (70, 24)] {
            usleep(700_000)
            let mark = session.bytes.bytes.count
            session.resize(columns: columns, rows: rows)
            // Redrawn for the new size: a row of the hint as wide as the new width allows.
            let deadline = Date().addingTimeInterval(10)
            while session.bytes.bytes.count < mark + 200 && Date() < deadline { usleep(20_000) }
        }
        usleep(700_000)
        let model = session.screenModel()
        session.press("q")
        #expect(session.wait() == 0)

        let history = model.history
        #expect(history.filter { $0.hasPrefix("Step ") }.count == 1, "no stale step row: \(history.suffix(30))")
        #expect(
            history.filter { $0.hasPrefix(LongWordsSession.title) }.count == 2,
            "the title: above the notes, in the panel")
        #expect(history.filter { $0.hasPrefix("PAUSED") }.count == 1, "one hint (the paused one)")
        let panel = try #require(PanelRows(model.screen))
        for row in panel.all { #expect(DisplayText.columns(row) < 70, "'\(row)'") }
        #expect(panel.all.count < 24)
    }

    @Test func ctrlZGivesTheTerminalBackAndFgBringsTheKeysBack() throws {
        let fixture = try LongWordsSession()
        let server = try SoundServer()
        let session = try PseudoTerminalSession(
            ["play", fixture.session, "--device", "pulse", "--yes"], environment: server.respiteEnvironment)
        #expect(session.waitFor("space pause", seconds: 180), "the panel appears: \(session.output.suffix(400))")
        func lineEditing() -> Bool {
            var settings = termios()
            tcgetattr(session.master, &settings)
            return settings.c_lflag & tcflag_t(ICANON) != 0 && settings.c_lflag & tcflag_t(ECHO) != 0
        }
        #expect(!lineEditing(), "keys one at a time while playing")
        var mark = session.output.count
        kill(session.pid, SIGTSTP)  // what Ctrl-Z sends
        var stopped = false
        let deadline = Date().addingTimeInterval(10)
        while !stopped && Date() < deadline {
            var status: Int32 = 0
            if waitpid(session.pid, &status, WUNTRACED | WNOHANG) == session.pid, status & 0xff == 0x7f {
                stopped = true
            }
            usleep(20_000)
        }
        #expect(stopped, "the process stops, as the shell expects")
        #expect(lineEditing(), "the terminal is back in its usual mode while stopped")
        #expect(session.waitFor("Type fg to come back", after: mark, seconds: 2))
        #expect(session.output.dropFirst(mark).contains("\u{1B}[?25h"), "the cursor is shown while stopped")

        mark = session.output.count
        kill(session.pid, SIGCONT)  // what fg sends
        #expect(session.waitFor("PAUSED — press space to resume", after: mark), "redrawn, paused, saying how to go on")
        let rawDeadline = Date().addingTimeInterval(5)
        while lineEditing() && Date() < rawDeadline { usleep(20_000) }
        #expect(!lineEditing(), "keys one at a time again")
        mark = session.output.count
        session.press(" ")
        #expect(session.waitFor("space pause", after: mark, seconds: 5), "a key works at once, without Enter")
        session.press("q")
        #expect(session.wait() == 0)
    }

    @Test func plainModeSaysHowToResume() throws {
        let fixture = try LongWordsSession()
        let server = try SoundServer()
        let session = try PseudoTerminalSession(
            ["play", fixture.session, "--device", "pulse", "--plain", "--yes"], environment: server.respiteEnvironment)
        #expect(session.waitFor("says:", seconds: 180), "\(session.output.suffix(400))")
        let mark = session.output.count
        session.press(" ")
        #expect(session.waitFor("— press space to resume", after: mark, seconds: 5))
        let stop = session.output.count
        session.press("q")
        #expect(session.wait() == 0)
        // The crisis line is said again once the session has stopped, after where it stopped.
        let after = String(session.output.dropFirst(stop))
        let stopped = try #require(after.range(of: "Stopped at"))
        #expect(after[stopped.upperBound...].contains("If you are in crisis"), "\(after)")
        // One event per line, wrapped between words: every word of the narration is whole on some row.
        var model = ScreenModel(columns: 100, rows: 30)
        model.feed(session.bytes.bytes)
        let says = try #require(model.history.firstIndex { $0.contains("says: Settle") })
        let rows = model.history[says...].prefix { !$0.hasPrefix("paused") && !$0.contains(" step ") }
        #expect(Self.words(rows.joined(separator: " ")).hasSuffix("says: " + LongWordsSession.narration))
    }
}

@Suite(.serialized) struct NewcomerTests {
    @Test func bareRespiteSaysHowToBegin() throws {
        let result = try Respite.run([])
        #expect(result.status == 0)
        for text in ["respite play pmr-short", "respite list", "respite --help"] {
            #expect(result.stdout.contains(text), "\(result.stdout)")
        }
        #expect(result.stderr.isEmpty)
    }

    @Test func aSessionWhereACommandIsExpectedIsPlayed() throws {
        // A device that does not exist: the answer shows `play` took the session, without playing a sound.
        let result = try Respite.run(["breathing-paced", "--device", "hw:9,9"])
        #expect(result.status == 69, "\(result.stderr)")
        #expect(result.stdout.contains("Before you begin"))
        #expect(result.stderr.contains("There is no sound device called 'hw:9,9'"))
        let help = try Respite.run(["--help"])
        #expect(help.stdout.contains("`respite pmr-short` is short for"))
    }

    @Test func theStartSaysWhatTheEvidenceIsAndWhereToTurnInACrisis() throws {
        let us = try Respite.run(
            ["pmr-short", "--device", "hw:9,9", "--yes"],
            environment: ["LANG": "en_US.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "XDG_CONFIG_HOME": "/nonexistent"])
        #expect(us.stdout.contains("call or text 988"), "\(us.stdout)")
        #expect(
            us.stdout.contains(
                "Evidence: low quality evidence, weak recommendation: guided imagery with progressive muscle "
                    + "relaxation for general cancer or musculoskeletal pain"))
        #expect(us.stdout.contains("It can help people cope; it does not treat cancer."))
        let elsewhere = try Respite.run(
            ["pmr-short", "--device", "hw:9,9", "--yes"],
            environment: ["LANG": "en_GB.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "XDG_CONFIG_HOME": "/nonexistent"])
        #expect(elsewhere.stdout.contains("call your local emergency number"))
        #expect(!elsewhere.stdout.contains("988"))
    }

    @Test func anUnknownWordGetsASuggestion() throws {
        let command = try Respite.run(["plya", "pmr-short"])
        #expect(command.status == 64)
        #expect(command.stderr.contains("'plya' is not a command or a session. Did you mean `respite play`?"))
        let session = try Respite.run(["pmr-shrot"])
        #expect(session.status == 64)
        #expect(session.stderr.contains("Did you mean the session 'pmr-short' (`respite play pmr-short`)?"))
        let nothing = try Respite.run(["xyzzy"])
        #expect(nothing.status == 64)
        #expect(nothing.stderr.contains("Commands: play, resume, list, history, export,"), "\(nothing.stderr)")
        #expect(!nothing.stderr.contains("Did you mean"))
    }

    @Test func renderProgressRewritesOneLineOnATerminalOnly() throws {
        let fixture = try LongWordsSession()
        var environment = ProcessInfo.processInfo.environment
        environment["RESPITE_HOME"] = Respite.repository
        // Narration in espeak-ng: the neural voice has tests of its own (NeuralVoiceTests).
        environment["RESPITE_VOICE"] = "espeak"
        environment["XDG_CACHE_HOME"] = NSTemporaryDirectory() + "respite-e2e-cache"
        let output = fixture.folder + "/out.wav"
        let session = try PseudoTerminalSession(["render", fixture.session, "-o", output], environment: environment)
        #expect(session.wait() == 0, "\(session.output)")
        #expect(session.waitFor("wrote ", seconds: 5))
        let text = session.output
        let start = try #require(text.range(of: "Rendering… "), "\(text)")
        let end = try #require(text.range(of: "wrote "))
        let progress = text[start.lowerBound..<end.lowerBound]
        #expect(!progress.contains("\n"), "one line, rewritten in place: \(progress.debugDescription)")
        #expect(progress.components(separatedBy: "\rRendering… ").count >= 3, "\(progress.debugDescription)")
        #expect(progress.contains("100 %"))
        #expect(progress.hasSuffix("\r\u{1B}[K"), "the line is cleared before the result")

        let piped = try Respite.run(["render", fixture.session, "-o", fixture.folder + "/piped.wav"])
        #expect(piped.status == 0)
        #expect(!piped.stderr.contains("Rendering"), "nothing when standard error is not a terminal: \(piped.stderr)")
    }
}
