/// Reads a session file and checks everything `docs/session-format.md` asks of it, producing a
/// ``Session`` only when the file is entirely valid.
///
/// Every problem is reported, not just the first: the thrown ``SessionErrors`` lists them all,
/// sorted by line and column, each with the file, the JSON path (`steps[3].tense`), the line
/// and column of the offending value, a plain-language message and, where Respite can tell, what
/// to do. A syntax error stops reading, since nothing after it can be trusted; all other checks
/// run to the end.
///
/// The loader also expands `block` and `repeat` steps into the flat ``Session/steps``, each
/// ``Step/path`` naming where that step was written (`blocks.arms[1]`, `steps[4].steps[0]`).
///
/// Thread safety: immutable and `Sendable`; load on any thread.
public struct SessionLoader: Sendable {
    /// Checks a sound file named `relative` (already checked as text) under `root`; returns nil when it can be
    /// used, else why not.
    public typealias SoundFileCheck = @Sendable (_ root: String, _ relative: String) -> InputFileError?

    /// A session file may be at most this many bytes (1 MiB).
    public static let maximumFileSize = 1 << 20
    /// Blocks and repeats may expand to at most this many steps.
    public static let maximumExpandedSteps = 10_000
    /// A single duration may be at most this many seconds (one hour).
    public static let maximumDuration: Double = 3600
    /// The fixed durations of a session (silences, pauses, holds, breaths, bells) may add up to at
    /// most this many seconds (six hours).
    public static let maximumSessionDuration: Double = 6 * 3600

    /// Absolute path of Respite's bundled `Audio/` folder, against which `audio:` references
    /// resolve; `nil` when unknown, in which case `audio:` files are not checked for existence.
    public let audioRoot: String?
    /// Checks a sound file named relative to a root folder; nil when it can be used.
    public let checkFile: SoundFileCheck

    /// - Parameters:
    ///   - audioRoot: absolute path of the bundled `Audio/` folder (for `audio:` references); nil if unknown.
    ///   - checkFile: injected for tests; the default (``fileSystemCheck``) resolves links, keeps the file
    ///     inside its root and requires a regular file.
    public init(audioRoot: String?, checkFile: @escaping SoundFileCheck = SessionLoader.fileSystemCheck) {
        self.audioRoot = audioRoot
        self.checkFile = checkFile
    }

    /// A loader whose sound files exist when `fileExists` says so of their joined absolute path (for tests).
    public init(audioRoot: String?, fileExists: @escaping @Sendable (String) -> Bool) {
        self.init(audioRoot: audioRoot) { root, relative in
            let path = SessionLoader.join(root, relative)
            return fileExists(path)
                ? nil
                : InputFileError(kind: .missing, path: path, message: "there is no file here", suggestion: "")
        }
    }

    /// Loads a session from bytes already read.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents (UTF-8, at most ``maximumFileSize`` bytes).
    ///   - file: the file's name as the user gave it; used in every error.
    ///   - directory: the folder holding the session; relative sound references resolve against it.
    /// - Throws: ``SessionErrors`` with every problem found, sorted by position.
    public func load(bytes: [UInt8], file: String, directory: String) throws(SessionErrors) -> Session {
        guard bytes.count <= Self.maximumFileSize else {
            throw SessionErrors([Self.tooLargeError(file: file, size: UInt64(bytes.count))])
        }
        let root: JSONValue
        do {
            root = try JSONParser().parse(bytes)
        } catch {
            throw SessionErrors([
                SessionError(
                    file: file, path: error.path.description, line: error.location.line,
                    column: error.location.column, message: error.message, suggestion: error.suggestion)
            ])
        }
        var decoder = Decoder(loader: self, file: file, directory: directory)
        decoder.errors = Self.displayTextErrors(in: root, path: .root, file: file)
        let session = decoder.decodeSession(root)
        guard let session, decoder.errors.isEmpty else {
            throw SessionErrors(decoder.sortedErrors())
        }
        return session
    }

    /// `folder/relative`, without doubling the slash.
    static func join(_ folder: String, _ relative: String) -> String {
        if folder.isEmpty { return relative }
        return folder.hasSuffix("/") ? folder + relative : folder + "/" + relative
    }

    static func tooLargeError(file: String, size: UInt64) -> SessionError {
        let megabytes = Double(size) / Double(1 << 20)
        let shown = megabytes >= 10 ? String(Int(megabytes.rounded())) : String(Double(Int(megabytes * 10)) / 10)
        return SessionError(
            file: file, path: "", line: 1, column: 1,
            message: "the file is \(shown) MiB (\(size) bytes); a session file can be at most 1 MiB",
            suggestion: "is this the right file? A session is a short text file")
    }
}

extension SoundReference {
    /// Where a file reference lives: the folder it is relative to (`audioRoot` for a bundled sound, the session's
    /// folder for a file) and its path inside that folder; nil for a built-in sound, and for a bundled one when
    /// `audioRoot` is nil.
    ///
    /// The one place that decides a reference's root: open the file with ``InputFile/resolve(_:inside:)`` on
    /// these two, which follows links and keeps the result inside the root.
    public func location(audioRoot: String?, sessionFolder: String) -> (root: String, relative: String)? {
        switch self {
        case .builtin: nil
        case .bundled(let path): audioRoot.map { ($0, path) }
        case .file(let path): (sessionFolder, path)
        }
    }
}
