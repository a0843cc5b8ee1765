#if canImport(Glibc)
    import Glibc
#endif

/// Reads and writes small cache entries without trusting what is on disk.
///
/// Reading opens with `O_NOFOLLOW|O_NONBLOCK` and accepts only a regular file of at most the given size, so a
/// symbolic link planted in the cache, a FIFO (which would block a plain read forever) or a huge file is treated as
/// a missing entry. Writing goes through ``AtomicFile``. Every failure is quiet: a cache entry that cannot be read
/// is measured again, one that cannot be written is measured again next time.
///
/// Callers check what they read (a checksum and a plausible range); this type only keeps the reading safe.
public enum CacheFile {
    /// The whole file at `path` when it is a regular file (not a link) of at most `maximumBytes`; else nil.
    public static func read(_ path: String, maximumBytes: Int) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size <= maximumBytes else {
            return nil
        }
        var bytes = [UInt8](repeating: 0, count: maximumBytes + 1)
        var count = 0
        while count <= maximumBytes {
            let got = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(descriptor, buffer.baseAddress.map { $0 + count }, buffer.count - count)
            }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { return nil }
            if got == 0 { break }
            count += got
        }
        // A file that grew past the limit while being read is refused too.
        guard count <= maximumBytes else { return nil }
        return Array(bytes[0..<count])
    }

    /// Replaces the entry at `path` with `bytes` (atomically; see ``AtomicFile``). Returns false on any failure,
    /// which leaves any earlier entry as it was.
    @discardableResult
    public static func write(_ bytes: [UInt8], to path: String) -> Bool {
        do throws(OutputFileError) {
            let file = try AtomicFile(replacing: path, removingStale: false, asCacheEntry: true)
            do throws(OutputFileError) {
                try file.write(bytes)
                try file.commit()
            } catch {
                file.discard()
                return false
            }
            return true
        } catch {
            return false
        }
    }
}
