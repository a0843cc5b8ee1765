/// A `--set key=value` assignment Respite can't apply: which one, what is wrong, what to do.
///
/// The description reads `--set paces=1.3: unknown parameter 'paces'; did you mean 'pace'? …`.
public struct ParameterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The assignment as the listener typed it, e.g. `pace=3`.
    public var assignment: String
    /// What is wrong.
    public var message: String
    /// What to do about it.
    public var suggestion: String?

    public init(assignment: String, message: String, suggestion: String? = nil) {
        self.assignment = assignment
        self.message = message
        self.suggestion = suggestion
    }

    /// Invisible characters (a key or value quoted from the file may hold any) are escaped, never shown raw.
    public var description: String {
        var text = "--set \(assignment): \(message)"
        if let suggestion { text += "; \(suggestion)" }
        return text.escapingInvisible
    }
}
