#if canImport(Glibc)
    import Glibc
#endif

/// Where Respite keeps a user's files, as the XDG Base Directory specification says: the one place that reads
/// `XDG_CACHE_HOME`, `XDG_CONFIG_HOME`, `XDG_DATA_HOME`, `XDG_STATE_HOME` and `HOME`.
///
/// A kind's base folder is, in order:
/// 1. its `XDG_…_HOME` variable, when that is an absolute path (the specification says to ignore an empty or
///    relative one);
/// 2. its default under `HOME` (`~/.cache`, `~/.config`, `~/.local/share`, `~/.local/state`), when `HOME` is
///    absolute;
/// 3. the same under the home folder of this user's passwd entry, when that is an absolute path to an existing
///    folder (a service started without `HOME`; a home that does not exist is never created);
/// 4. none (nil): the caller carries on without (no cache on disk, the default configuration, no user sessions).
///
/// Respite's own folder in each is `BASE/respite`.
///
/// Thread safety: safe from any thread (`getpwuid_r`, `stat`).
public enum UserDirectories {
    /// The four kinds of folder the specification names.
    public enum Kind: String, Sendable, CaseIterable {
        /// Files that can be made again (speech clips, loudness measurements): `XDG_CACHE_HOME`, `~/.cache`.
        case cache
        /// Settings the user writes (`config.json`): `XDG_CONFIG_HOME`, `~/.config`.
        case config
        /// Files the user keeps (their own sessions): `XDG_DATA_HOME`, `~/.local/share`.
        case data
        /// State kept between runs (preferences chosen on the start screen, resume points): `XDG_STATE_HOME`,
        /// `~/.local/state`.
        case state

        /// The environment variable that names the base folder.
        public var variable: String {
            switch self {
            case .cache: "XDG_CACHE_HOME"
            case .config: "XDG_CONFIG_HOME"
            case .data: "XDG_DATA_HOME"
            case .state: "XDG_STATE_HOME"
            }
        }

        /// The base folder relative to the home folder when the variable is not set.
        public var underHome: String {
            switch self {
            case .cache: ".cache"
            case .config: ".config"
            case .data: ".local/share"
            case .state: ".local/state"
            }
        }
    }

    /// Respite's folder of `kind` (`BASE/respite`), or nil when no base folder is known.
    ///
    /// - Parameters:
    ///   - environment: the process environment (tests pass their own).
    ///   - passwordHome: the passwd entry's home folder, asked for only when neither variable helps; tests pass
    ///     their own.
    public static func respite(
        _ kind: Kind, environment: [String: String], passwordHome: () -> String? = passwordHome
    ) -> String? {
        base(kind, environment: environment, passwordHome: passwordHome).map { join($0, "respite") }
    }

    /// The base folder of `kind` (e.g. `~/.cache`), or nil; see the type's discussion.
    public static func base(
        _ kind: Kind, environment: [String: String], passwordHome: () -> String? = passwordHome
    ) -> String? {
        if let base = environment[kind.variable], base.hasPrefix("/") { return base }
        if let home = environment["HOME"], home.hasPrefix("/") { return join(home, kind.underHome) }
        if let home = passwordHome(), home.hasPrefix("/"), isFolder(home) { return join(home, kind.underHome) }
        return nil
    }

    /// The home folder in this user's passwd entry (by effective user id), nil when there is none or it is empty.
    public static func passwordHome() -> String? {
        var size = 4096
        // getpwuid_r asks for a bigger buffer with ERANGE; 1 MiB is far more than any entry needs.
        while size <= 1 << 20 {
            var entry = passwd()
            var found: UnsafeMutablePointer<passwd>?
            var buffer = [CChar](repeating: 0, count: size)
            let (code, home): (Int32, String?) = buffer.withUnsafeMutableBufferPointer { storage in
                guard let base = storage.baseAddress else { return (EINVAL, nil) }
                let code = getpwuid_r(geteuid(), &entry, base, storage.count, &found)
                // pw_dir points into the buffer, so it is copied out while the buffer is alive.
                guard code == 0, found != nil, let directory = entry.pw_dir else { return (code, nil) }
                return (code, String(cString: directory))
            }
            if code == ERANGE {
                size *= 2
                continue
            }
            return home.flatMap { $0.isEmpty ? nil : $0 }
        }
        return nil
    }

    /// `folder/name`, with one slash between them.
    public static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    /// True when `path` is a folder (following links).
    static func isFolder(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
