import Atomics

/// A fixed-capacity single-producer, single-consumer queue of trivially copyable values: how the
/// control side talks to the audio thread.
///
/// Real-time safety: ``pop()`` and ``push(_:)`` never allocate, lock or wait; `push` returns
/// `false` when full rather than blocking.
public final class CommandQueue<Element: BitwiseCopyable>: @unchecked Sendable {
    private let capacity: Int
    private let storage: UnsafeMutablePointer<Element>
    private let head = ManagedAtomic<Int>(0)  // next to read
    private let tail = ManagedAtomic<Int>(0)  // next to write

    /// - Parameter capacity: most elements held at once, ≥ 1.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        storage = .allocate(capacity: self.capacity)
    }

    deinit { storage.deallocate() }

    /// Elements that can be pushed now without one being refused (more may fit by the time they
    /// are pushed, never fewer). Producer side only.
    public var room: Int { capacity - (tail.load(ordering: .relaxed) - head.load(ordering: .acquiring)) }

    /// Adds `element`; returns `false` if the queue is full. Producer side only.
    @discardableResult
    public func push(_ element: Element) -> Bool {
        let t = tail.load(ordering: .relaxed)
        guard t - head.load(ordering: .acquiring) < capacity else { return false }
        (storage + t % capacity).initialize(to: element)
        tail.store(t + 1, ordering: .releasing)
        return true
    }

    /// Takes the oldest element, or `nil` if empty. Consumer side only. Real-time safe.
    public func pop() -> Element? {
        let h = head.load(ordering: .relaxed)
        guard h < tail.load(ordering: .acquiring) else { return nil }
        let element = (storage + h % capacity).pointee
        head.store(h + 1, ordering: .releasing)
        return element
    }
}
