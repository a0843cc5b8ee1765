import Atomics

/// A single-producer, single-consumer ring of interleaved Float32 frames.
///
/// One thread writes (a loader decoding a file), one thread reads (the audio thread). Indices
/// are monotonically increasing frame counters published with acquire/release ordering, so the
/// reader never sees a frame before its samples were written.
///
/// Real-time safety: ``read(into:frames:)``, ``skip(frames:)``, ``availableToRead`` and the
/// writer's calls never allocate, lock or wait. Allocation happens only in `init`.
public final class RingBuffer: @unchecked Sendable {
    /// Frames the ring holds; a power of two.
    public let capacity: Int
    /// Samples per frame.
    public let channels: Int
    private let mask: Int
    private let storage: UnsafeMutablePointer<Float>
    private let writeIndex = ManagedAtomic<Int>(0)
    private let readIndex = ManagedAtomic<Int>(0)

    /// - Parameters:
    ///   - capacity: minimum frames to hold; rounded up to a power of two, ≥ 16.
    ///   - channels: samples per frame, 1…8.
    public init(capacity: Int, channels: Int) {
        var size = 16
        while size < capacity { size <<= 1 }
        self.capacity = size
        self.channels = channels
        self.mask = size - 1
        self.storage = .allocate(capacity: size * channels)
        storage.initialize(repeating: 0, count: size * channels)
    }

    deinit { storage.deallocate() }

    /// Frames the reader can take now. Real-time safe.
    public var availableToRead: Int {
        writeIndex.load(ordering: .acquiring) - readIndex.load(ordering: .relaxed)
    }

    /// Frames the writer can add now.
    public var availableToWrite: Int {
        capacity - (writeIndex.load(ordering: .relaxed) - readIndex.load(ordering: .acquiring))
    }

    /// Appends up to `frames` interleaved frames; returns how many fit. Writer side only.
    @discardableResult
    public func write(_ source: UnsafePointer<Float>, frames: Int) -> Int {
        let count = min(frames, availableToWrite)
        guard count > 0 else { return 0 }
        let start = writeIndex.load(ordering: .relaxed)
        copy(count: count, ringStart: start) { ring, offset, run in
            ring.update(from: source + offset * channels, count: run * channels)
        }
        writeIndex.store(start + count, ordering: .releasing)
        return count
    }

    /// Appends up to `frames` frames of silence; returns how many fit. Writer side only.
    @discardableResult
    public func writeSilence(frames: Int) -> Int {
        let count = min(frames, availableToWrite)
        guard count > 0 else { return 0 }
        let start = writeIndex.load(ordering: .relaxed)
        copy(count: count, ringStart: start) { ring, _, run in
            ring.update(repeating: 0, count: run * channels)
        }
        writeIndex.store(start + count, ordering: .releasing)
        return count
    }

    /// Takes up to `frames` frames into `destination` (interleaved); returns how many it took.
    /// Reader side only. Real-time safe.
    @discardableResult
    public func read(into destination: UnsafeMutablePointer<Float>, frames: Int) -> Int {
        let count = min(frames, availableToRead)
        guard count > 0 else { return 0 }
        let start = readIndex.load(ordering: .relaxed)
        copy(count: count, ringStart: start) { ring, offset, run in
            (destination + offset * channels).update(from: ring, count: run * channels)
        }
        readIndex.store(start + count, ordering: .releasing)
        return count
    }

    /// Drops up to `frames` frames without reading them; returns how many it dropped.
    /// Reader side only. Real-time safe.
    @discardableResult
    public func skip(frames: Int) -> Int {
        let count = min(frames, availableToRead)
        guard count > 0 else { return 0 }
        readIndex.wrappingIncrement(by: count, ordering: .releasing)
        return count
    }

    /// Empties the ring. Only while neither side is using it (the player resets streams while
    /// the mixer is stopped).
    public func reset() {
        readIndex.store(0, ordering: .sequentiallyConsistent)
        writeIndex.store(0, ordering: .sequentiallyConsistent)
    }

    /// Calls `body` once or twice with contiguous runs of the ring starting at frame counter `ringStart`.
    @inline(__always)
    private func copy(
        count: Int, ringStart: Int, _ body: (UnsafeMutablePointer<Float>, _ offset: Int, _ run: Int) -> Void
    ) {
        let first = ringStart & mask
        let firstRun = min(count, capacity - first)
        body(storage + first * channels, 0, firstRun)
        if firstRun < count {
            body(storage, firstRun, count - firstRun)
        }
    }
}
