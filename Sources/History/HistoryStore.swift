import Foundation
import GRDB
import SessionKit

/// Every run of a session, its events and the listener's ratings, in one SQLite database that survives a crash
/// or a power cut: `$XDG_DATA_HOME/respite/history.sqlite` for a person, a path of its own on a clinic machine.
///
/// SQLite in WAL mode through GRDB's `DatabasePool` (one writer, readers that never wait for it), with
/// `synchronous = FULL`: the pool sets NORMAL, under which a commit can be lost to a power cut, so the store sets
/// FULL on its writer after opening (a `prepareDatabase` setting would be overridden). The schema is made by
/// ``migrator()``; a database that a newer Respite migrated further is refused and never altered.
///
/// Not for the audio thread: every call does I/O and may wait for the database's lock (at most 2 s).
public final class HistoryStore: Sendable {
    /// The database file.
    public let path: String
    private let pool: DatabasePool

    /// Opens (creating it and its folder, mode 0700, when missing) and migrates the database at `path`.
    ///
    /// - Throws: ``HistoryError`` when the file cannot be opened or is not a database, when a newer Respite made
    ///   it, or when it cannot be migrated.
    public init(path: String) throws(HistoryError) {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty && !FileManager.default.fileExists(atPath: folder) {
            try? FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(2)
        configuration.label = "respite-history"
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            let migrator = Self.migrator()
            if try pool.read({ try migrator.hasBeenSuperseded($0) }) {
                throw HistoryError(
                    path: path,
                    message: "this history was written by a newer version of Respite, so it is left as it is; use "
                        + "that version, or give another file with --history")
            }
            try migrator.migrate(pool)
            try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
        } catch let error as HistoryError {
            throw error
        } catch {
            throw HistoryError(path: path, message: Self.describe(error))
        }
        self.pool = pool
    }

    /// The schema, one migration per version of it. Every migration ever released stays here unchanged: a
    /// database from any earlier Respite is brought up to date, in order.
    public static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: runs, events, ratings") { db in
            try db.execute(
                sql: """
                    CREATE TABLE run (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        sessionId TEXT NOT NULL,
                        source TEXT NOT NULL,
                        title TEXT NOT NULL,
                        fileHash TEXT NOT NULL,
                        parameters TEXT NOT NULL,
                        device TEXT NOT NULL,
                        sampleRate INTEGER NOT NULL CHECK (sampleRate > 0),
                        length INTEGER,
                        startedAt TEXT NOT NULL,
                        timeZone TEXT NOT NULL,
                        utcOffset INTEGER NOT NULL,
                        endedAt TEXT,
                        ending TEXT NOT NULL DEFAULT 'open'
                            CHECK (ending IN ('open', 'finished', 'stopped', 'deviceLost', 'signal', 'failed', 'crash')),
                        position INTEGER NOT NULL DEFAULT 0 CHECK (position >= 0),
                        step INTEGER,
                        stepTitle TEXT,
                        pid INTEGER NOT NULL,
                        bootId TEXT NOT NULL,
                        processStart INTEGER NOT NULL
                    );
                    CREATE INDEX run_started ON run(startedAt);
                    CREATE INDEX run_open ON run(ending) WHERE ending = 'open';
                    CREATE TABLE event (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        runId INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                        frame INTEGER NOT NULL,
                        at TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        detail TEXT NOT NULL DEFAULT ''
                    );
                    CREATE INDEX event_run ON event(runId, frame);
                    CREATE TABLE rating (
                        runId INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                        phase TEXT NOT NULL CHECK (phase IN ('before', 'after')),
                        item TEXT NOT NULL,
                        value INTEGER CHECK (value IS NULL OR (value BETWEEN 0 AND 10)),
                        answeredAt TEXT NOT NULL,
                        PRIMARY KEY (runId, phase, item)
                    );
                    """)
        }
        return migrator
    }

    // MARK: Writing

    /// Records a run's start, before its first sound; it stays ``RunEnding/open`` until ``end(_:ending:position:at:)``.
    ///
    /// - Parameter before: ratings given before the session, written in the same transaction: a run is never
    ///   recorded without the ratings given for it.
    public func begin(_ start: RunStart, before: [Rating] = []) throws(HistoryError) -> RunID {
        let parameters = (try? JSONEncoder().encode(start.parameters)).map { String(decoding: $0, as: UTF8.self) }
        return try write { db in
            try db.execute(
                sql: """
                    INSERT INTO run (sessionId, source, title, fileHash, parameters, device, sampleRate, length,
                                     startedAt, timeZone, utcOffset, pid, bootId, processStart)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    start.sessionID, start.source, start.title, start.fileHash, parameters ?? "[]", start.device,
                    start.sampleRate,
                    start.length, Self.timestamp(start.startedAt), start.timeZone.identifier,
                    start.timeZone.secondsFromGMT(for: start.startedAt), start.process.pid, start.process.bootID,
                    start.process.startTicks,
                ])
            let run = db.lastInsertedRowID
            try Self.insert(before, phase: .before, run: run, at: start.startedAt, in: db)
            return run
        }
    }

    /// Appends events to a run, in one transaction, and moves its known position to the last of them (which may
    /// be earlier than before: the listener went back a step) and its step to `step`, when given.
    public func log(_ run: RunID, _ events: [HistoryEvent], step: StepPlace? = nil) throws(HistoryError) {
        guard let last = events.last else { return }
        try write { db in
            for event in events {
                try db.execute(
                    sql: "INSERT INTO event (runId, frame, at, kind, detail) VALUES (?, ?, ?, ?, ?)",
                    arguments: [run, event.frame, Self.timestamp(event.at), event.kind, event.detail])
            }
            try db.execute(sql: "UPDATE run SET position = ? WHERE id = ?", arguments: [max(0, last.frame), run])
            if let step {
                try db.execute(
                    sql: "UPDATE run SET step = ?, stepTitle = ? WHERE id = ?",
                    arguments: [step.number, step.title, run])
            }
        }
    }

    /// Records how a run ended, with the ratings given for after it (in the same transaction); a run already
    /// ended keeps its first ending.
    public func end(
        _ run: RunID, ending: RunEnding, position: Int, at date: Date, after: [Rating] = []
    ) throws(HistoryError) {
        try write { db in
            try db.execute(
                sql: "UPDATE run SET ending = ?, endedAt = ?, position = ? WHERE id = ? AND ending = 'open'",
                arguments: [ending.rawValue, Self.timestamp(date), max(0, position), run])
            try Self.insert(after, phase: .after, run: run, at: date, in: db)
        }
    }

    /// Records the listener's ratings before or after a run; a rating given again replaces the first.
    public func rate(_ run: RunID, _ phase: RatingPhase, _ ratings: [Rating], at date: Date) throws(HistoryError) {
        try write { db in try Self.insert(ratings, phase: phase, run: run, at: date, in: db) }
    }

    private static func insert(_ ratings: [Rating], phase: RatingPhase, run: RunID, at date: Date, in db: Database)
        throws
    {
        for rating in ratings {
            try db.execute(
                sql: "INSERT OR REPLACE INTO rating (runId, phase, item, value, answeredAt) VALUES (?, ?, ?, ?, ?)",
                arguments: [run, phase.rawValue, rating.item, rating.value, timestamp(date)])
        }
    }

    /// Closes every run still open whose process is gone (a crash, a kill, a power cut), as
    /// ``RunEnding/crash``: it keeps the position of its last event, and its end is that event's time (its start
    /// when it has none). A run whose process is still playing it (`isRunning`) is left open. Called when Respite
    /// starts.
    ///
    /// - Returns: the runs closed, oldest first.
    @discardableResult
    public func closeOpenRuns(
        isRunning: @escaping @Sendable (ProcessIdentity) -> Bool = { $0.isRunning }
    ) throws(HistoryError) -> [RunID] {
        try write { db in
            let open = try Row.fetchAll(
                db, sql: "SELECT id, pid, bootId, processStart FROM run WHERE ending = 'open' ORDER BY id")
            var closed: [RunID] = []
            for row in open {
                let process = ProcessIdentity(pid: row["pid"], bootID: row["bootId"], startTicks: row["processStart"])
                if isRunning(process) { continue }
                let id: RunID = row["id"]
                try db.execute(
                    sql: """
                        UPDATE run SET
                            ending = 'crash',
                            endedAt = COALESCE(
                                (SELECT at FROM event WHERE runId = run.id ORDER BY id DESC LIMIT 1), startedAt)
                        WHERE id = ?
                        """, arguments: [id])
                closed.append(id)
            }
            return closed
        }
    }

    // MARK: Reading

    /// Runs with their ratings, newest first: the most recent `limit` (nil: all) started in `from..<to` (either
    /// end open when nil).
    public func runs(limit: Int? = 100, from: Date? = nil, to: Date? = nil) throws(HistoryError) -> [RunSummary] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let from {
            conditions.append("startedAt >= ?")
            _ = arguments.append(contentsOf: [Self.timestamp(from)])
        }
        if let to {
            conditions.append("startedAt < ?")
            _ = arguments.append(contentsOf: [Self.timestamp(to)])
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        _ = arguments.append(contentsOf: [limit.map { max(0, $0) } ?? -1])
        return try summaries("SELECT * FROM run \(filter) ORDER BY startedAt DESC, id DESC LIMIT ?", arguments)
    }

    /// The run with this id, or nil.
    public func run(_ id: RunID) throws(HistoryError) -> RunSummary? {
        try summaries("SELECT * FROM run WHERE id = ?", [id]).first
    }

    private func summaries(_ sql: String, _ arguments: StatementArguments) throws(HistoryError) -> [RunSummary] {
        do {
            return try pool.read { db in
                let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
                return try rows.map { row in
                    let id: RunID = row["id"]
                    let ratings = try Row.fetchAll(
                        db, sql: "SELECT phase, item, value FROM rating WHERE runId = ? ORDER BY rowid", arguments: [id]
                    )
                    func rated(_ phase: RatingPhase) -> [Rating] {
                        ratings.filter { $0["phase"] == phase.rawValue }.map {
                            Rating(item: $0["item"], value: $0["value"])
                        }
                    }
                    let parameters: String = row["parameters"]
                    let stepNumber: Int? = row["step"]
                    let stepTitle: String? = row["stepTitle"]
                    return RunSummary(
                        id: id, sessionID: row["sessionId"], source: row["source"], title: row["title"],
                        fileHash: row["fileHash"],
                        parameters: (try? JSONDecoder().decode([String].self, from: Data(parameters.utf8))) ?? [],
                        device: row["device"], sampleRate: row["sampleRate"], length: row["length"],
                        startedAt: Self.date(row["startedAt"]) ?? Date(timeIntervalSince1970: 0),
                        timeZone: row["timeZone"], utcOffset: row["utcOffset"],
                        endedAt: (row["endedAt"] as String?).flatMap(Self.date),
                        ending: RunEnding(rawValue: row["ending"]) ?? .crash, position: row["position"],
                        step: stepNumber.map { StepPlace(number: $0, title: stepTitle ?? "") },
                        before: rated(.before), after: rated(.after))
                }
            }
        } catch {
            throw HistoryError(path: path, message: Self.describe(error))
        }
    }

    /// The events of a run, in the order they happened.
    public func events(of run: RunID) throws(HistoryError) -> [HistoryEvent] {
        do {
            return try pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT frame, at, kind, detail FROM event WHERE runId = ? ORDER BY frame, id",
                    arguments: [run]
                ).map {
                    HistoryEvent(
                        frame: $0["frame"], at: Self.date($0["at"]) ?? Date(timeIntervalSince1970: 0),
                        kind: $0["kind"], detail: $0["detail"])
                }
            }
        } catch {
            throw HistoryError(path: path, message: Self.describe(error))
        }
    }

    /// The writer connection's `PRAGMA synchronous`: 2 (FULL) once the store is open.
    public func synchronousLevel() throws(HistoryError) -> Int {
        do {
            return try pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") ?? -1 }
        } catch {
            throw HistoryError(path: path, message: Self.describe(error))
        }
    }

    /// `PRAGMA integrity_check`'s answer: "ok" for a sound database.
    public func integrity() throws(HistoryError) -> String {
        do {
            return try pool.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") ?? "" }
        } catch {
            throw HistoryError(path: path, message: Self.describe(error))
        }
    }

    // MARK: Helpers

    private func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws(HistoryError) -> T {
        do {
            return try pool.write(body)
        } catch {
            throw HistoryError(path: path, message: Self.describe(error))
        }
    }

    /// One line for a listener: what SQLite said, and what to do about the commonest causes.
    static func describe(_ error: any Error) -> String {
        guard let database = error as? DatabaseError else { return "\(error)" }
        switch database.resultCode {
        case .SQLITE_FULL: return "the disk is full, so the history could not be written; free some space"
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return "the history is in use by another program for more than 2 s; it was not written this time"
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return "this file is not a history database, or it is damaged; move it aside and Respite starts a new one"
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN:
            return "the history cannot be opened for writing (\(database.message ?? "permission denied")); check the "
                + "folder's permissions, or give another file with --history"
        default:
            return "the history could not be used: \(database.message ?? "\(database.resultCode)")"
        }
    }

    /// `2026-12-03T05:08:39.123Z`: UTC to the millisecond, as SQLite's date functions read it.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
