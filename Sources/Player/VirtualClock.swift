import Foundation

/// A clock whose time moves only when it is told to, for driving a ``SessionRun`` without waiting
/// in real time: tests, and the offline checks that play a whole session in a second.
///
/// Time moves in two ways:
/// - while an output *drives* it (``attachDriver()``), only by ``advance(by:)``: a test output
///   advances it by the length of each period it is handed, so a run's waits (a fade, the
///   screen's tick) end exactly when that much audio has been played;
/// - while nothing drives it (no device open, as after a device is lost), a sleep moves time
///   straight to its deadline and returns: a 60-second reconnect timeout passes at once, with
///   every attempt in between made in order.
///
/// Thread safety: every method may be called from any thread. Not for the audio thread of a
/// real device (it takes a lock); a test output calls ``advance(by:)`` from its `write`.
public final class VirtualClock: Clock, @unchecked Sendable {
    public struct Instant: InstantProtocol, CustomStringConvertible {
        /// Time since the clock was made.
        public var offset: Duration

        public init(offset: Duration) { self.offset = offset }
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
        public var description: String { "\(offset)" }
    }

    private struct Sleeper {
        var id: Int
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private let lock = NSLock()
    private var current = Instant(offset: .zero)
    private var sleepers: [Sleeper] = []
    private var nextID = 0
    private var drivers = 0

    public init() {}

    public var now: Instant {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    public var minimumResolution: Duration { .nanoseconds(1) }

    /// An output starts driving time: from now on sleeps wait for ``advance(by:)``.
    public func attachDriver() {
        lock.lock()
        drivers += 1
        lock.unlock()
    }

    /// The output stops driving time (closed, failed): sleeps no longer wait.
    public func detachDriver() {
        lock.lock()
        drivers = max(0, drivers - 1)
        let ready = drivers == 0 ? takeAll() : []
        lock.unlock()
        ready.forEach { $0.continuation.resume() }
    }

    /// Moves time on by `duration` and wakes every sleeper whose deadline has come, earliest first.
    public func advance(by duration: Duration) {
        lock.lock()
        current = current.advanced(by: max(.zero, duration))
        let due = takeDue()
        lock.unlock()
        due.forEach { $0.continuation.resume() }
    }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try Task.checkCancellation()
        let id: Int = {
            lock.lock()
            defer { lock.unlock() }
            nextID += 1
            return nextID
        }()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                lock.lock()
                // Checked under the lock that the cancellation handler takes: a cancel either comes
                // before this (seen here) or finds the sleeper in the list.
                if Task.isCancelled {
                    lock.unlock()
                    continuation.resume(throwing: CancellationError())
                    return
                }
                if drivers == 0 {
                    // Nothing plays: time jumps to the deadline, waking anyone due before it first.
                    if current < deadline { current = deadline }
                    let due = takeDue()
                    lock.unlock()
                    due.forEach { $0.continuation.resume() }
                    continuation.resume()
                    return
                }
                if deadline <= current {
                    lock.unlock()
                    continuation.resume()
                    return
                }
                sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                lock.unlock()
            }
        } onCancel: {
            lock.lock()
            let index = sleepers.firstIndex { $0.id == id }
            let cancelled = index.map { sleepers.remove(at: $0) }
            lock.unlock()
            cancelled?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Removes and returns the sleepers due now, by deadline. Call with the lock held.
    private func takeDue() -> [Sleeper] {
        let due = sleepers.filter { $0.deadline <= current }.sorted { $0.deadline < $1.deadline }
        sleepers.removeAll { $0.deadline <= current }
        return due
    }

    /// Removes every sleeper, moving time to the latest deadline among them. Call with the lock held.
    private func takeAll() -> [Sleeper] {
        let all = sleepers.sorted { $0.deadline < $1.deadline }
        if let last = all.last, current < last.deadline { current = last.deadline }
        sleepers.removeAll()
        return all
    }
}
