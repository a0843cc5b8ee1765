import Foundation
import GRDB

/// What a clinic's schedule decided about one run that came due.
public struct ScheduledRecord: Sendable, Equatable {
    /// What became of it.
    public enum Decision: String, Sendable, Equatable, CaseIterable {
        /// It started (``ScheduledRecord/run`` is its run, once begun).
        case played
        /// Its time passed with no sound (``ScheduledRecord/reason`` says why); never played late.
        case missed
        /// It came due while another session played, and its rule skips.
        case skipped
        /// It came due while another session played and waits to play after it.
        case queued
    }

    /// The schedule rule's name.
    public var rule: String
    public var session: String
    /// When it was due, UTC.
    public var dueAt: Date
    /// The wall-clock time the rule names, `YYYY-MM-DD HH:MM` (seconds when not 0).
    public var localTime: String
    /// The IANA zone that time is in.
    public var timeZone: String
    public var decision: Decision
    /// Why it was missed or skipped, in words; empty when played.
    public var reason: String
    /// The run it started, when played.
    public var run: RunID?
    public var decidedAt: Date

    public init(
        rule: String, session: String, dueAt: Date, localTime: String, timeZone: String, decision: Decision,
        reason: String = "", run: RunID? = nil, decidedAt: Date
    ) {
        self.rule = rule
        self.session = session
        self.dueAt = dueAt
        self.localTime = localTime
        self.timeZone = timeZone
        self.decision = decision
        self.reason = reason
        self.run = run
        self.decidedAt = decidedAt
    }
}

extension HistoryStore {
    /// Records decisions and the instant through which every scheduled run has been decided, in one transaction:
    /// a restart after it neither decides them again nor loses them. A queued run decided again (played, or
    /// missed) keeps one row, with its latest decision; any other decision, once recorded, is never overwritten.
    public func decide(_ records: [ScheduledRecord], through: Date) throws(HistoryError) {
        try write { db in
            for record in records {
                try db.execute(
                    sql: """
                        INSERT INTO scheduled (rule, session, dueAt, localTime, timeZone, decision, reason, runId,
                                               decidedAt)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (rule, dueAt) DO UPDATE SET decision = excluded.decision,
                            reason = excluded.reason, runId = COALESCE(excluded.runId, runId),
                            decidedAt = excluded.decidedAt
                        WHERE decision = 'queued'
                        """,
                    arguments: [
                        record.rule, record.session, Self.timestamp(record.dueAt), record.localTime, record.timeZone,
                        record.decision.rawValue, record.reason, record.run, Self.timestamp(record.decidedAt),
                    ])
            }
            try db.execute(
                sql: "INSERT OR REPLACE INTO clinic (key, value) VALUES ('decidedThrough', ?)",
                arguments: [Self.timestamp(through)])
        }
    }

    /// Ties a played scheduled run to the run it started.
    public func attach(rule: String, dueAt: Date, to run: RunID) throws(HistoryError) {
        try write { db in
            try db.execute(
                sql: "UPDATE scheduled SET runId = ? WHERE rule = ? AND dueAt = ?",
                arguments: [run, rule, Self.timestamp(dueAt)])
        }
    }

    /// Changes a decision already recorded: a run that was to play and could not (no device) is missed.
    public func redecide(
        rule: String, dueAt: Date, as decision: ScheduledRecord.Decision, reason: String, at date: Date
    ) throws(HistoryError) {
        try write { db in
            try db.execute(
                sql: "UPDATE scheduled SET decision = ?, reason = ?, decidedAt = ? WHERE rule = ? AND dueAt = ?",
                arguments: [decision.rawValue, reason, Self.timestamp(date), rule, Self.timestamp(dueAt)])
        }
    }

    /// Records every run still queued as missed, with `reason`: a queue lives in the daemon's memory, and one that
    /// ended (a restart, a stop) will not play them. Returns how many there were.
    @discardableResult
    public func missQueued(reason: String, at date: Date) throws(HistoryError) -> Int {
        try write { db in
            try db.execute(
                sql: "UPDATE scheduled SET decision = 'missed', reason = ?, decidedAt = ? WHERE decision = 'queued'",
                arguments: [reason, Self.timestamp(date)])
            return db.changesCount
        }
    }

    /// The instant through which the schedule was last decided; nil when no schedule ever ran on this history.
    public func decidedThrough() throws(HistoryError) -> Date? {
        return try read { db in
            guard try db.tableExists("clinic") else { return nil }
            return try String.fetchOne(db, sql: "SELECT value FROM clinic WHERE key = 'decidedThrough'")
                .flatMap(Self.date)
        }
    }

    /// The newest scheduled decisions, newest first.
    public func scheduled(limit: Int = 50) throws(HistoryError) -> [ScheduledRecord] {
        return try read { db in
            guard try db.tableExists("scheduled") else { return [] }
            return try Row.fetchAll(
                db, sql: "SELECT * FROM scheduled ORDER BY dueAt DESC, id DESC LIMIT ?", arguments: [limit]
            ).map { row in
                ScheduledRecord(
                    rule: row["rule"], session: row["session"],
                    dueAt: Self.date(row["dueAt"]) ?? Date(timeIntervalSince1970: 0),
                    localTime: row["localTime"], timeZone: row["timeZone"],
                    decision: ScheduledRecord.Decision(rawValue: row["decision"]) ?? .missed,
                    reason: row["reason"], run: row["runId"],
                    decidedAt: Self.date(row["decidedAt"]) ?? Date(timeIntervalSince1970: 0))
            }
        }
    }
}
