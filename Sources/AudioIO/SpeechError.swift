/// A failure to synthesise or cache narration: what failed, where, espeak-ng's or the system's words, and what to do.
public struct SpeechError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure, for callers that react differently (e.g. the CLI's exit codes).
    public enum Kind: String, Sendable {
        /// espeak-ng has no voice by that name.
        case unknownVoice
        /// A parameter is out of range (rate, pitch, empty text).
        case invalidArgument
        /// espeak-ng could not start or failed while speaking.
        case engine
        /// The cache directory or a cached file could not be created, written or read.
        case cache
    }

    /// The kind of failure.
    public let kind: Kind
    /// The call or operation that failed, e.g. `"espeak_ng_SetVoiceByName"`.
    public let call: String
    /// What failed, in espeak-ng's or AudioIO's words.
    public let message: String
    /// What the user can do about it.
    public let suggestion: String

    public init(kind: Kind, call: String, message: String, suggestion: String) {
        self.kind = kind
        self.call = call
        self.message = message
        self.suggestion = suggestion
    }

    public var description: String {
        "\(call) failed: \(message). \(suggestion)"
    }
}
