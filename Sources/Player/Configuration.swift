import FileAccess
import Foundation
import Localization
import SessionKit

#if canImport(Glibc)
    import Glibc
#endif

/// Settings a listener or a clinic sets once for a machine, in
/// `$XDG_CONFIG_HOME/respite/config.json` (or `~/.config/respite/config.json`).
///
/// Every key is optional; missing keys keep the defaults:
/// ```json
/// {
///   "loudness": { "voice": -20, "music": -32, "cues": -26, "programme": -23 },
///   "ceiling": -1,
///   "devices": { "default": { "maxVolume": -6 } },
///   "crisisLine": "If you are in crisis or thinking of harming yourself, call or text 988.",
///   "history": "/var/lib/respite/history.sqlite",
///   "ratings": { "ask": true, "items": ["pain", "anxiety", "fatigue"] }
/// }
/// ```
/// The file is read strictly (``parse(bytes:file:)``): an unknown key, a value of the wrong type or out of
/// its range, a syntax error or a file that cannot be read stops Respite with every problem located, since
/// a misspelt volume limit silently ignored would leave a loud speaker without its limit.
public struct Configuration: Sendable, Equatable {
    /// Integrated loudness each bus is brought to, LUFS.
    public struct Loudness: Sendable, Equatable {
        /// Narration, -40…-10 LUFS. -20 is clear and unhurried on headphones and small speakers.
        public var voice: Double
        /// The music bed before ducking, -50…-15 LUFS: well under the voice.
        public var music: Double
        /// Bells, chimes and pacers, -45…-12 LUFS.
        public var cues: Double
        /// The whole session's integrated loudness, -36…-14 LUFS; nil leaves the balance of the buses as it
        /// is. -23 (EBU R128) is calm and leaves room below the ceiling.
        public var programme: Double?

        public init(voice: Double = -20, music: Double = -32, cues: Double = -26, programme: Double? = -23) {
            self.voice = voice
            self.music = music
            self.cues = cues
            self.programme = programme
        }
    }

    /// Per sound device (by its `--device` name).
    public struct Device: Sendable, Equatable {
        /// The loudest the player's volume may go on this device, dB, -40…+6: a safety limit for a
        /// loud speaker, whatever a session or a key press asks.
        public var maxVolume: Double?

        public init(maxVolume: Double? = nil) { self.maxVolume = maxVolume }
    }

    public var loudness: Loudness
    /// True-peak ceiling of the master limiter, dBTP, -20…0.
    public var ceiling: Double
    /// Settings by device name, exactly as `--device` takes it.
    public var devices: [String: Device]
    /// The crisis resource shown before and after every session, as one sentence for the clinic's country;
    /// nil: the default for the listener's region (``crisisLine(language:environment:)``); empty: none.
    public var crisisLine: String?
    /// The history database, an absolute path (a clinic machine's shared record); nil: the listener's own,
    /// `$XDG_DATA_HOME/respite/history.sqlite`.
    public var history: String?
    /// The questions asked before and after a session.
    public var ratings: Ratings

    /// How the listener is asked how they feel before and after a session (ESAS-r items, 0–10, each skippable).
    public struct Ratings: Sendable, Equatable {
        /// Whether to ask at all on an interactive terminal; `--before`/`--after` still record given ratings.
        public var ask: Bool
        /// The items to ask, by ``RatingItem`` key; a session may add its own. Default: pain and anxiety.
        public var items: [String]

        public init(ask: Bool = true, items: [String] = RatingItem.defaultKeys) {
            self.ask = ask
            self.items = items
        }
    }

    public init(
        loudness: Loudness = Loudness(), ceiling: Double = -1, devices: [String: Device] = [:],
        crisisLine: String? = nil, history: String? = nil, ratings: Ratings = Ratings()
    ) {
        self.loudness = loudness
        self.ceiling = ceiling
        self.devices = devices
        self.crisisLine = crisisLine
        self.history = history
        self.ratings = ratings
    }

    /// The longest crisis line accepted, in characters.
    public static let maximumCrisisLineLength = 300

    /// The crisis line in the United States (988 Suicide & Crisis Lifeline, call or text).
    public static let unitedStatesCrisisLine = InterfaceText.english.crisisLineUnitedStates
    /// Where no line is set and the region is not known to Respite.
    public static let generalCrisisLine = InterfaceText.english.crisisLineGeneral

    /// The crisis line to show: the configured one; else, when the listener's region (of `LC_ALL`, `LC_MESSAGES`
    /// or `LANG`, as `en_US.UTF-8`) is the United States, 988; else a general line that points to local emergency
    /// numbers and the care team. Nil when the configuration sets it empty. A session's language says nothing of
    /// where its listener is, so it is not used.
    ///
    /// - Parameter text: the interface's words, for the default lines (988 offers Spanish, and interpreters).
    public func crisisLine(
        in text: InterfaceText = .english, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String? {
        if let crisisLine {
            let trimmed = crisisLine.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty ? nil : trimmed
        }
        return Self.region(environment: environment) == "US" ? text.crisisLineUnitedStates : text.crisisLineGeneral
    }

    /// The region of the locale in the environment (`US` for `en_US.UTF-8@euro`, `zh_Hant_TW`), or nil for the
    /// C and POSIX locales and for none.
    static func region(environment: [String: String]) -> String? {
        guard let name = Language.messagesLocale(environment: environment), name != "C" && name != "POSIX" else {
            return nil
        }
        return Language.subtags(name).dropFirst().first { part in
            (part.count == 2 && part.allSatisfy { $0.isASCII && $0.isLetter })
                || (part.count == 3 && part.allSatisfy { $0.isASCII && $0.isNumber })
        }.map { $0.uppercased() }
    }

    /// The largest configuration file read, in bytes (64 KiB): a real one is a few hundred bytes.
    public static let maximumFileSize = 64 << 10
    /// The longest device name accepted, in UTF-8 bytes.
    public static let maximumDeviceNameLength = 256

    /// Where the configuration lives: `config.json` in ``UserDirectories`` `.config` (`$XDG_CONFIG_HOME/respite`,
    /// else `$HOME/.config/respite`, else the same under the home folder in the password database).
    ///
    /// As the XDG Base Directory specification asks, an `XDG_CONFIG_HOME` that is empty or relative is ignored;
    /// so is a `HOME` that is empty or relative. Nil when no home folder is known: there is no configuration.
    public static func defaultPath(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String? {
        UserDirectories.respite(.config, environment: environment).map { $0 + "/config.json" }
    }

    /// Reads the configuration at `path`; a missing file (or no path at all) gives the defaults.
    ///
    /// Anything else that keeps the file from being used stops with a ``ConfigurationError``: a file that
    /// cannot be read, a folder, a FIFO or device (never opened in a way that blocks), a file over
    /// ``maximumFileSize``, a symbolic link to nothing, and every problem ``parse(bytes:file:)`` finds.
    public static func load(from path: String? = defaultPath()) throws(ConfigurationError) -> Configuration {
        guard let path else { return Configuration() }
        let bytes: [UInt8]
        do {
            bytes = try InputFile.read(path, maximumBytes: maximumFileSize)
        } catch {
            if error.kind == .missing {
                // A link whose target is gone was put there on purpose; using the defaults would hide that.
                guard isSymbolicLink(path) else { return Configuration() }
                throw ConfigurationError(
                    path: path, message: "this is a symbolic link to a file that does not exist",
                    suggestion: "point the link at the configuration file, or remove it to use the defaults")
            }
            throw ConfigurationError(path: path, message: error.message, suggestion: error.suggestion)
        }
        return try parse(bytes: bytes, file: path)
    }

    /// Reads a configuration from bytes already read, reporting every problem at once.
    ///
    /// Pure: touches no file, so it is also what the fuzzer drives.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents, UTF-8 (a byte order mark at the start is allowed), at most
    ///     ``maximumFileSize`` bytes.
    ///   - file: the file's name, shown in every problem.
    /// - Throws: ``ConfigurationError`` listing every problem by line and column.
    public static func parse(bytes: [UInt8], file: String) throws(ConfigurationError) -> Configuration {
        guard bytes.count <= maximumFileSize else {
            throw ConfigurationError(
                path: file, message: "the file is \(bytes.count) bytes; at most \(maximumFileSize) are accepted",
                suggestion: "is this the right file?")
        }
        let root: JSONValue
        do {
            root = try JSONParser(documentName: "configuration").parse(bytes)
        } catch {
            throw ConfigurationError(
                path: file,
                problems: [
                    ConfigurationProblem(
                        file: file, path: error.path.description, line: error.location.line,
                        column: error.location.column, message: error.message, suggestion: error.suggestion)
                ])
        }
        var reader = Reader(file: file)
        let configuration = reader.read(root)
        guard reader.problems.isEmpty else { throw ConfigurationError(path: file, problems: reader.sortedProblems()) }
        return configuration
    }

    private static func isSymbolicLink(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFLNK
    }
}
