import Glibc

/// An exclusive `flock` on a file that holds its owner's pid: one daemon at a time for a control socket, or for a
/// history. Held until ``release()`` or the process ends (the kernel drops it with the descriptor, even after a
/// crash, so a stale file never blocks a restart).
struct PidLock {
    /// Why the lock was not taken.
    enum Failure: Error {
        /// The file could not be opened or made (`strerror`'s words).
        case cannotOpen(reason: String)
        /// Another process holds it: its pid, as it wrote it, when readable.
        case held(owner: Int32?)
    }

    /// The open lock file.
    let descriptor: Int32

    /// Opens (or makes, with `mode`) the file at `path` without following a link, takes the lock without
    /// waiting, and writes this process's pid in it.
    static func take(_ path: String, mode: mode_t) throws(Failure) -> PidLock {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode)
        guard descriptor >= 0 else { throw .cannotOpen(reason: String(cString: strerror(errno))) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let owner = Self.owner(descriptor)
            close(descriptor)
            throw .held(owner: owner)
        }
        ftruncate(descriptor, 0)
        _ = "\(getpid())\n".withCString { pwrite(descriptor, $0, strlen($0), 0) }
        return PidLock(descriptor: descriptor)
    }

    /// Lets the lock go.
    func release() { close(descriptor) }

    /// The pid written in the lock file by the process holding it.
    private static func owner(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(descriptor, &buffer, 31, 0)
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
