import FileAccess
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Where every Respite cache lives (speech clips, file loudness, programme loudness), decided once per process.
///
/// The root is, in order:
/// 1. to 3. ``UserDirectories`` `.cache`: `$XDG_CACHE_HOME/respite` when `XDG_CACHE_HOME` is absolute, else
///    `$HOME/.cache/respite` when `HOME` is absolute, else `.cache/respite` in the home folder of the passwd entry
///    when that folder exists (a service started without `HOME`);
/// 4. a private folder `respite-cache-UID` in `/tmp`, created with mode 0700 and accepted only when `lstat` finds
///    a real folder (not a symbolic link) owned by this user with mode 0700, so another local user cannot plant a
///    link there that makes Respite (perhaps as root) overwrite a file of theirs choosing;
/// 5. none: no disk cache.
///
/// Each cache's folder is created under the root and tried (a file is created in it and removed). A folder that
/// cannot be used (a read-only disk, a file in its place, a link to something that is not a writable folder) is
/// never an error: the cache is an optimisation, never a requirement. That cache then runs without disk (speech
/// clips go to a private folder removed when the process ends), the output is identical, and ``warning`` says
/// so once.
///
/// Thread safety: safe from any thread.
public enum CacheDirectory {
    /// The caches' folders, and a warning when one of them cannot be used.
    public struct Folders: Sendable, Equatable {
        /// The root holding every cache, nil when there is none.
        public var root: String?
        /// Speech clips; nil when unusable (clips then go to a private temporary folder).
        public var speech: String?
        /// File loudness measurements; nil when unusable (then measured every time).
        public var loudness: String?
        /// Programme loudness; nil when unusable (then measured every time).
        public var programme: String?
        /// One line saying which folder could not be used and why, for standard error; nil when all is well.
        public var warning: String?
    }

    /// The folders for this process, from its environment, decided on first use.
    public static let current: Folders = {
        let environment = ProcessInfo.processInfo.environment
        let found = CacheDirectory.root(
            environment: environment, passwordHome: UserDirectories.passwordHome(), temporaryFolder: "/tmp",
            userID: geteuid())
        let result = folders(under: found.path, rootProblem: found.problem)
        Logger.audio.debug("cache folder: \(result.root ?? "none")")
        return result
    }()

    /// The cache root for `environment`; see the type's discussion. `problem` says why a private folder was
    /// refused when it was.
    ///
    /// - Parameters:
    ///   - passwordHome: the passwd entry's home folder, nil when there is none.
    ///   - temporaryFolder: where the private folder is made (`/tmp`; tests pass their own).
    ///   - userID: the owner the private folder must have.
    public static func root(
        environment: [String: String], passwordHome: String?, temporaryFolder: String, userID: uid_t
    ) -> (path: String?, problem: String?) {
        if let root = UserDirectories.respite(.cache, environment: environment, passwordHome: { passwordHome }) {
            return (root, nil)
        }
        let folder = join(temporaryFolder, "respite-cache-\(userID)")
        if mkdir(folder, 0o700) != 0 && errno != EEXIST {
            return (nil, "cannot create '\(folder)' (\(String(cString: strerror(errno))))")
        }
        var info = stat()
        guard lstat(folder, &info) == 0 else { return (nil, "cannot examine '\(folder)'") }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            return (nil, "'\(folder)' is not a folder (a link or a file is in its place)")
        }
        guard info.st_uid == userID else { return (nil, "'\(folder)' belongs to user \(info.st_uid), not \(userID)") }
        guard info.st_mode & 0o777 == 0o700 else {
            return (nil, "'\(folder)' has mode \(String(info.st_mode & 0o777, radix: 8)), not 700")
        }
        return (folder, nil)
    }

    /// Creates and tries each cache's folder under `root`.
    public static func folders(under root: String?, rootProblem: String? = nil) -> Folders {
        guard let root else {
            return Folders(
                root: nil,
                warning: "warning: Respite has no safe cache folder (\(rootProblem ?? "no home folder")); "
                    + "carrying on without a disk cache, so sessions take longer to prepare.")
        }
        var result = Folders(root: root)
        var problems: [String] = []
        for name in ["speech", "loudness", "programme"] {
            let folder = join(root, name)
            if let problem = usability(of: folder) {
                problems.append(problem)
                continue
            }
            switch name {
            case "speech": result.speech = folder
            case "loudness": result.loudness = folder
            default: result.programme = folder
            }
        }
        if let first = problems.first {
            result.warning =
                "warning: cannot use the cache folder \(first); carrying on without "
                + "\(problems.count == 3 ? "a disk cache" : "part of the disk cache"), so sessions take longer to prepare."
        }
        return result
    }

    /// nil when `folder` is (or can be made) a folder this process can create files in; else why not.
    static func usability(of folder: String) -> String? {
        let code = makeFolders(folder)
        guard code == 0 else {
            return
                "'\(folder)' (\(code == ENOTDIR ? "something that is not a folder is in its place" : String(cString: strerror(code))))"
        }
        let probe = join(folder, ".probe-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return "'\(folder)' (\(String(cString: strerror(errno))))" }
        close(descriptor)
        unlink(probe)
        return nil
    }

    /// A private folder for speech clips when there is no usable speech cache, removed when the process exits
    /// normally; nil when even that cannot be made.
    public static let privateSpeechFolder: String? = {
        var template = Array("/tmp/respite-speech-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return mkdtemp(base) != nil
        }
        guard made else { return nil }
        let folder = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        temporarySpeechFolder = folder
        atexit {
            if let folder = temporarySpeechFolder { try? FileManager.default.removeItem(atPath: folder) }
        }
        return folder
    }()

    /// The folder ``privateSpeechFolder`` made, for the exit handler (which cannot capture).
    nonisolated(unsafe) private static var temporarySpeechFolder: String?

    static func isFolder(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// `mkdir -p`, mode 0755 less the umask: 0, or the errno that stopped it (ENOTDIR for something that is not a
    /// folder in the way).
    public static func makeFolders(_ path: String) -> Int32 {
        var prefix = ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += "/" + component
            if mkdir(prefix, 0o755) == 0 { continue }
            let code = errno
            if code == EEXIST || code == EACCES || code == EROFS, isFolder(prefix) { continue }
            return code == EEXIST ? ENOTDIR : code
        }
        return 0
    }

    static func join(_ folder: String, _ name: String) -> String { UserDirectories.join(folder, name) }
}
