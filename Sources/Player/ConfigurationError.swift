import SessionKit

/// One problem with the configuration file, located precisely enough to fix it.
///
/// The description reads `file:line:column: devices.default.maxVolme: unknown key 'maxVolme'; did you mean
/// 'maxVolume'?`, the shape editors and terminals recognise as a jump-to location. A problem with the file
/// itself (unreadable, a folder, too large) has no line, column or JSON path: `file: message; suggestion`.
public struct ConfigurationProblem: Sendable, Equatable, CustomStringConvertible {
    /// The configuration file's path.
    public var file: String
    /// JSON path of the offending value, e.g. `devices.default.maxVolume`; empty for the whole file.
    public var path: String
    /// 1-based line and column of the offending key or value; nil for a problem with the file itself.
    public var line: Int?
    public var column: Int?
    /// What is wrong.
    public var message: String
    /// What to do about it, when Respite can tell.
    public var suggestion: String?

    public init(
        file: String, path: String = "", line: Int? = nil, column: Int? = nil, message: String,
        suggestion: String? = nil
    ) {
        self.file = file
        self.path = path
        self.line = line
        self.column = column
        self.message = message
        self.suggestion = suggestion
    }

    /// Invisible characters (a key or value quoted from the file may hold any) are escaped, never shown raw.
    public var description: String {
        SessionError.located(
            file: file, line: line, column: column, path: path, message: message, suggestion: suggestion)
    }
}

/// The configuration file cannot be used: every problem found in it, sorted by position.
///
/// Respite stops on it (exit status 78) rather than play with settings the listener did not write: a
/// misspelt volume limit must not silently remove the limit.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The configuration file's path.
    public var path: String
    /// Every problem, by line and column; never empty.
    public var problems: [ConfigurationProblem]

    public init(path: String, problems: [ConfigurationProblem]) {
        self.path = path
        self.problems = problems
    }

    /// One problem with the file as a whole.
    public init(path: String, message: String, suggestion: String? = nil) {
        self.init(path: path, problems: [ConfigurationProblem(file: path, message: message, suggestion: suggestion)])
    }

    /// Every problem's description, one a line.
    public var message: String { problems.map(\.description).joined(separator: "\n") }

    public var description: String {
        message + "\nRespite stops here: fix \(path) (every key is optional; see docs/configuration.md) "
            + "or move it away to use the defaults."
    }
}
