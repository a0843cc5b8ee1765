import Foundation
import SessionKit
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The start screen on a pseudo-terminal, remembered choices, `--yes`, resume and the user's sessions folder.
///
/// The device is one that does not exist (`--device nosuch`), so a run ends with exit status 69 once the
/// session is ready: what is tested happens before that (choices, what is remembered), or plays through
/// ALSA's `null` device, which takes sound as fast as it comes.
@Suite(.serialized) struct StartScreenTests {
    let folder: String
    var statePath: String { folder + "/state/respite/sessions.json" }

    init() throws {
        folder = try Respite.temporaryFolder()
    }

    /// These plays test the start screen alone, so they turn off the questions before and after a session
    /// (`--no-ratings`; `HistoryEndToEndTests` answers them). Their device does not exist.
    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["RESPITE_HOME"] = Respite.repository
        // Narration in espeak-ng: the neural voice has tests of its own (NeuralVoiceTests).
        environment["RESPITE_VOICE"] = "espeak"
        environment["XDG_CACHE_HOME"] = NSTemporaryDirectory() + "respite-e2e-cache"
        environment["XDG_STATE_HOME"] = folder + "/state"
        environment["XDG_DATA_HOME"] = folder + "/data"
        return environment
    }

    var state: String { (try? String(contentsOfFile: statePath, encoding: .utf8)) ?? "" }

    /// The last drawn row that holds `label`, without its escape sequences.
    func row(_ output: String, _ label: String) -> String {
        // By scalars: a pseudo-terminal ends lines with "\r\n", which Swift reads as one Character.
        let rows = output.components(separatedBy: CharacterSet.newlines).filter { $0.contains(label) }
        return (rows.last ?? "").replacingOccurrences(of: "\u{1B}[2K", with: "").replacingOccurrences(
            of: "\r", with: "")
    }

    @Test func choicesAreMadeWithTheKeyboardRememberedAndCommandLineValuesWin() throws {
        // First time: leave out the right arm and tense nothing, then begin.
        let first = try PseudoTerminalSession(
            ["play", "pmr-short", "--device", "nosuch", "--no-ratings"], environment: environment)
        #expect(first.waitFor("press space to begin · q to leave", seconds: 60), "\(first.output.suffix(600))")
        #expect(first.output.contains("Before you begin:"), "after the safety notes")
        #expect(first.output.contains("Leave out the left leg"), "one line per area the session has")
        first.press("j")
        first.press(" ")
        for _ in 0..<7 { first.press("j") }
        first.press("\r")
        #expect(first.waitFor("Release only, no tensing  yes"), "\(row(first.output, "Release only"))")
        #expect(row(first.output, "Leave out the right arm").hasSuffix("yes"))
        first.press("b")
        #expect(first.wait() == 69, "\(first.output.suffix(600))")
        #expect(state.contains("\"choices\": [\"skip=right-arm\", \"releaseOnly=true\"]"), "remembered: \(state)")

        // Next time the screen opens with them; q leaves without playing or changing anything.
        let remembered = state
        let second = try PseudoTerminalSession(
            ["play", "pmr-short", "--device", "nosuch", "--no-ratings"], environment: environment)
        #expect(second.waitFor("press space to begin", seconds: 60))
        #expect(row(second.output, "Leave out the right arm").hasSuffix("yes"))
        #expect(row(second.output, "Release only").hasSuffix("yes"))
        second.press("q")
        #expect(second.wait() == 0)
        // The last words may still be in the pseudo-terminal when the process has gone.
        #expect(second.waitFor("Nothing was played.", seconds: 5))
        #expect(!second.output.contains("Getting the session ready"))
        #expect(state == remembered)

        // --set wins over what was remembered, is shown as set, and is not remembered.
        let third = try PseudoTerminalSession(
            ["play", "pmr-short", "--device", "nosuch", "--no-ratings", "--set", "releaseOnly=false"],
            environment: environment)
        #expect(third.waitFor("press space to begin", seconds: 60))
        #expect(
            row(third.output, "Release only").hasSuffix("no  (set with --set)"), "\(row(third.output, "Release only"))")
        third.press(" ")
        #expect(third.wait() == 69)
        #expect(state == remembered, "a --set value is for this time only")

        // --yes: no screen, the remembered choices said and used.
        let fourth = try PseudoTerminalSession(
            ["play", "pmr-short", "--device", "nosuch", "--yes"], environment: environment)
        #expect(fourth.wait() == 69)
        #expect(!fourth.output.contains("press space to begin"))
        #expect(Self.flat(fourth.output).contains("Using your choices from last time: skip=right-arm releaseOnly=true"))
    }

    @Test func aShortOrResizedTerminalShowsTheScreenOnceAndWhole() throws {
        let session = try PseudoTerminalSession(
            ["play", "pmr-short", "--device", "nosuch", "--no-ratings"], environment: environment, columns: 60, rows: 12
        )
        #expect(session.waitFor("press space to begin", seconds: 60), "\(session.output.suffix(600))")
        for _ in 0..<10 { session.press("j") }  // seven areas, release only, breathing, then the pace
        #expect(session.waitFor("▶ Pace"))
        usleep(200_000)
        func check(_ model: ScreenModel, _ what: String) {
            let screen = model.screen
            #expect(screen.filter { $0.hasPrefix("Before you begin, choose") }.count == 1, "\(what): \(screen)")
            #expect(screen.filter { $0.hasPrefix("space or Enter changes this") }.count == 1, "\(what): \(screen)")
            #expect(screen.contains { $0.hasPrefix("▶ Pace") }, "the line chosen is in view: \(screen)")
            #expect(screen.allSatisfy { DisplayText.columns($0) < model.columns }, "\(what): nothing wraps")
        }
        check(session.screenModel(), "12 rows")
        session.resize(columns: 40, rows: 12)
        usleep(500_000)
        session.press("k")
        session.press("j")
        usleep(300_000)
        check(session.screenModel(), "after a resize to 40 columns")
        session.press(" ")
        session.press("b")
        #expect(session.wait() == 69)
        #expect(state.contains("pace=1.2"), "\(state)")
    }

    @Test func plainAsksWithNumbersForScreenReaders() throws {
        let session = try PseudoTerminalSession(
            ["play", "pmr-short", "--plain", "--device", "nosuch", "--no-ratings"], environment: environment)
        #expect(session.waitFor("Type a number and Enter", seconds: 60), "\(session.output.suffix(600))")
        #expect(session.output.contains("  1. Leave out the right arm: no"))
        #expect(!session.output.contains("\u{1B}[J") && !session.output.contains("\u{1B}[?25l"), "nothing is redrawn")
        session.press("2\r")
        #expect(session.waitFor("  2. Leave out the left arm: yes"))
        session.press("nine\r")
        #expect(session.waitFor("There is no choice 'nine'"))
        session.press("\r")
        #expect(session.wait() == 69)
        #expect(state.contains("skip=left-arm"), "\(state)")
    }

    @Test func withoutATerminalItStartsAtOnceAndSaysHowToChoose() throws {
        let result = try Respite.run(
            ["play", "pmr-short", "--device", "nosuch", "--no-ratings"],
            environment: ["XDG_STATE_HOME": folder + "/state"])
        #expect(result.status == 69)
        #expect(!result.stdout.contains("press space"))
        #expect(
            result.stdout.contains("This session lets you choose areas to leave out (--set skip=right-arm,left-arm"))
        #expect(!FileManager.default.fileExists(atPath: statePath), "nothing is written without choosing")
    }

    @Test func aDamagedStateFileIsOneNoticeAndIsLeftAsItIs() throws {
        try FileManager.default.createDirectory(atPath: folder + "/state/respite", withIntermediateDirectories: true)
        let damaged = "{\"format\": 1, \"sessions\": {\"pmr-short\": {\"choices\": [\"skip=neck\"]"
        try damaged.write(toFile: statePath, atomically: false, encoding: .utf8)
        let session = try PseudoTerminalSession(
            ["play", "pmr-short", "--device", "nosuch", "--no-ratings"], environment: environment)
        #expect(session.waitFor("press space to begin", seconds: 60))
        #expect(session.output.contains("\(statePath) cannot be used (1:"), "\(session.output.prefix(3000))")
        session.press("j")
        session.press(" ")
        session.press("b")
        #expect(session.wait() == 69)
        #expect(session.output.contains("left as it is"))
        #expect(state == damaged, "never replaced with less")
    }

    @Test func aStoppedSessionSaysHowToContinueAndResumeContinuesThere() throws {
        let server = try SoundServer()
        var environment = server.respiteEnvironment
        environment["XDG_STATE_HOME"] = folder + "/state"
        let child = try Child(
            Respite.executable,
            ["play", "breathing-paced", "--device", "respite_capture", "--from", "2:20", "--plain"],
            environment: environment)
        // Preparing may measure the session's loudness first (a debug build, a cold cache). From
        // 2:20 the stop falls in step 7's breaths, quiet, which began at 2:16.6: that is where to
        // continue.
        let deadline = Date().addingTimeInterval(180)
        while !child.output.contains("2:2") && Date() < deadline && child.isRunning { usleep(100_000) }
        sleep(2)
        kill(child.pid, SIGTERM)
        #expect(child.wait() == 0, "\(child.output)")
        let stopped = try #require(Self.seconds(after: "Stopped at ", in: child.output), "\(child.output)")
        #expect(stopped >= 140)
        #expect(child.output.contains("To continue from there later: respite play breathing-paced --resume"))
        #expect(state.contains("\"resume\""), "\(state)")

        let resumed = try Respite.run(
            ["play", "breathing-paced", "--resume", "--device", "null", "--plain"],
            environment: ["XDG_STATE_HOME": folder + "/state"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let continuing = try #require(Self.seconds(after: "Continuing from ", in: resumed.stdout), "\(resumed.stdout)")
        #expect(continuing <= stopped && continuing >= stopped - 40, "a little before \(stopped) s: \(continuing) s")
        #expect(resumed.stdout.contains("The session has ended."))
        #expect(!state.contains("\"resume\""), "finished: nothing to continue")
        let nothing = try Respite.run(
            ["play", "breathing-paced", "--resume", "--device", "null", "--plain", "--from", "3"],
            environment: ["XDG_STATE_HOME": folder + "/state"])
        #expect(nothing.status == 64 && nothing.stderr.contains("--resume and --from"))
    }

    /// `text` with lines wrapped on a terminal joined again by single spaces.
    static func flat(_ text: String) -> String {
        text.components(separatedBy: CharacterSet.newlines).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// The seconds of the `m:ss` that follows `label` in `text`.
    static func seconds(after label: String, in text: String) -> Int? {
        guard let range = text.range(of: label) else { return nil }
        let parts = text[range.upperBound...].prefix { $0.isNumber || $0 == ":" }.split(separator: ":").compactMap {
            Int($0)
        }
        return parts.count == 2 ? parts[0] * 60 + parts[1] : nil
    }

    @Test func theUsersSessionsAreListedAndPlayedAfterTheBundledOnes() throws {
        let sessions = folder + "/data/respite/sessions"
        try FileManager.default.createDirectory(atPath: sessions, withIntermediateDirectories: true)
        let bundled = try String(contentsOfFile: Respite.repository + "/Sessions/breathing-paced.json", encoding: .utf8)
        try bundled.replacingOccurrences(of: "\"id\": \"breathing-paced\"", with: "\"id\": \"my-breath\"")
            .replacingOccurrences(of: "\"title\": \"Slow breathing\"", with: "\"title\": \"My own breathing\"")
            .write(toFile: sessions + "/my-breath.json", atomically: true, encoding: .utf8)
        try bundled.replacingOccurrences(of: "\"title\": \"Slow breathing\"", with: "\"title\": \"A copy\"")
            .write(toFile: sessions + "/breathing-paced.json", atomically: true, encoding: .utf8)
        let extra = ["XDG_DATA_HOME": folder + "/data", "XDG_STATE_HOME": folder + "/state"]
        let list = try Respite.run(["list"], environment: extra)
        #expect(list.status == 0, "\(list.stderr)")
        // The sessions' rows, without the note on estimated lengths under them.
        let rows = list.stdout.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("(") }
        #expect(
            rows.last?.hasPrefix("my-breath") == true && rows.last?.contains("  My own breathing") == true,
            "\(rows.suffix(3))")
        #expect(!list.stdout.contains("A copy"), "the bundled session keeps its id")
        #expect(
            list.stderr.contains(
                "warning: your session \(sessions)/breathing-paced.json has the id of the bundled session 'breathing-paced'"
            ))
        let timeline = try Respite.run(["timeline", "my-breath"], environment: extra)
        #expect(
            timeline.status == 0 && timeline.stdout.hasPrefix("My own breathing (my-breath)"),
            "\(timeline.stdout.prefix(200))")
        let shadowed = try Respite.run(
            ["play", "breathing-paced", "--device", "nosuch", "--plain"], environment: extra)
        #expect(shadowed.stdout.hasPrefix("Slow breathing"), "the bundled one plays")
        #expect(shadowed.stderr.contains("plays the bundled one"))
        let misspelt = try Respite.run(["play", "my-breth"], environment: extra)
        #expect(misspelt.status == 66 && misspelt.stderr.contains("Did you mean 'my-breath'?"), "\(misspelt.stderr)")
    }
}
