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
/// Not for the audio thread: every call does I/O and may wait for the database's lock (at most 5 s).
public final class HistoryStore: Sendable {
    /// The database file.
    public let path: String
    /// Reads: the pool, or a read-only connection.
    let reader: any DatabaseReader
    /// Writes: nil when opened read-only.
    private let writer: DatabasePool?

    /// The first migration's identifier: a database without it in `grdb_migrations` was not made by Respite.
    static let firstMigration = "v1: runs, events, ratings"

    /// Opens the database at `path`.
    ///
    /// - Read-write (playing): creates the file (mode 0600) and its folder (mode 0700) when missing, and migrates.
    /// - `readOnly` (`respite history`, `export`): never creates, migrates or writes; a file that is not yet up
    ///   to date is refused with a message saying how to update it.
    ///
    /// Either way a path that is not a regular file, a file that is not a database, a database of another
    /// program and one a newer Respite migrated further are refused, with a message, and left as they are.
    ///
    /// - Throws: ``HistoryError``.
    public init(path: String, readOnly: Bool = false) throws(HistoryError) {
        self.path = path
        try Self.checkFile(path, creating: !readOnly)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.label = "respite-history"
        configuration.readonly = readOnly
        do {
            let migrator = Self.migrator()
            if readOnly {
                let queue = try DatabaseQueue(path: path, configuration: configuration)
                try queue.read { db in try Self.checkOwner(db, path: path, migrator: migrator) }
                // What the reading commands need is in version 1; what later versions add is read where it exists
                // (a history a clinic never used has no schedule tables), so a reader never has to write.
                if try !queue.read({ try migrator.appliedIdentifiers($0) }).contains(Self.firstMigration) {
                    throw HistoryError(
                        path: path,
                        message: "this history was written by an earlier version of Respite; play any session once "
                            + "to bring it up to date")
                }
                reader = queue
                writer = nil
            } else {
                // Checked through a read-only connection first: opening a pool puts the file in WAL mode, which
                // is already a change to another program's database.
                var inspecting = configuration
                inspecting.readonly = true
                if let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int, size > 0 {
                    let queue = try DatabaseQueue(path: path, configuration: inspecting)
                    try queue.read { db in try Self.checkOwner(db, path: path, migrator: migrator) }
                    try queue.close()
                }
                let pool = try DatabasePool(path: path, configuration: configuration)
                // Migrating takes the write lock even when there is nothing to do: only when there is.
                if try !pool.read({ try migrator.hasCompletedMigrations($0) }) { try migrator.migrate(pool) }
                try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
                reader = pool
                writer = pool
            }
        } catch let error as HistoryError {
            throw error
        } catch {
            throw HistoryError(path: path, message: Self.describe(error))
        }
    }

    /// A path that exists must be a regular file (a link to one is followed); a missing one is made, mode 0600, in
    /// a folder made mode 0700, when `creating`.
    static func checkFile(_ path: String, creating: Bool) throws(HistoryError) {
        var status = stat()
        if stat(path, &status) == 0 {
            let kind = status.st_mode & S_IFMT
            if kind == S_IFDIR {
                throw HistoryError(path: path, message: "this is a folder; give a file's path with --history")
            }
            if kind != S_IFREG {
                throw HistoryError(
                    path: path,
                    message: "this is not a regular file, so Respite leaves it alone; give a file with --history")
            }
            return
        }
        guard creating else { return }
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty && !FileManager.default.fileExists(atPath: folder) {
            try? FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        // Made here, private, so that SQLite (which gives its -wal and -shm files the database's mode) never makes
        // it with the umask's: how someone felt is theirs.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        if descriptor >= 0 { close(descriptor) }
    }

    /// Refuses a database another program made, and one a newer Respite migrated further.
    static func checkOwner(_ db: Database, path: String, migrator: DatabaseMigrator) throws(HistoryError) {
        do {
            let tables = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            guard !tables.isEmpty else { return }  // a new, empty file
            let applied =
                tables.contains("grdb_migrations")
                ? try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") : []
            guard applied.contains(firstMigration) else {
                throw HistoryError(
                    path: path,
                    message: "this is another program's database, not a Respite history, so it is left as it is; "
                        + "give another file with --history")
            }
            if try migrator.hasBeenSuperseded(db) {
                throw HistoryError(
                    path: path,
                    message: "this history was written by a newer version of Respite, so it is left as it is; use "
                        + "that version, or give another file with --history")
            }
        } catch let error as HistoryError {
            throw error
        } catch {
            throw HistoryError(path: path, message: describe(error))
        }
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
                        processStart INTEGER NOT NULL,
                        pidNamespace TEXT NOT NULL
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
        // A clinic's schedule: what was decided about each scheduled run (played, missed with why, skipped, queued),
        // and the instant up to which every run was decided, so a restart knows what it missed.
        migrator.registerMigration("v2: scheduled runs") { db in
            try db.execute(
                sql: """
                    CREATE TABLE scheduled (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        rule TEXT NOT NULL,
                        session TEXT NOT NULL,
                        dueAt TEXT NOT NULL,
                        localTime TEXT NOT NULL,
                        timeZone TEXT NOT NULL,
                        decision TEXT NOT NULL CHECK (decision IN ('played', 'missed', 'skipped', 'queued')),
                        reason TEXT NOT NULL DEFAULT '',
                        runId INTEGER REFERENCES run(id) ON DELETE SET NULL,
                        decidedAt TEXT NOT NULL,
                        UNIQUE (rule, dueAt)
                    );
                    CREATE INDEX scheduled_due ON scheduled(dueAt);
                    CREATE TABLE clinic (key TEXT PRIMARY KEY, value TEXT NOT NULL);
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
                                     startedAt, timeZone, utcOffset, pid, bootId, processStart, pidNamespace)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    start.sessionID, start.source, start.title, start.fileHash, parameters ?? "[]", start.device,
                    start.sampleRate,
                    start.length, Self.timestamp(start.startedAt), start.timeZone.identifier,
                    start.utcOffset, start.process.pid, start.process.bootID, start.process.startTicks,
                    start.process.pidNamespace,
                ])
            let run = db.lastInsertedRowID
            try Self.insert(before, phase: .before, run: run, at: start.startedAt, in: db)
            return run
        }
    }

    /// Records a run's length once its session is laid out (frames at `sampleRate`).
    public func laidOut(_ run: RunID, length: Int, sampleRate: Int) throws(HistoryError) {
        try write { db in
            try db.execute(
                sql: "UPDATE run SET length = ?, sampleRate = ? WHERE id = ?",
                arguments: [max(0, length), max(1, sampleRate), run])
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
    ///
    /// A run another Respite took for a crash (it could not see this process, from another PID namespace) is
    /// ended all the same by the process that played it, `process`.
    public func end(
        _ run: RunID, ending: RunEnding, position: Int, at date: Date, after: [Rating] = [],
        process: ProcessIdentity = .current()
    ) throws(HistoryError) {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE run SET ending = ?, endedAt = ?, position = ?
                    WHERE id = ? AND (ending = 'open'
                        OR (ending = 'crash' AND pid = ? AND bootId = ? AND processStart = ? AND pidNamespace = ?))
                    """,
                arguments: [
                    ending.rawValue, Self.timestamp(date), max(0, position), run, process.pid, process.bootID,
                    process.startTicks, process.pidNamespace,
                ])
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
        // Looked for without the write lock, which every Respite starting at once would otherwise queue for.
        let candidates = try read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, pid, bootId, processStart, pidNamespace FROM run WHERE ending = 'open' ORDER BY id"
            ).map(Self.process)
        }
        guard candidates.contains(where: { !isRunning($0) }) else { return [] }
        return try write { db in
            let open = try Row.fetchAll(
                db, sql: "SELECT id, pid, bootId, processStart, pidNamespace FROM run WHERE ending = 'open' ORDER BY id"
            )
            var closed: [RunID] = []
            for row in open {
                let process = Self.process(row)
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
        return try read { db in
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
                var ending = RunEnding(rawValue: row["ending"]) ?? .crash
                var endedAt = (row["endedAt"] as String?).flatMap(Self.date)
                // Read without writing: a run whose process is gone is shown as closeOpenRuns() will close it.
                if ending == .open && !Self.process(row).isRunning {
                    ending = .crash
                    let last = try String.fetchOne(
                        db, sql: "SELECT at FROM event WHERE runId = ? ORDER BY id DESC LIMIT 1", arguments: [id])
                    endedAt = (last ?? row["startedAt"]).flatMap(Self.date)
                }
                let stepNumber: Int? = row["step"]
                let stepTitle: String? = row["stepTitle"]
                return RunSummary(
                    id: id, sessionID: row["sessionId"], source: row["source"], title: row["title"],
                    fileHash: row["fileHash"],
                    parameters: (try? JSONDecoder().decode([String].self, from: Data(parameters.utf8))) ?? [],
                    device: row["device"], sampleRate: row["sampleRate"], length: row["length"],
                    startedAt: Self.date(row["startedAt"]) ?? Date(timeIntervalSince1970: 0),
                    timeZone: row["timeZone"], utcOffset: row["utcOffset"],
                    endedAt: endedAt, ending: ending, position: row["position"],
                    step: stepNumber.map { StepPlace(number: $0, title: stepTitle ?? "") },
                    before: rated(.before), after: rated(.after))
            }
        }
    }

    /// The events of a run, in the order they happened.
    public func events(of run: RunID) throws(HistoryError) -> [HistoryEvent] {
        return try read { db in
            try Row.fetchAll(
                db, sql: "SELECT frame, at, kind, detail FROM event WHERE runId = ? ORDER BY frame, id",
                arguments: [run]
            ).map {
                HistoryEvent(
                    frame: $0["frame"], at: Self.date($0["at"]) ?? Date(timeIntervalSince1970: 0),
                    kind: $0["kind"], detail: $0["detail"])
            }
        }
    }

    /// The writer connection's `PRAGMA synchronous`: 2 (FULL) once the store is open.
    public func synchronousLevel() throws(HistoryError) -> Int {
        do {
            guard let writer else { return -1 }
            return try writer.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") ?? -1 }
        } catch {
            throw HistoryError(path: path, message: Self.describe(error))
        }
    }

    /// `PRAGMA integrity_check`'s answer: "ok" for a sound database.
    public func integrity() throws(HistoryError) -> String {
        return try read { try String.fetchOne($0, sql: "PRAGMA integrity_check") ?? "" }
    }

    // MARK: Helpers

    static func process(_ row: Row) -> ProcessIdentity {
        ProcessIdentity(
            pid: row["pid"], bootID: row["bootId"], startTicks: row["processStart"], pidNamespace: row["pidNamespace"])
    }

    /// Reads in one snapshot; a failure is a ``HistoryError`` naming the file. The twin of ``write(_:)``.
    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws(HistoryError) -> T {
        do {
            return try reader.read(body)
        } catch {
            throw HistoryError(path: path, message: Self.describe(error))
        }
    }

    func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws(HistoryError) -> T {
        guard let writer else {
            throw HistoryError(path: path, message: "the history was opened for reading only")
        }
        do {
            return try writer.write(body)
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
            return "the history is in use by another program for more than 5 s; it was not written this time"
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
