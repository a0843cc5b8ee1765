import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The one way Respite writes a file that someone may keep: a rendered session, a cache entry.
///
/// The bytes go to a new temporary file in the target's own folder (created with
/// `O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC`, mode 0644 less the umask, or the mode of the file it replaces), are
/// synced, and the file is renamed over the final name, then the folder is synced. So the final name always holds
/// either the earlier file, whole, or the new one, whole:
/// - a failure (disk full, I/O error) or ``discard()`` removes the temporary file and leaves the earlier one;
/// - SIGINT, SIGTERM or SIGHUP remove the temporary file and end the process (``TemporaryFileGuard``);
/// - after SIGKILL or a power cut the temporary file may stay (its name starts with a dot and carries the process
///   id); the next ``AtomicFile`` for that name removes those of processes that no longer exist;
/// - two processes writing one name each write their own temporary file, and the name ends up holding exactly one
///   of them.
///
/// The target is checked before anything is created: a NUL in the path, a folder, a FIFO, a device, a socket or a
/// dangling symbolic link is refused (``OutputFileError/Kind/notRegularFile``). Even `/dev/null` is refused: it
/// cannot be replaced atomically, and renaming over it as root would replace the device node for every program on
/// the machine. A symbolic link to a regular file is followed: the file it points to is replaced and the link
/// stays. A hard link is broken: the other names keep the earlier content.
///
/// The fsync policy, the one for every file Respite writes: the new file is synced before its name is put in place
/// (renamed, or linked by ``commitUnlessPresent(keeping:)`` and ``commitWithoutReplacing(names:)``), and a failed
/// sync is a failed write (a network file system reports a full disk there); after that the folder is synced, best
/// effort, so the name survives a power cut.
///
/// Thread safety: one owner; not for use from two threads at once.
/// Real-time safety: none; it creates, writes and renames files.
public final class AtomicFile {
    /// The file as the caller named it; every message uses this.
    public let path: String
    /// The file that will be replaced: `path` with a symbolic link at its end followed.
    public let target: String
    /// The temporary file being written, in `target`'s folder.
    public let temporaryPath: String
    /// The open temporary file; write to it, never close it (``commit()`` and ``discard()`` do).
    public private(set) var descriptor: Int32

    private let folder: String
    private var guardSlot: Int?
    private var finished = false

    /// The suffix of every temporary file name: `.NAME.PID-RANDOM.respite-tmp`.
    static let temporarySuffix = ".respite-tmp"

    /// Checks `path` and creates the temporary file that will replace it.
    ///
    /// - Parameters:
    ///   - path: the file to write, absolute or relative to the current folder.
    ///   - protecting: files that must never be replaced (a session's inputs): refused when `path` is the same
    ///     file (same device and inode, through any symbolic or hard link) or the same canonical path.
    ///   - removingStale: also remove temporary files of this name left by processes that no longer exist (after
    ///     SIGKILL or a power cut).
    ///   - asCacheEntry: for a cache entry: never follow a symbolic link at `path` (the link itself is replaced)
    ///     and replace whatever is there but a folder (a FIFO or a device planted in a cache is simply replaced).
    /// - Throws: ``OutputFileError`` before anything is created when the path is refused; `.cannotWrite` when the
    ///   folder is missing or the temporary file cannot be created.
    public init(
        replacing path: String, protecting: [String] = [], removingStale: Bool = true, asCacheEntry: Bool = false
    ) throws(OutputFileError) {
        self.path = path
        let target = try Self.target(of: path, followingLinks: !asCacheEntry)
        try Self.refuseInputs(target, named: path, protecting: protecting)
        self.target = target
        let slash = target.lastIndex(of: "/")
        folder = slash.map { target[..<$0].isEmpty ? "/" : String(target[..<$0]) } ?? "."
        let name = slash.map { String(target[target.index(after: $0)...]) } ?? target
        if removingStale { Self.removeStale(named: name, in: folder) }
        var existing = stat()
        let replacesFile = lstat(target, &existing) == 0 && (existing.st_mode & S_IFMT) == S_IFREG
        var created: Int32 = -1
        var temporary = ""
        for _ in 0..<16 {
            let random = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            temporary = (folder == "/" ? "" : folder) + "/." + name + ".\(getpid())-\(random)" + Self.temporarySuffix
            created = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            if created >= 0 || errno != EEXIST { break }
        }
        guard created >= 0 else {
            throw Self.writeError(path, errno, doing: "cannot create a file in '\(folder)'")
        }
        guardSlot = TemporaryFileGuard.register(temporary)
        // Replacing a file keeps its permissions (a recording kept private stays private).
        if replacesFile { fchmod(created, existing.st_mode & 0o777) }
        temporaryPath = temporary
        descriptor = created
    }

    deinit {
        if !finished { discard() }
    }

    /// Writes all of `bytes` to the temporary file.
    ///
    /// - Throws: ``OutputFileError`` `.cannotWrite` on any error (disk full, I/O error); the caller then discards.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(OutputFileError) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw Self.writeError(path, written < 0 ? errno : ENOSPC, doing: "write failed") }
            offset += written
        }
    }

    /// Writes all of `bytes`; see ``write(_:)-(UnsafeRawBufferPointer)``.
    public func write(_ bytes: [UInt8]) throws(OutputFileError) {
        var failure: OutputFileError?
        bytes.withUnsafeBytes { buffer in
            do throws(OutputFileError) { try write(buffer) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Syncs the temporary file and renames it over ``target``; then syncs the folder so the rename survives a power
    /// cut. On failure the temporary file is removed and the earlier file stays.
    public func commit() throws(OutputFileError) {
        try finishWriting()
        if rename(temporaryPath, target) != 0 {
            let code = errno
            discard()
            throw Self.writeError(path, code, doing: "cannot rename the finished file into place")
        }
        finish()
    }

    /// Like ``commit()``, but the first file put under the name wins: when ``target`` already holds a file that
    /// `isValid` accepts (another process put the same entry there meanwhile), the new file is discarded and
    /// false is returned; anything else in the way (a damaged entry, a link, a FIFO) is replaced. For cache entries
    /// that processes may write at once (a speech clip synthesised by a render and a play started together), so
    /// all of them use the same one.
    ///
    /// - Parameter isValid: called with ``target`` when a file is already there.
    /// - Returns: true when the new file was put in place.
    /// - Throws: ``OutputFileError`` `.cannotWrite` when the file cannot be synced or put in place.
    public func commitUnlessPresent(keeping isValid: (String) -> Bool) throws(OutputFileError) -> Bool {
        try finishWriting()
        // link, unlike rename, fails when the name exists: that is how the first one wins.
        if link(temporaryPath, target) == 0 {
            unlink(temporaryPath)
            finish()
            return true
        }
        if errno == EEXIST, isValid(target) {
            discard()
            return false
        }
        // Something in the way that is not valid, or a file system without hard links: replace it (rename replaces
        // a link itself, not what it points to).
        if rename(temporaryPath, target) != 0 {
            let code = errno
            discard()
            throw Self.writeError(path, code, doing: "cannot put the finished file in place")
        }
        finish()
        return true
    }

    /// Like ``commit()``, but never replaces a file: puts the new file under the first of `names` (all in the
    /// folder of ``target``, e.g. `ID.flac`, `ID-2.flac`, …) that does not exist yet, and returns it.
    ///
    /// - Throws: ``OutputFileError`` `.cannotWrite` when every name is taken or the file cannot be placed.
    public func commitWithoutReplacing(names: [String]) throws(OutputFileError) -> String {
        try finishWriting()
        for name in names {
            // link, unlike rename, fails when the name exists.
            if link(temporaryPath, name) == 0 {
                unlink(temporaryPath)
                finish()
                return name
            }
            let code = errno
            if code == EEXIST { continue }
            // A file system without hard links (FAT on a USB stick): reserve the name, then rename over it.
            if code == EPERM || code == ENOTSUP || code == EOPNOTSUPP || code == EXDEV {
                let reservation = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
                if reservation < 0 {
                    if errno == EEXIST { continue }
                    break
                }
                close(reservation)
                if rename(temporaryPath, name) == 0 {
                    finish()
                    return name
                }
                unlink(name)
            }
            discard()
            throw Self.writeError(path, code, doing: "cannot put the finished file in place as '\(name)'")
        }
        discard()
        throw OutputFileError(
            kind: .cannotWrite, path: path, message: "every name from '\(names.first ?? path)' on is taken",
            suggestion: "Move or delete some of those files, or choose the file with --output.")
    }

    /// Removes the temporary file; the earlier file of that name stays as it was. Calling it again does nothing.
    public func discard() {
        guard !finished else { return }
        finished = true
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(temporaryPath)
        if let guardSlot { TemporaryFileGuard.release(guardSlot) }
        guardSlot = nil
    }

    /// Syncs and closes the temporary file, discarding it on failure.
    private func finishWriting() throws(OutputFileError) {
        guard !finished else {
            throw OutputFileError(
                kind: .cannotWrite, path: path, message: "the file was already finished or discarded",
                suggestion: "Write it again from the start.")
        }
        // Without the sync, a power cut after the rename could leave the name pointing at empty blocks; it is also
        // where a network file system reports a full disk.
        var code: Int32 = 0
        if fsync(descriptor) != 0 { code = errno }
        if close(descriptor) != 0 && code == 0 { code = errno }
        descriptor = -1
        if code != 0 {
            discard()
            throw Self.writeError(path, code, doing: "cannot finish writing")
        }
    }

    /// The temporary file is in place: forget it and sync the folder.
    private func finish() {
        finished = true
        if let guardSlot { TemporaryFileGuard.release(guardSlot) }
        guardSlot = nil
        // Best effort: a folder that cannot be opened or synced leaves the file written, only less durable.
        let directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    // MARK: - Checks before writing

    /// Checks, without creating anything, that `path` is a name ``init(replacing:protecting:removingStale:asCacheEntry:)``
    /// will accept (not empty, no NUL, not a folder, FIFO, device, socket or dangling link), so a caller can refuse
    /// it before doing slow work.
    public static func check(_ path: String) throws(OutputFileError) {
        _ = try target(of: path)
    }

    /// The file `path` will replace, or a refusal when `path` can never be a file Respite writes.
    static func target(of path: String, followingLinks: Bool = true) throws(OutputFileError) -> String {
        guard !path.isEmpty else {
            throw OutputFileError(
                kind: .invalidPath, path: path, message: "the file name is empty",
                suggestion: "Name the file to write, e.g. -o session.flac.")
        }
        guard !path.utf8.contains(0) else {
            throw OutputFileError(
                kind: .invalidPath, path: path.replacingOccurrences(of: "\0", with: "\\0"),
                message: "the file name holds a NUL byte", suggestion: "Name the file without control characters.")
        }
        var info = stat()
        var target = path
        if !followingLinks {
            if lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
                throw OutputFileError(
                    kind: .notRegularFile, path: path, message: "it is a folder", suggestion: "Remove the folder.")
            }
            return path
        }
        if lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK {
            guard stat(path, &info) == 0, let resolved = realpath(path, nil) else {
                throw OutputFileError(
                    kind: .notRegularFile, path: path, message: "it is a symbolic link to a file that does not exist",
                    suggestion: "Remove the link or name another file.")
            }
            target = String(cString: resolved)
            free(resolved)
        }
        if lstat(target, &info) == 0 {
            let kind = info.st_mode & S_IFMT
            guard kind == S_IFREG else {
                let what: String
                switch kind {
                case S_IFDIR: what = "it is a folder"
                case S_IFIFO: what = "it is a FIFO (named pipe)"
                case S_IFCHR, S_IFBLK: what = "it is a device"
                case S_IFSOCK: what = "it is a socket"
                default: what = "it is not a regular file"
                }
                throw OutputFileError(
                    kind: .notRegularFile, path: path, message: what,
                    suggestion: "Name a file, e.g. -o \(kind == S_IFDIR ? path + "/" : "")session.flac; Respite "
                        + "writes only regular files, so that an earlier file survives a failed write.")
            }
        } else if errno != ENOENT {
            throw writeError(path, errno, doing: "cannot examine it")
        }
        return target
    }

    /// Refuses `target` when it is one of `inputs`, by device and inode (so every link to an input counts) and,
    /// for a file that does not exist yet, by canonical path.
    static func refuseInputs(_ target: String, named path: String, protecting inputs: [String]) throws(OutputFileError)
    {
        guard !inputs.isEmpty else { return }
        var output = stat()
        let exists = stat(target, &output) == 0
        let canonicalOutput = exists ? nil : canonical(target)
        for input in inputs {
            var info = stat()
            let same =
                exists
                ? stat(input, &info) == 0 && info.st_dev == output.st_dev && info.st_ino == output.st_ino
                : canonicalOutput != nil && canonical(input) == canonicalOutput
            if same {
                throw OutputFileError(
                    kind: .isInput, path: path,
                    message: input == path
                        ? "it is one of the files this session reads"
                        : "it is the same file as '\(input)', which this session reads",
                    suggestion: "Choose another output file; rendering over a session's own input would destroy it.")
            }
        }
    }

    /// The absolute path with every symbolic link resolved, for a file that may not exist yet (its folder does).
    static func canonical(_ path: String) -> String? {
        if let resolved = realpath(path, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { path[..<$0].isEmpty ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard let resolved = realpath(folder, nil) else { return nil }
        defer { free(resolved) }
        let base = String(cString: resolved)
        return (base == "/" ? "" : base) + "/" + name
    }

    /// Removes `.NAME.PID-*.respite-tmp` files in `folder` whose process no longer exists.
    static func removeStale(named name: String, in folder: String) {
        let prefix = "." + name + "."
        guard let directory = opendir(folder) else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            // The name is read up to its NUL, in place: readdir's record is only as long as the
            // name needs, so copying the whole 256-byte d_name field read past it (AddressSanitizer).
            guard let offset = MemoryLayout<dirent>.offset(of: \dirent.d_name) else { continue }
            let bytes = UnsafeRawPointer(entry).advanced(by: offset).assumingMemoryBound(to: UInt8.self)
            let entryName = String(decoding: UnsafeBufferPointer(start: bytes, count: strlen(bytes)), as: UTF8.self)
            guard entryName.hasPrefix(prefix), entryName.hasSuffix(temporarySuffix) else { continue }
            let middle = entryName.dropFirst(prefix.count).dropLast(temporarySuffix.count)
            guard let dash = middle.firstIndex(of: "-"), let pid = Int32(middle[..<dash]), pid > 0 else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                unlink((folder == "/" ? "" : folder) + "/" + entryName)
            }
        }
    }

    static func writeError(_ path: String, _ code: Int32, doing what: String) -> OutputFileError {
        let suggestion: String
        switch code {
        case ENOSPC, EDQUOT: suggestion = "Free some space on that disk, or write to another one."
        case EACCES, EPERM: suggestion = "Check the folder's permissions, or write somewhere you may."
        case EROFS: suggestion = "That disk is read-only: write to another one."
        case ENOENT, ENOTDIR: suggestion = "Check that the folder exists, or choose another file."
        default: suggestion = "Check the disk and the folder, or write to another one."
        }
        return OutputFileError(
            kind: .cannotWrite, path: path, message: "\(what) (\(String(cString: strerror(code))))",
            suggestion: suggestion + " Any earlier file of that name is unchanged.")
    }
}
