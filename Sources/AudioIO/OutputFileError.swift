/// A file that Respite was asked to write but will not or could not: what, where, why, and what to do.
///
/// Thrown by ``AtomicFile`` before anything is written (a path that is a folder, a device, one of the session's own
/// inputs) or when writing, syncing or renaming fails. The earlier file of that name is always left as it was.
public struct OutputFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why the file was refused or not written.
    public enum Kind: Sendable, Equatable {
        /// The path is empty or holds a NUL byte.
        case invalidPath
        /// The path names something that is not a regular file: a folder, a FIFO, a device, a socket, a dangling
        /// symbolic link.
        case notRegularFile
        /// The path names one of the files the session reads (its session file, a recording, a bundled sound,
        /// a cached speech clip, the configuration).
        case isInput
        /// The folder is missing, or the file could not be created, written, synced or renamed into place.
        case cannotWrite
    }

    /// Why.
    public var kind: Kind
    /// The file as the user named it.
    public var path: String
    /// What went wrong, e.g. "No space left on device".
    public var message: String
    /// What the user can do about it, one sentence.
    public var suggestion: String

    public init(kind: Kind, path: String, message: String, suggestion: String) {
        self.kind = kind
        self.path = path
        self.message = message
        self.suggestion = suggestion
    }

    public var description: String {
        "cannot write '\(path)': \(message). \(suggestion)"
    }
}
