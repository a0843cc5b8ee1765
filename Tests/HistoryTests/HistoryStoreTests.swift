import Foundation
import GRDB
import History
import SessionKit
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The history database: its schema from every earlier version, durability settings, runs, ratings and the
/// closing of runs a crash left open.
@Suite struct HistoryStoreTests {
    let folder: String

    init() throws {
        folder = NSTemporaryDirectory() + "respite-history-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    var path: String { folder + "/respite/history.sqlite" }

    /// A process that is not running: from another boot.
    static let gone = ProcessIdentity(pid: 1, bootID: "a-boot-long-ago", startTicks: 1)

    static let start = RunStart(
        sessionID: "pmr-short", source: "pmr-short", title: "Tense and let go", fileHash: "ab12",
        parameters: ["skip=left-arm"], device: "default", sampleRate: 48_000, length: 1_000_000,
        startedAt: Date(timeIntervalSince1970: 1_790_000_000), timeZone: TimeZone(identifier: "America/New_York")!,
        process: gone)

    @Test func aNewDatabaseIsMadeInItsOwnFolderInWALWithFullSync() throws {
        let store = try HistoryStore(path: path)
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(try store.synchronousLevel() == 2, "FULL: a commit survives a power cut")
        #expect(try store.integrity() == "ok")
        let journal = try DatabaseQueue(path: path).read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
        let mode = try FileManager.default.attributesOfItem(atPath: folder + "/respite")[.posixPermissions] as? Int
        #expect(mode == 0o700)
        // Still FULL after writing and after opening again.
        _ = try store.begin(Self.start)
        #expect(try store.synchronousLevel() == 2)
        #expect(try HistoryStore(path: path).synchronousLevel() == 2)
    }

    @Test func everyEarlierSchemaIsMigratedAndItsRunsKept() throws {
        // From nothing, and from each earlier version in turn: the runs already there survive.
        let migrator = HistoryStore.migrator()
        let versions = try DatabaseQueue().read { try migrator.appliedIdentifiers($0) }
        #expect(versions.isEmpty)
        let identifiers = migrator.migrations
        #expect(!identifiers.isEmpty)
        for (index, identifier) in identifiers.enumerated() {
            let file = folder + "/at-\(index).sqlite"
            let queue = try DatabaseQueue(path: file)
            try migrator.migrate(queue, upTo: identifier)
            try queue.close()
            let store = try HistoryStore(path: file)
            let run = try store.begin(Self.start)
            try store.end(run, ending: .finished, position: 1_000_000, at: Self.start.startedAt.addingTimeInterval(660))
            #expect(try store.runs().map(\.id) == [run])
            let applied = try DatabaseQueue(path: file).read { try migrator.appliedIdentifiers($0) }
            #expect(applied == Set(identifiers))
        }
    }

    @Test func aDatabaseFromANewerRespiteIsRefusedAndLeftAsItIs() throws {
        let store = try HistoryStore(path: path)
        _ = try store.begin(Self.start)
        let queue = try DatabaseQueue(path: path)
        try queue.write {
            try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9: from the future')")
        }
        try queue.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        do {
            _ = try HistoryStore(path: path)
            Issue.record("a newer database was opened")
        } catch {
            #expect(error.message.contains("written by a newer version of Respite"))
            #expect(error.description.hasPrefix(path + ": "))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "never altered")
    }

    @Test func aFileThatIsNotADatabaseIsAClearErrorAndIsKept() throws {
        try FileManager.default.createDirectory(atPath: folder + "/respite", withIntermediateDirectories: true)
        let text = Data(String(repeating: "not a database\n", count: 400).utf8)
        try text.write(to: URL(fileURLWithPath: path))
        do {
            _ = try HistoryStore(path: path)
            Issue.record("opened a text file")
        } catch {
            #expect(error.message.contains("not a history database"), "\(error)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == text)
    }

    @Test func aRunIsRecordedWithItsEventsEndingAndPlace() throws {
        let store = try HistoryStore(path: path)
        var playing = Self.start
        playing.process = .current()
        let run = try store.begin(playing)
        #expect(try store.runs().first?.ending == .open)
        let t0 = Self.start.startedAt
        let events = [
            HistoryEvent(frame: 0, at: t0, kind: "step", detail: "Opening bowl"),
            HistoryEvent(frame: 384_000, at: t0.addingTimeInterval(8), kind: "narration", detail: "Welcome."),
            HistoryEvent(frame: 480_000, at: t0.addingTimeInterval(10.5), kind: "paused"),
        ]
        try store.log(run, events)
        try store.end(run, ending: .stopped, position: 480_000, at: t0.addingTimeInterval(12))
        // A second end does not overwrite the first.
        try store.end(run, ending: .finished, position: 1_000_000, at: t0.addingTimeInterval(700))
        let summary = try #require(try store.runs().first)
        #expect(summary.ending == .stopped)
        #expect(summary.position == 480_000)
        #expect(summary.parameters == ["skip=left-arm"])
        #expect(summary.timeZone == "America/New_York")
        #expect(summary.utcOffset == -4 * 3600, "daylight time in September")
        #expect(summary.startedAt == t0)
        #expect(summary.endedAt == t0.addingTimeInterval(12))
        #expect(try store.events(of: run) == events)
    }

    @Test func ratingsRoundTripAndADeclinedRatingIsNullNeverZero() throws {
        let store = try HistoryStore(path: path)
        let run = try store.begin(Self.start)
        try store.rate(
            run, .before, [Rating(item: "pain", value: 6), Rating(item: "anxiety", value: nil)],
            at: Self.start.startedAt)
        try store.rate(run, .after, [Rating(item: "pain", value: 3), Rating(item: "anxiety", value: 0)], at: Date())
        let summary = try #require(try store.runs().first)
        #expect(summary.before == [Rating(item: "pain", value: 6), Rating(item: "anxiety", value: nil)])
        #expect(summary.after == [Rating(item: "pain", value: 3), Rating(item: "anxiety", value: 0)])
        let declined = try DatabaseQueue(path: path).read {
            try Row.fetchOne($0, sql: "SELECT value FROM rating WHERE item = 'anxiety' AND phase = 'before'")
        }
        #expect(declined?.hasNull(atIndex: 0) == true)
        // Out of 0...10 is refused by the database itself.
        #expect(throws: HistoryError.self) {
            try store.rate(run, .after, [Rating(item: "pain", value: 11)], at: Date())
        }
    }

    @Test func runsACrashLeftOpenAreClosedAtTheirLastKnownPlace() throws {
        let store = try HistoryStore(path: path)
        let t0 = Self.start.startedAt
        let crashed = try store.begin(Self.start)
        try store.log(crashed, [HistoryEvent(frame: 960_000, at: t0.addingTimeInterval(20), kind: "step")])
        let finished = try store.begin(Self.start)
        try store.end(finished, ending: .finished, position: 1_000_000, at: t0.addingTimeInterval(30))
        let silent = try store.begin(Self.start)
        #expect(try store.closeOpenRuns() == [crashed, silent])
        let runs = Dictionary(uniqueKeysWithValues: try store.runs().map { ($0.id, $0) })
        #expect(runs[crashed]?.ending == .crash)
        #expect(runs[crashed]?.position == 960_000)
        #expect(runs[crashed]?.endedAt == t0.addingTimeInterval(20))
        #expect(runs[silent]?.ending == .crash && runs[silent]?.endedAt == t0)
        #expect(runs[finished]?.ending == .finished, "an ended run is left as it was")
        #expect(try store.closeOpenRuns().isEmpty)
    }

    @Test func aRunWhoseProcessIsStillPlayingIsNeverClosed() throws {
        let store = try HistoryStore(path: path)
        var live = Self.start
        live.process = .current()
        #expect(live.process.isRunning, "this test's own process")
        let playing = try store.begin(live)
        let dead = try store.begin(Self.start)
        #expect(try store.closeOpenRuns() == [dead])
        #expect(try store.run(playing)?.ending == .open)
        // The same pid in another boot, or started at another tick, is another process.
        var reused = live.process
        reused.startTicks += 1
        #expect(!reused.isRunning)
        reused = live.process
        reused.bootID = "another-boot"
        #expect(!reused.isRunning)
    }

    @Test func ratingsGivenWithTheStartAndTheEndAreWrittenWithThem() throws {
        let store = try HistoryStore(path: path)
        let run = try store.begin(Self.start, before: [Rating(item: "pain", value: 7)])
        try store.end(
            run, ending: .finished, position: 1_000_000, at: Self.start.startedAt.addingTimeInterval(700),
            after: [Rating(item: "pain", value: 4), Rating(item: "sleep", value: nil)])
        let summary = try #require(try store.run(run))
        #expect(summary.before == [Rating(item: "pain", value: 7)])
        #expect(summary.after == [Rating(item: "pain", value: 4), Rating(item: "sleep", value: nil)])
        #expect(summary.ratingChanges.first == RatingChange(item: "pain", before: 7, after: 4))
    }

    @Test func theStepAndPositionFollowTheLastEventsEvenBackwards() throws {
        let store = try HistoryStore(path: path)
        let run = try store.begin(Self.start)
        let t0 = Self.start.startedAt
        try store.log(
            run, [HistoryEvent(frame: 500_000, at: t0, kind: "step", detail: "3: Hands")],
            step: StepPlace(number: 3, title: "Hands"))
        try store.log(
            run, [HistoryEvent(frame: 200_000, at: t0.addingTimeInterval(1), kind: "step", detail: "2: Breath")],
            step: StepPlace(number: 2, title: "Breath"))
        let summary = try #require(try store.run(run))
        #expect(summary.position == 200_000)
        #expect(summary.step == StepPlace(number: 2, title: "Breath"))
        #expect(try store.run(run + 100) == nil)
    }

    @Test func runsAreChosenByTheirStartWithinARange() throws {
        let store = try HistoryStore(path: path)
        var ids: [RunID] = []
        for day in 0..<5 {
            var start = Self.start
            start.startedAt = Self.start.startedAt.addingTimeInterval(Double(day) * 86_400)
            ids.append(try store.begin(start))
        }
        let from = Self.start.startedAt.addingTimeInterval(86_400)
        let to = Self.start.startedAt.addingTimeInterval(3 * 86_400)
        #expect(try store.runs(limit: nil, from: from, to: to).map(\.id) == [ids[2], ids[1]])
        #expect(try store.runs(limit: 2).map(\.id) == [ids[4], ids[3]])
    }

    @Test func anotherProgramsDatabaseIsRefusedAndLeftAsItIs() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, setup) in [
            (
                "plain.sqlite",
                "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('mine')"
            ),
            (
                "grdb.sqlite",
                "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY); "
                    + "INSERT INTO grdb_migrations VALUES ('v1: someone else'); CREATE TABLE player (id INTEGER)"
            ),
        ] {
            let file = folder + "/" + name
            let queue = try DatabaseQueue(path: file)
            try queue.write { try $0.execute(sql: setup) }
            try queue.close()
            let before = try Data(contentsOf: URL(fileURLWithPath: file))
            for readOnly in [false, true] {
                do {
                    _ = try HistoryStore(path: file, readOnly: readOnly)
                    Issue.record("opened \(name)")
                } catch {
                    #expect(error.message.contains("another program's database"), "\(error)")
                }
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == before, "\(name) never altered")
            #expect(!FileManager.default.fileExists(atPath: file + "-wal"))
        }
    }

    @Test func aFolderOrAFIFOIsRefusedWithWhatItIs() throws {
        try FileManager.default.createDirectory(atPath: folder + "/a-folder", withIntermediateDirectories: true)
        #expect(mkfifo(folder + "/a-fifo", 0o600) == 0)
        for (name, words) in [("a-folder", "this is a folder"), ("a-fifo", "not a regular file")] {
            #expect(throws: HistoryError.self) { try HistoryStore(path: folder + "/" + name) }
            do { _ = try HistoryStore(path: folder + "/" + name) } catch { #expect(error.message.contains(words)) }
        }
    }

    @Test func aNewHistoryIsReadableByItsOwnerAlone() throws {
        _ = try HistoryStore(path: path).begin(Self.start)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func readingNeverCreatesMigratesOrWritesAndShowsADeadRunAsInterrupted() throws {
        #expect(throws: HistoryError.self) { try HistoryStore(path: folder + "/none.sqlite", readOnly: true) }
        #expect(!FileManager.default.fileExists(atPath: folder + "/none.sqlite"))
        let store = try HistoryStore(path: path)
        let dead = try store.begin(Self.start)
        try store.log(dead, [HistoryEvent(frame: 48_000, at: Self.start.startedAt.addingTimeInterval(1), kind: "step")])
        let reader = try HistoryStore(path: path, readOnly: true)
        let shown = try #require(try reader.run(dead))
        #expect(shown.ending == .crash && shown.endedAt == Self.start.startedAt.addingTimeInterval(1))
        #expect(throws: HistoryError.self) { try reader.closeOpenRuns() }
        #expect(try store.events(of: dead).count == 1)
        let raw = try DatabaseQueue(path: path).read { try String.fetchOne($0, sql: "SELECT ending FROM run") }
        #expect(raw == "open", "only a player closes it")
    }

    @Test func aRunTakenForACrashIsStillEndedByTheProcessThatPlayedIt() throws {
        let store = try HistoryStore(path: path)
        let run = try store.begin(Self.start)
        #expect(try store.closeOpenRuns() == [run])
        // Another process cannot end it…
        try store.end(run, ending: .finished, position: 1, at: Date(), process: .current())
        #expect(try store.run(run)?.ending == .crash)
        // …the one that played it can.
        try store.end(run, ending: .finished, position: 1_000_000, at: Date(), process: Self.gone)
        #expect(try store.run(run)?.ending == .finished)
    }

    @Test func aProcessInAnotherPIDNamespaceIsNeverTakenForDead() {
        var other = ProcessIdentity.current()
        other.pidNamespace = "pid:[1]"
        other.pid = 999_999
        #expect(other.isRunning, "it cannot be looked up from here")
        other.bootID = "another-boot"
        #expect(!other.isRunning, "but another boot's is gone")
    }

    @Test(arguments: [
        ("America/New_York", "America/New_York"), (":America/New_York", "America/New_York"),
        ("/usr/share/zoneinfo/Europe/London", "Europe/London"), ("Asia/Kolkata", "Asia/Kolkata"),
    ])
    func theZoneIsReadFromTZInEveryFormTheCLibraryReads(_ tz: String, _ identifier: String) {
        #expect(RunStart.localZone(environment: ["TZ": tz]).identifier == identifier)
    }
}

/// A clinic's schedule decisions: one row a run that came due, decided again in place, with the instant through
/// which everything was decided kept in the same transaction.
@Suite struct ScheduledRecordTests {
    @Test func decisionsAreKeptOnceAndUpdatedInPlace() throws {
        let folder = NSTemporaryDirectory() + "respite-scheduled-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/history.sqlite"
        let store = try HistoryStore(path: file)
        #expect(try store.decidedThrough() == nil)
        let due = Date(timeIntervalSince1970: 1_748_869_200)  // 2025-06-02 13:00 UTC
        let queued = ScheduledRecord(
            rule: "afternoon", session: "pmr-short", dueAt: due, localTime: "2025-06-02 14:00",
            timeZone: "Europe/London", decision: .queued, decidedAt: due)
        var missed = queued
        missed.rule = "morning"
        missed.decision = .missed
        missed.reason = "the machine was asleep then"
        try store.decide([queued, missed], through: due.addingTimeInterval(5))
        #expect(try store.decidedThrough() == due.addingTimeInterval(5))
        var played = queued
        played.decision = .played
        played.decidedAt = due.addingTimeInterval(900)
        try store.decide([played], through: due.addingTimeInterval(900))
        let run = try store.begin(HistoryStoreTests.start)
        try store.attach(rule: "afternoon", dueAt: due, to: run)
        let rows = try store.scheduled()
        #expect(rows.count == 2)
        #expect(rows.first { $0.rule == "afternoon" }?.decision == .played)
        #expect(rows.first { $0.rule == "afternoon" }?.run == run)
        #expect(rows.first { $0.rule == "morning" }?.reason == "the machine was asleep then")
        // Recorded decisions other than a queued one are never overwritten by deciding again (a clock that went
        // wrong must not turn a played run into a missed one).
        var overwrite = played
        overwrite.decision = .missed
        overwrite.reason = "the clock was set forward past it"
        try store.decide([overwrite], through: due.addingTimeInterval(950))
        #expect(try store.scheduled().first { $0.rule == "afternoon" }?.decision == .played)
        // Runs still queued when a daemon ends are missed at the next start.
        var waiting = queued
        waiting.rule = "evening"
        try store.decide([waiting], through: due.addingTimeInterval(960))
        #expect(try store.missQueued(reason: "Respite restarted before it could play", at: due) == 1)
        #expect(try store.scheduled().first { $0.rule == "evening" }?.decision == .missed)
        try store.redecide(
            rule: "afternoon", dueAt: due, as: .missed, reason: "no sound device", at: due.addingTimeInterval(901))
        #expect(try store.scheduled().first { $0.rule == "afternoon" }?.decision == .missed)
        // Opened again, the instant is still there.
        #expect(try HistoryStore(path: file, readOnly: true).decidedThrough() == due.addingTimeInterval(960))
    }

    /// A history from before the clinic (version 1) is read as it is: its runs are there, and it has no schedule.
    @Test func aVersionOneHistoryIsReadWithoutMigrating() throws {
        let folder = NSTemporaryDirectory() + "respite-scheduled-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/history.sqlite"
        let queue = try DatabaseQueue(path: file)
        try HistoryStore.migrator().migrate(queue, upTo: "v1: runs, events, ratings")
        try queue.close()
        let reader = try HistoryStore(path: file, readOnly: true)
        #expect(try reader.runs().isEmpty)
        #expect(try reader.scheduled().isEmpty)
        #expect(try reader.decidedThrough() == nil)
        let applied = try DatabaseQueue(path: file).read { try HistoryStore.migrator().appliedIdentifiers($0) }
        #expect(applied == ["v1: runs, events, ratings"], "reading did not migrate it")
    }
}
