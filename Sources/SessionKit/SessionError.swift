/// A problem found in a session file, located precisely enough for a therapist to fix it.
///
/// The description reads `file:line:column: steps[3].tense: message (suggestion)`, the shape
/// editors and terminals recognise as a jump-to location.
public struct SessionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The session file as the user named it.
    public var file: String
    /// JSON path of the offending value, e.g. `steps[3].tense`; empty for the whole document.
    public var path: String
    /// 1-based line and column of the offending value (or of the byte where parsing stopped).
    public var line: Int
    public var column: Int
    /// What is wrong.
    public var message: String
    /// What to do about it, when Respite can tell.
    public var suggestion: String?

    public init(file: String, path: String, line: Int, column: Int, message: String, suggestion: String? = nil) {
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

    /// The one shape of a located message, for sessions and every other file Respite reads
    /// (the configuration): `file:line:column: json.path: message; suggestion`, the position and
    /// the path left out when unknown, invisible characters escaped.
    public static func located(
        file: String, line: Int?, column: Int?, path: String, message: String, suggestion: String?
    ) -> String {
        var text = file
        if let line, let column { text += ":\(line):\(column)" }
        text += ": "
        if !path.isEmpty { text += "\(path): " }
        text += message
        if let suggestion { text += "; \(suggestion)" }
        return text.escapingInvisible
    }
}

/// All the problems found in one file, reported together.
public struct SessionErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [SessionError]

    public init(_ errors: [SessionError]) { self.errors = errors }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
