import AudioIO
import Dispatch
import FileAccess
import Foundation
import History
import Player
import SessionKit

/// Writes one play of a session into the history: its start before the first sound, its events as the play loop
/// takes them, the listener's ratings, and how it ended. The history is a record, never a reason to stop: when it
/// cannot be written (a full disk, a locked or damaged file) that is said once and the session plays on
/// unrecorded.
///
/// The start is written before it returns (it must be on disk before the first sound, so that a crash is found
/// at the next start). Events are handed to a writer thread of their own: the play loop, which draws the screen
/// and answers keys, never waits for the disk or for a database another Respite holds. The end and the ratings
/// wait for everything before them to be written: they are what must not be lost.
final class HistoryRecorder: @unchecked Sendable {
    // `store`, `run` and the pending events are touched only on `queue`.
    private var store: HistoryStore?
    private var run: RunID?
    private var pending: [HistoryEvent] = []
    private var pendingStep: StepPlace?
    private var lastFlush = DispatchTime.now()
    private var flushScheduled = false
    private let queue = DispatchQueue(label: "respite.history")
    private let lock = NSLock()
    private var problems: [String] = []  // under `lock`

    /// Where the history lives: `--history`, else the configuration's `history`, else
    /// `$XDG_DATA_HOME/respite/history.sqlite` (`~/.local/share/…`); nil when there is no home folder to keep it
    /// in.
    static func path(
        _ given: String?, configured: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String? {
        if let given, !given.isEmpty { return given }
        if let configured, !configured.isEmpty { return configured }
        return UserDirectories.respite(.data, environment: environment).map { $0 + "/history.sqlite" }
    }

    /// Opens the history and closes any run a crash left open. Nil `path`: nothing is recorded.
    init(path: String?) {
        guard let path else { return }
        do {
            let store = try HistoryStore(path: path)
            try store.closeOpenRuns()
            self.store = store
        } catch {
            say("note: this session is not recorded in the history: \(error)")
        }
    }

    /// Whether runs are being recorded.
    var isRecording: Bool { queue.sync { store != nil } }

    /// The run's row, once ``begin(_:)`` has written it.
    var runID: RunID? { queue.sync { run } }

    /// Records the start, with the ratings given before it, before the first sound, and waits until it is
    /// written.
    func begin(_ start: RunStart, before: [Rating]) {
        queue.sync { attempt { run = try $0.begin(start, before: before) } }
    }

    /// Records the session's length and rate once it is laid out.
    func laidOut(_ timeline: SessionKit.Timeline) {
        let (length, rate) = (timeline.duration, timeline.sampleRate)
        queue.async { [self] in
            guard let run else { return }
            attempt { try $0.laidOut(run, length: length, sampleRate: rate) }
        }
    }

    /// Records what the run said happened, on the writer thread, a second's worth at a time: every commit is a
    /// sync to disk (`synchronous = FULL`), and a clinic's players share the file. What has not been written when
    /// the process dies is at most the last second's events; the step it was in is written with the step.
    func log(_ events: [SessionEvent]) {
        let records = events.compactMap(Self.record)
        guard !records.isEmpty else { return }
        var place: StepPlace?
        for event in events {
            if case .stepStarted(let number, let title) = event.kind { place = StepPlace(number: number, title: title) }
        }
        let current = place
        queue.async { [self] in
            pending += records
            if let current { pendingStep = current }
            let now = DispatchTime.now()
            if current != nil || now.uptimeNanoseconds >= lastFlush.uptimeNanoseconds + Self.flushInterval {
                flush()
            } else if !flushScheduled {
                flushScheduled = true
                queue.asyncAfter(deadline: lastFlush + .nanoseconds(Int(Self.flushInterval))) { [self] in
                    flushScheduled = false
                    flush()
                }
            }
        }
    }

    /// How often events are written at most, in nanoseconds (1 s).
    static let flushInterval: UInt64 = 1_000_000_000

    /// On `queue`: writes what is pending, in one transaction.
    private func flush() {
        lastFlush = .now()
        guard let run, !pending.isEmpty else { return }
        let (records, step) = (pending, pendingStep)
        pending.removeAll()
        pendingStep = nil
        attempt { try $0.log(run, records, step: step) }
    }

    /// Records the listener's ratings for this run, after everything logged before them.
    func rate(_ phase: RatingPhase, _ ratings: [Rating]) {
        guard !ratings.isEmpty else { return }
        queue.sync {
            flush()
            guard let run else { return }
            attempt { try $0.rate(run, phase, ratings, at: Date()) }
        }
    }

    /// Records how the run ended, from its last event (nil: it ended without one, as a crash would), with the
    /// ratings given for after it, after everything logged before it.
    func end(_ last: SessionEvent?, after: [Rating] = []) {
        guard let last else { return }
        let ending: RunEnding
        switch last.kind {
        case .finished: ending = .finished
        case .stopped(.deviceGone): ending = .deviceLost
        case .stopped(.signal): ending = .signal
        case .stopped(.preparationFailed): ending = .failed
        default: ending = .stopped
        }
        queue.sync {
            flush()
            guard let run else { return }
            attempt { try $0.end(run, ending: ending, position: last.frame, at: last.time, after: after) }
        }
    }

    /// What went wrong since the last call (at most one line a run), for the play loop to show.
    func takeProblems() -> [String] {
        lock.withLock {
            defer { problems.removeAll() }
            return problems
        }
    }

    /// On `queue`: runs `body`; on failure says so once and records nothing more.
    private func attempt(_ body: (HistoryStore) throws -> Void) {
        guard let store else { return }
        do {
            try body(store)
        } catch {
            say("note: the history could not be written, so the rest of this session is not recorded: \(error)")
            self.store = nil
        }
    }

    private func say(_ line: String) { lock.withLock { problems.append(line) } }

    /// A history event for a run event; nil for what is not the listener's experience (layout progress).
    static func record(_ event: SessionEvent) -> HistoryEvent? {
        let (kind, detail): (String, String)
        switch event.kind {
        case .started: (kind, detail) = ("started", "")
        case .stepStarted(let number, let title): (kind, detail) = ("step", "\(number): \(title)")
        case .narration(let text, _): (kind, detail) = ("narration", text)
        case .pmr(let phase, _): (kind, detail) = (phase.rawValue, "")
        case .breath(let phase, let cycle, let cycles, _):
            (kind, detail) = ("breath", "\(phase.rawValue) \(cycle) of \(cycles)")
        case .cue(let text): (kind, detail) = ("cue", text)
        case .paused: (kind, detail) = ("paused", "")
        case .resumed: (kind, detail) = ("resumed", "")
        case .seeked: (kind, detail) = ("seeked", "")
        case .volume(let decibels): (kind, detail) = ("volume", "\(decibels) dB")
        case .deviceLost(let reason): (kind, detail) = ("deviceLost", reason)
        case .reconnected: (kind, detail) = ("reconnected", "")
        case .sourceFailed(let path, let message):
            (kind, detail) = ("sourceFailed", path.isEmpty ? message : "\(path): \(message)")
        case .laidOut: return nil
        case .finished: (kind, detail) = ("finished", "")
        case .stopped(let reason): (kind, detail) = ("stopped", reason.rawValue)
        }
        return HistoryEvent(frame: event.frame, at: event.time, kind: kind, detail: detail)
    }

    /// The session file's content hash (hex), so a run is tied to the exact script that played.
    static func hash(_ bytes: [UInt8]) -> String {
        Hash128(String(decoding: bytes, as: UTF8.self)).description
    }
}
