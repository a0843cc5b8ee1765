/// The history database cannot be used: it cannot be opened or written, is damaged, or was made by a newer
/// Respite. A session still plays; the message says what happened and what to do.
public struct HistoryError: Error, Sendable, CustomStringConvertible {
    /// The database file.
    public var path: String
    /// What is wrong and what to do, as one line.
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `PATH: message`.
    public var description: String { "\(path): \(message)" }
}
