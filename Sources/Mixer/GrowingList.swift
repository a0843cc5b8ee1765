/// A list of fixed capacity that one control thread appends to while the audio thread reads the
/// part it has been told of: how a schedule grows while it plays (``Mixer/grow(voices:windows:buffers:horizon:)``).
///
/// The control side writes elements past what the audio thread may read, then tells it the new
/// count through a ``CommandQueue`` (whose release and acquire order the writes before the read).
/// The audio thread reads only below the count it was told, so the two never touch the same
/// element at once; nothing locks, and nothing allocates after `init`.
final class GrowingList<Element>: @unchecked Sendable {
    /// Most elements the list holds.
    let capacity: Int
    private let storage: UnsafeMutablePointer<Element>
    /// Elements written so far. Control side only.
    private(set) var written: Int

    /// - Parameters:
    ///   - initial: the first elements.
    ///   - capacity: most elements, raised to `initial.count` when smaller.
    init(_ initial: [Element], capacity: Int) {
        let room = max(1, capacity, initial.count)
        let storage = UnsafeMutablePointer<Element>.allocate(capacity: room)
        initial.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { storage.initialize(from: base, count: source.count) }
        }
        self.capacity = room
        self.storage = storage
        written = initial.count
    }

    deinit {
        storage.deinitialize(count: written)
        storage.deallocate()
    }

    /// Appends `elements` after the ones written; false (nothing written) when they do not fit.
    /// Control side only.
    func append(contentsOf elements: [Element]) -> Bool {
        guard elements.count <= capacity - written else { return false }
        elements.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { (storage + written).initialize(from: base, count: source.count) }
        }
        written += elements.count
        return true
    }

    /// The element at `index`, below the count the reader was told. Real-time safe.
    @inline(__always)
    subscript(index: Int) -> Element {
        get { storage[index] }
        set { storage[index] = newValue }
    }
}
