import Atomics

#if canImport(Glibc)
    import Glibc
#endif

/// Removes unfinished temporary files when SIGINT, SIGTERM or SIGHUP ends the process, then lets the signal end it
/// as it would have: an interrupted `respite render` leaves neither half a file under the output's name (the
/// ``AtomicFile`` design) nor its temporary file beside it.
///
/// The paths live in a fixed table of C strings allocated once, so the handler only reads memory, calls
/// `unlink` (async-signal-safe), restores the default action and raises the signal again. A slot is claimed with a
/// compare-and-exchange and published with a release store after its path is copied in; the handler only reads
/// slots marked in use.
///
/// The handler is installed for a signal only when its disposition is still the default: a process that ignores
/// SIGHUP (`nohup`) or handles SIGTERM itself (the player's gentle stop) keeps its own behaviour. SIGKILL cannot
/// be caught: its temporary file stays, and ``AtomicFile`` removes it the next time it writes that name.
///
/// Thread safety: ``register(_:)`` and ``release(_:)`` are safe from any thread.
enum TemporaryFileGuard {
    /// Temporary files one process can have open at once with signal protection; more are still written safely,
    /// only not removed on a signal.
    static let slotCount = 16
    /// Longest path a slot holds, NUL included (Linux's PATH_MAX).
    static let slotBytes = 4_096

    /// 0 free, 1 being filled or emptied, 2 holding a path the handler may unlink.
    nonisolated(unsafe) private static let states: UnsafeMutablePointer<UnsafeAtomic<Int>.Storage> = {
        let states = UnsafeMutablePointer<UnsafeAtomic<Int>.Storage>.allocate(capacity: slotCount)
        states.initialize(repeating: UnsafeAtomic<Int>.Storage(0), count: slotCount)
        return states
    }()
    nonisolated(unsafe) private static let paths: UnsafeMutablePointer<CChar> = {
        let paths = UnsafeMutablePointer<CChar>.allocate(capacity: slotCount * slotBytes)
        paths.initialize(repeating: 0, count: slotCount * slotBytes)
        return paths
    }()
    private static let installed = ManagedAtomic<Bool>(false)
    /// The signals whose default action ends the process and that a user or a service manager sends to stop one.
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    private static func state(_ slot: Int) -> UnsafeAtomic<Int> { UnsafeAtomic(at: states + slot) }

    /// Records `path` for removal on a signal; returns the slot to pass to ``release(_:)``, or nil when the table
    /// is full or the path too long (the file is then only unprotected against signals).
    static func register(_ path: String) -> Int? {
        installHandlers()
        let bytes = Array(path.utf8CString)
        guard bytes.count <= slotBytes else { return nil }
        for slot in 0..<slotCount
        where state(slot).compareExchange(expected: 0, desired: 1, ordering: .acquiring).exchanged {
            let destination = paths + slot * slotBytes
            bytes.withUnsafeBufferPointer { source in
                if let base = source.baseAddress { destination.update(from: base, count: source.count) }
            }
            state(slot).store(2, ordering: .releasing)
            return slot
        }
        return nil
    }

    /// Forgets the slot's path: the file was renamed into place or removed.
    static func release(_ slot: Int) {
        state(slot).store(1, ordering: .sequentiallyConsistent)
        paths[slot * slotBytes] = 0
        state(slot).store(0, ordering: .releasing)
    }

    /// Unlinks every registered path. Async-signal-safe: atomics loads and `unlink` only.
    fileprivate static func unlinkAll() {
        for slot in 0..<slotCount where state(slot).load(ordering: .acquiring) == 2 {
            unlink(paths + slot * slotBytes)
        }
    }

    /// Installs the handler once, for each signal still at its default action.
    private static func installHandlers() {
        guard installed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        // Touch the tables first so the handler never runs their lazy initialisers.
        _ = states
        _ = paths
        for number in signals {
            var current = sigaction()
            guard sigaction(number, nil, &current) == 0, current.__sigaction_handler.sa_handler == nil else { continue }
            var action = sigaction()
            action.__sigaction_handler.sa_handler = removeTemporaryFilesAndRaise
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(number, &action, nil)
        }
    }
}

/// The handler: remove the unfinished files, then end the process with the same signal.
private func removeTemporaryFilesAndRaise(_ number: Int32) {
    TemporaryFileGuard.unlinkAll()
    signal(number, SIG_DFL)
    raise(number)
}
