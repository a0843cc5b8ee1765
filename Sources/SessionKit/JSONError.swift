/// Why a file is not acceptable JSON, and where: the parser stops at the first such problem,
/// because after it nothing can be read reliably.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, in plain words.
    public var message: String
    /// What to do about it, when that can be told.
    public var suggestion: String?
    /// Where parsing stopped.
    public var location: JSONLocation
    /// The JSON path of the value being read when parsing stopped; empty at the top level.
    public var path: JSONPath

    public init(_ message: String, suggestion: String? = nil, at location: JSONLocation, path: JSONPath = .root) {
        self.message = message
        self.suggestion = suggestion
        self.location = location
        self.path = path
    }

    /// `line:column: path: message; suggestion`, with invisible characters escaped (a key quoted from the
    /// file may hold any).
    public var description: String {
        var text = "\(location): "
        if !path.components.isEmpty { text += "\(path): " }
        text += message
        if let suggestion { text += "; \(suggestion)" }
        return text.escapingInvisible
    }
}
