#if canImport(Glibc)
    import Glibc
#endif

/// The one way Respite opens a file it reads: a session, a sound, a cached clip, a configuration.
///
/// Every input goes through the same rules, so a hostile or unlucky file system cannot hang, crash or
/// mislead the player:
/// - a path with a NUL byte is refused (C would silently cut it short, past every check made on the text);
/// - the file is opened with `O_NONBLOCK`, so a FIFO or a device never blocks the open, and then `fstat` must
///   say it is a regular file (a folder, FIFO, socket or device is refused with what it is);
/// - a size cap is checked against `fstat` before reading and enforced while reading, so a file that grows
///   after the check is still cut off;
/// - ``resolve(_:inside:)`` follows symbolic links with `realpath` and refuses a result outside its root, so a
///   link inside a session's folder cannot lead anywhere else on the disk.
///
/// Thread safety: stateless; call from any thread. Real-time safety: none (system calls on files).
public enum InputFile {
    /// Opens `path` for reading and returns its file descriptor, positioned at the start, in blocking mode.
    ///
    /// The caller owns the descriptor and closes it.
    ///
    /// - Throws: ``InputFileError`` when the path is invalid, missing, unreadable or not a regular file.
    public static func open(_ path: String) throws(InputFileError) -> Int32 {
        try checkText(of: path)
        let descriptor = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        if descriptor < 0 { throw openError(path: path, code: errno) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw openError(path: path, code: code)
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            Glibc.close(descriptor)
            throw InputFileError(
                kind: .notRegularFile, path: path, message: "this is \(kindName(status.st_mode)), not a file",
                suggestion: "name a regular file")
        }
        let flags = fcntl(descriptor, F_GETFL)
        if flags >= 0 { _ = fcntl(descriptor, F_SETFL, flags & ~O_NONBLOCK) }
        return descriptor
    }

    /// Reads the whole regular file at `path`.
    ///
    /// - Parameter maximumBytes: the largest file accepted, in bytes (≥ 0); a larger one fails before anything
    ///   is read, and never more than `maximumBytes + 1` bytes are read from a file that grows meanwhile.
    /// - Throws: ``InputFileError``, of kind ``InputFileError/Kind/tooLarge`` for a file over the cap.
    public static func read(_ path: String, maximumBytes: Int) throws(InputFileError) -> [UInt8] {
        let descriptor = try open(path)
        defer { Glibc.close(descriptor) }
        var status = stat()
        if fstat(descriptor, &status) == 0, status.st_size > maximumBytes {
            throw tooLarge(path: path, bytes: Int(status.st_size), maximumBytes: maximumBytes)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(maximumBytes, max(0, Int(status.st_size))) + 1)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while bytes.count <= maximumBytes {
            let wanted = min(chunk.count, maximumBytes + 1 - bytes.count)
            let got = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, wanted) }
            if got < 0 {
                if errno == EINTR { continue }
                throw InputFileError(
                    kind: .unreadable, path: path, message: "reading failed: \(String(cString: strerror(errno)))",
                    suggestion: "check the disk and the file's permissions")
            }
            if got == 0 { break }
            bytes.append(contentsOf: chunk[..<got])
        }
        if bytes.count > maximumBytes { throw tooLarge(path: path, bytes: bytes.count, maximumBytes: maximumBytes) }
        return bytes
    }

    /// The real path of `relative` under `root`, with every symbolic link followed; fails when it leads out of
    /// `root`, or when the file does not exist.
    ///
    /// - Parameters:
    ///   - relative: a path relative to `root` (already checked for `..` and absolute forms by its caller).
    ///   - root: the folder the file must stay in; it may itself be reached through links.
    /// - Returns: an absolute path with no links in it, inside the real path of `root`.
    public static func resolve(_ relative: String, inside root: String) throws(InputFileError) -> String {
        try checkText(of: relative)
        try checkText(of: root)
        let joined = root.hasSuffix("/") ? root + relative : root + "/" + relative
        guard let realRoot = realPath(root) else { throw openError(path: root, code: errno) }
        guard let real = realPath(joined) else { throw openError(path: joined, code: errno) }
        let prefix = realRoot.hasSuffix("/") ? realRoot : realRoot + "/"
        guard real.hasPrefix(prefix) else {
            throw InputFileError(
                kind: .outsideRoot, path: joined,
                message: "this leads to \(real), outside \(realRoot) (through a symbolic link)",
                suggestion: "copy the file into the folder instead of linking to it")
        }
        return real
    }

    /// Refuses a path that C would read differently from Swift: empty, or with a NUL byte inside.
    public static func checkText(of path: String) throws(InputFileError) {
        if path.isEmpty {
            throw InputFileError(
                kind: .invalidPath, path: path, message: "the file name is empty", suggestion: "name a file")
        }
        if path.utf8.contains(0) {
            throw InputFileError(
                kind: .invalidPath, path: path.replacingNUL, message: "the file name contains a NUL character",
                suggestion: "remove the \\u0000 from the name")
        }
    }

    /// A phrase for a file type from `st_mode`: "a folder", "a named pipe (FIFO)", ….
    public static func kindName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: "a folder"
        case S_IFIFO: "a named pipe (FIFO)"
        case S_IFSOCK: "a socket"
        case S_IFCHR, S_IFBLK: "a device"
        case S_IFLNK: "a symbolic link"
        default: "not a regular file"
        }
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func tooLarge(path: String, bytes: Int, maximumBytes: Int) -> InputFileError {
        InputFileError(
            kind: .tooLarge, path: path, message: "the file is \(bytes) bytes; at most \(maximumBytes) are accepted",
            suggestion: "is this the right file?")
    }

    private static func openError(path: String, code: Int32) -> InputFileError {
        let reason = String(cString: strerror(code))
        switch code {
        case ENOENT, ENOTDIR:
            return InputFileError(
                kind: .missing, path: path, message: "there is no file here", suggestion: "check the name and folder")
        case EACCES, EPERM:
            return InputFileError(
                kind: .unreadable, path: path, message: "permission denied", suggestion: "check the file's permissions")
        case ELOOP:
            return InputFileError(
                kind: .invalidPath, path: path, message: "too many symbolic links (\(reason))",
                suggestion: "replace the links with the file itself")
        case ENAMETOOLONG:
            return InputFileError(
                kind: .invalidPath, path: path, message: "the name is too long", suggestion: "use a shorter path")
        default:
            return InputFileError(
                kind: .unreadable, path: path, message: "it cannot be opened: \(reason)",
                suggestion: "check the file and the disk")
        }
    }
}

/// Why an input file cannot be used: what, where and what to do.
public struct InputFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of problem, for callers that map it to their own messages or exit codes.
    public enum Kind: Sendable, Equatable {
        case missing, notRegularFile, tooLarge, outsideRoot, invalidPath, unreadable
    }

    public var kind: Kind
    /// The file as named (NUL characters shown as `\0`).
    public var path: String
    /// What is wrong, in plain words.
    public var message: String
    /// What to do about it.
    public var suggestion: String

    public init(kind: Kind, path: String, message: String, suggestion: String) {
        self.kind = kind
        self.path = path
        self.message = message
        self.suggestion = suggestion
    }

    public var description: String { "\(path): \(message); \(suggestion)" }
}

extension String {
    /// The text with each NUL shown as `\0`, for messages.
    fileprivate var replacingNUL: String {
        String(decoding: utf8.flatMap { $0 == 0 ? Array("\\0".utf8) : [$0] }, as: UTF8.self)
    }
}
