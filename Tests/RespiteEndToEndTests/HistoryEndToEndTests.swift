import Foundation
import GRDB
import History
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Plays recorded in the history, end to end: ratings given on the command line and at a terminal, the
/// history's table, JSON, chart and CSV, a run still playing left alone, resuming a stopped run, and a hundred
/// kills that lose nothing.
@Suite(.serialized) struct HistoryEndToEndTests {
    let folder: String
    var database: String { folder + "/history.sqlite" }

    init() throws { folder = try Respite.temporaryFolder() }

    /// A session of bells and silences (no narration to speak), `seconds` long after its first two steps.
    func session(seconds: Int = 3, ratings: String = "[]") throws -> String {
        let path = folder + "/short.json"
        try """
        {"format": 1, "id": "short", "title": "Short, for the history", "description": "A short test session.",
         "language": "en", "author": "tests", "version": "1",
         "protocol": {"name": "n", "evidence": "not graded", "source": "s"},
         "safety": ["Stop if anything hurts."], "ratings": \(ratings),
         "steps": [{"type": "bell", "label": "Bell", "sound": "builtin:bell", "seconds": 1},
                   {"type": "silence", "label": "Quiet", "seconds": 1},
                   {"type": "silence", "label": "Quiet again", "seconds": \(seconds)}]}
        """.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    func json(_ arguments: [String]) throws -> [[String: Any]] {
        let result = try Respite.run(arguments + ["--history", database, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
    }

    @Test func ratingsGivenOnTheCommandLineAreListedChartedAndExported() throws {
        let played = try Respite.run([
            "play", try session(ratings: "[\"sleep\"]"), "--device", "null", "--plain", "--history", database,
            "--before", "pain=6,anxiety=4,sleep=-", "--after", "pain=3,anxiety=4,sleep=2",
        ])
        #expect(played.status == 0, "\(played.stderr)")
        let entry = try #require(try json(["history"]).first)
        #expect(entry["ending"] as? String == "finished")
        #expect(entry["step"] as? Int == 3 && entry["stepTitle"] as? String == "Quiet again")
        let before = try #require(entry["before"] as? [String: Any])
        #expect(before["pain"] as? Int == 6 && before["anxiety"] as? Int == 4)
        #expect(before["sleep"] is NSNull, "declined: null, never 0")
        let change = try #require(entry["change"] as? [String: Any])
        #expect(change["pain"] as? Int == -3 && change["anxiety"] as? Int == 0 && change["sleep"] is NSNull)

        let table = try Respite.run(["history", "--history", database])
        #expect(table.status == 0)
        #expect(table.stdout.contains("6 → 3") && table.stdout.contains("finished"), "\(table.stdout)")
        let chart = try Respite.run(["history", "--history", database, "--chart"])
        #expect(chart.stdout.contains("●────────○"), "pain from 6 to 3: \(chart.stdout)")
        let plain = try Respite.run(["history", "--history", database, "--chart", "--plain"])
        let rows = plain.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        #expect(rows.contains { $0.suffix(3) == ["6", "3", "-3"] }, "pain: before, after, change: \(plain.stdout)")
        #expect(rows.contains { $0.suffix(3) == ["before", "after", "change"] }, "\(plain.stdout)")
        #expect(plain.stdout.contains("not answered"), "sleep was declined before: \(plain.stdout)")
        #expect(!plain.stdout.contains("│"), "no drawing for a screen reader")

        let csv = try Respite.run(["export", "--csv", "--history", database])
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = csv.stdout.components(separatedBy: "\r\n")
        #expect(lines.count == 3 && lines[2].isEmpty, "a header, one run, and CRLF after each")
        #expect(lines[0].hasPrefix("run,session,title,"))
        #expect(lines[1].contains(",6,3,-3,-50.0,yes,4,4,0,0.0,,2,,"), "\(lines[1])")
        // A day with no runs: the header alone.
        let none = try Respite.run([
            "export", "--csv", "--history", database, "--from", "2020-01-01", "--to", "2020-01-31",
        ])
        #expect(none.stdout.components(separatedBy: "\r\n").count == 2)
        let wrong = try Respite.run(["export", "--csv", "--history", database, "--from", "2026-02-30"])
        #expect(wrong.status == 64 && wrong.stderr.contains("YYYY-MM-DD"), "\(wrong.stderr)")

        // A full disk and a pipe closed by its reader: said, with exit status 74, never a crash.
        let command = "'\(Respite.executable)' export --csv --history '\(database)'"
        var environment = ProcessInfo.processInfo.environment
        environment["RESPITE_HOME"] = Respite.repository
        for (shell, name) in [
            ("\(command) > /dev/full; echo \"status $?\" >&2", "a full disk"),
            ("(\(command); echo \"status $?\" >&2) | head -c 10 > /dev/null", "a closed pipe"),
        ] {
            let child = try Child("/bin/sh", ["-c", shell], environment: environment, separateErrors: true)
            _ = child.wait()
            if name == "a full disk" {
                #expect(child.errors.contains("status 74"), "\(name): \(child.errors)")
                #expect(child.errors.contains("could not write standard output"), "\(name): \(child.errors)")
            } else {
                // The reader may go before or after the export has written its few lines; either way no crash
                // (a trap would be status 132).
                #expect(child.errors.contains("status 74") || child.errors.contains("status 0"), "\(child.errors)")
            }
            #expect(!child.errors.contains("Fatal error") && !child.errors.contains("Illegal instruction"))
        }
    }

    @Test func badRatingsAreRefusedBeforeAnythingPlays() throws {
        for (option, value, words) in [
            ("--before", "pain=11", "0 to 10"), ("--after", "ache=2", "not a rating"), ("--before", "pain", "pain=6"),
        ] {
            let result = try Respite.run([
                "play", try session(), "--device", "null", "--plain", "--history", database, option, value,
            ])
            #expect(result.status == 64, "\(option) \(value): \(result.stderr)")
            #expect(result.stderr.contains(words), "\(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: database), "nothing was played, nothing recorded")
    }

    /// `respite play` in a pseudo-terminal, past its start screen: the questions come next.
    func begunAtATerminal() throws -> PseudoTerminalSession {
        var environment = ProcessInfo.processInfo.environment
        environment["RESPITE_HOME"] = Respite.repository
        environment["XDG_STATE_HOME"] = folder + "/state"
        environment["XDG_CONFIG_HOME"] = folder + "/config"
        let terminal = try PseudoTerminalSession(
            ["play", try session(), "--device", "null", "--history", database], environment: environment)
        #expect(terminal.waitFor("press space to begin"), "\(terminal.output)")
        terminal.press(" ")
        return terminal
    }

    @Test func theQuestionsAreAnsweredAtATerminalAndRecorded() throws {
        let terminal = try begunAtATerminal()
        #expect(terminal.waitFor("Pain now: 0 = no pain … 10 = worst possible pain"), "\(terminal.output)")
        terminal.press("seven\r")
        #expect(terminal.waitFor("Please type a whole number from 0 to 10"), "\(terminal.output)")
        terminal.press("7\r")
        #expect(terminal.waitFor("Anxiety (feeling nervous) now:"), "\(terminal.output)")
        terminal.press("\r")  // skipped
        #expect(terminal.waitFor("How are you feeling now?", seconds: 30), "\(terminal.output)")
        terminal.press("4\r")
        #expect(terminal.waitFor("Anxiety (feeling nervous) now:", after: terminal.output.count - 200))
        terminal.press("2\r")
        #expect(terminal.waitFor("Thank you. Pain: 7 before, 4 now."), "\(terminal.output)")
        #expect(terminal.wait() == 0)
        #expect(terminal.waitFor("team now.", after: terminal.output.count - 60), "the crisis line comes last")
        let entry = try #require(try json(["history"]).first)
        let before = try #require(entry["before"] as? [String: Any])
        let after = try #require(entry["after"] as? [String: Any])
        #expect(before["pain"] as? Int == 7 && before["anxiety"] is NSNull)
        #expect(after["pain"] as? Int == 4 && after["anxiety"] as? Int == 2)
        let output = terminal.output
        let thanks = try #require(output.range(of: "Thank you."))
        #expect(output[thanks.upperBound...].contains("If you are in crisis"), "after the questions")
    }

    @Test func questionsSkippedAllAtOnceAreKeptAsDeclinedAndNotAskedAgain() throws {
        let terminal = try begunAtATerminal()
        #expect(terminal.waitFor("Pain now:"), "\(terminal.output)")
        // A terminal that sends CR LF for Enter: one answer, not an answer and an empty one.
        terminal.press("s\r\n")
        #expect(terminal.wait() == 0)
        #expect(terminal.waitFor("If you are in crisis", after: terminal.output.count - 300))
        #expect(!terminal.output.contains("How are you feeling now?"), "\(terminal.output)")
        let entry = try #require(try json(["history"]).first)
        let before = try #require(entry["before"] as? [String: Any])
        #expect(before["pain"] is NSNull && before["anxiety"] is NSNull, "asked and declined: null, never 0")
        #expect((entry["after"] as? [String: Any])?.isEmpty == true)
    }

    @Test func aRunStillPlayingIsLeftOpenAndAStoppedOneResumesAtItsStep() throws {
        let server = try SoundServer()
        var environment = server.respiteEnvironment
        environment["RESPITE_HOME"] = Respite.repository
        environment["XDG_STATE_HOME"] = folder + "/state"
        let child = try Child(
            Respite.executable,
            ["play", try session(seconds: 60), "--device", "pulse", "--yes", "--plain", "--history", database],
            environment: environment, separateErrors: true)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && !child.output.contains("Quiet again") { usleep(50_000) }
        usleep(300_000)
        // Another Respite reading the history while this one plays: the run is playing, not a crash.
        let playing = try #require(try json(["history"]).first)
        #expect(playing["ending"] as? String == "open", "\(playing)")
        kill(child.pid, SIGTERM)
        #expect(child.wait() == 0, "\(child.errors)")
        let stopped = try #require(try json(["history"]).first)
        #expect(stopped["ending"] as? String == "signal")
        #expect(stopped["step"] as? Int == 3)
        let id = try #require(stopped["id"] as? Int)

        let resumed = try Respite.run([
            "resume", String(id), "--device", "null", "--plain", "--history", database,
        ])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("from the start of step 3: Quiet again"), "\(resumed.stdout)")
        #expect(resumed.stdout.contains("step 3 of 3") && !resumed.stdout.contains("step 1 of 3"), "\(resumed.stdout)")
        let runs = try json(["history"])
        #expect(runs.count == 2 && runs.first?["ending"] as? String == "finished")
        let again = try Respite.run(["resume", String(id + 1), "--history", database])
        #expect(again.status == 0 && again.stdout.contains("played to its end"), "\(again.stdout)")
        let missing = try Respite.run(["resume", "999", "--history", database])
        #expect(missing.status == 66 && missing.stderr.contains("respite history"), "\(missing.stderr)")
    }

    @Test func aDamagedOrLockedHistoryIsSaidAndTheSessionStillPlays() throws {
        let file = try session()
        // Not a database: said once, left as it is, and the session plays.
        let text = Data(String(repeating: "these are someone's notes\n", count: 200).utf8)
        try text.write(to: URL(fileURLWithPath: database))
        let damaged = try Respite.run(["play", file, "--device", "null", "--plain", "--history", database])
        #expect(damaged.status == 0, "\(damaged.stderr)")
        #expect(damaged.stdout.contains("The session has ended"))
        #expect(damaged.stderr.contains("not recorded in the history") && damaged.stderr.contains(database))
        #expect(damaged.stderr.contains("not a history database"), "\(damaged.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: database)) == text, "never written over")

        // Locked by another program for longer than Respite waits: said, and the session plays.
        let locked = folder + "/locked.sqlite"
        let first = try Respite.run(["play", file, "--device", "null", "--plain", "--history", locked])
        #expect(first.status == 0, "\(first.stderr)")
        let queue = try DatabaseQueue(path: locked)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN EXCLUSIVE")
            let played = try Respite.run(["play", file, "--device", "null", "--plain", "--history", locked])
            #expect(played.status == 0, "\(played.stderr)")
            #expect(played.stdout.contains("The session has ended"))
            #expect(played.stderr.contains("in use by another"), "\(played.stderr)")
            try db.execute(sql: "ROLLBACK")
        }
        try queue.close()
        let listed = try Respite.run(["history", "--history", database])
        #expect(listed.status == 74 && listed.stderr.contains("not a history database"), "\(listed.stderr)")
        let runs = try Respite.run(["history", "--history", locked, "--json"])
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [[String: Any]])
        #expect(entries.count == 1, "the first play, recorded; the second, said to be unrecorded")
    }

    /// Kills `respite play` without warning at 100 random moments of its life, on ALSA's null device
    /// (which takes sound as fast as it is made): the database stays sound, every run is there once, none stays
    /// open after the next start, and every run that finished has its ratings.
    @Test func aHundredKillsLoseNothing() throws {
        let file = try session(seconds: 40)
        var environment = ProcessInfo.processInfo.environment
        environment["RESPITE_HOME"] = Respite.repository
        environment["XDG_STATE_HOME"] = folder + "/state"
        let arguments = [
            "play", file, "--device", "null", "--yes", "--plain", "--history", database, "--before",
            "pain=5,anxiety=-", "--after", "pain=2,anxiety=1",
        ]
        // How long a whole play takes here, to spread the kills over it (and a little past its end).
        var lengths: [Double] = []
        var finished: Set<Int32> = []
        for _ in 0..<3 {
            let start = Date()
            let child = try Child(Respite.executable, arguments, environment: environment, separateErrors: true)
            #expect(child.wait() == 0, "\(child.errors)")
            lengths.append(Date().timeIntervalSince(start))
            finished.insert(child.pid)
        }
        let span = (lengths.min() ?? 1) * 1.1
        var random = SplitMix(seed: UInt64(Date().timeIntervalSince1970))
        let seed = random.state
        var killed: Set<Int32> = []
        // Until 100 kills have landed while it ran (a kill after it exited kills nothing), at most 400 tries: on a
        // busy machine a play takes longer or shorter than the calibration said.
        var tries = 0
        while killed.count < 100 && tries < 400 {
            tries += 1
            let child = try Child(Respite.executable, arguments, environment: environment, separateErrors: true)
            usleep(UInt32(Double(random.next() % 10_000) / 10_000 * span * 1_000_000))
            kill(child.pid, SIGKILL)
            let status = child.wait()
            if status == 0 { finished.insert(child.pid) } else { killed.insert(child.pid) }
        }
        #expect(killed.count == 100, "100 kills land while it runs (seed \(seed), span \(span) s, \(lengths))")
        // The next start closes what the kills left open (reading the history never writes it).
        let next = try Child(Respite.executable, arguments, environment: environment, separateErrors: true)
        #expect(next.wait() == 0, "\(next.errors)")
        finished.insert(next.pid)
        let queue = try DatabaseQueue(path: database)
        try queue.read { db in
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run WHERE ending = 'open'") == 0)
            let rows = try Row.fetchAll(db, sql: "SELECT id, pid, ending FROM run")
            let pids = rows.map { $0["pid"] as Int32 }
            #expect(Set(pids).count == pids.count, "each run once (seed \(seed))")
            let endings = Dictionary(uniqueKeysWithValues: rows.map { ($0["pid"] as Int32, $0["ending"] as String) })
            for pid in finished {
                #expect(endings[pid] == "finished", "pid \(pid) exited 0 (seed \(seed))")
            }
            #expect(Set(endings.keys).isSuperset(of: finished))
            #expect(Set(endings.keys).subtracting(finished).isSubset(of: killed))
            for row in rows {
                let ratings = try Row.fetchAll(
                    db, sql: "SELECT phase, item, value FROM rating WHERE runId = ? ORDER BY phase, item",
                    arguments: [row["id"] as Int64])
                let given = ratings.map {
                    "\($0["phase"] as String) \($0["item"] as String) \($0["value"] as Int? ?? -1)"
                }
                // Every run has its before ratings (written with its start); a finished one its after ratings too.
                if row["ending"] as String == "finished" {
                    #expect(given == ["after anxiety 1", "after pain 2", "before anxiety -1", "before pain 5"])
                } else {
                    #expect(given == ["before anxiety -1", "before pain 5"], "\(row["ending"] as String)")
                }
            }
        }
    }
}

/// A small, seeded random generator: a failing run can be told by its seed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
