/// A failure to synthesise or cache narration: what failed, where, espeak-ng's or the system's words, and what to do.
public struct SpeechError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure, for callers that react differently (e.g. the CLI's exit codes).
    public enum Kind: String, Sendable {
        /// The voice name is malformed, or espeak-ng lists no voice or variant by that name.
        case unknownVoice
        /// The voice exists but is refused: an MBROLA voice while MBROLA voices are not allowed.
        case voiceNotAllowed
        /// A parameter is out of range (rate, pitch, empty text, a NUL in the text).
        case invalidArgument
        /// The text is longer than one narration may be, or speaks for longer than one clip may last.
        case tooLong
        /// espeak-ng says nothing audible for the text (only punctuation or symbols it does not read, say).
        case silentText
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

    /// Whether the session asked for something that cannot be spoken (a voice, a text, a rate), as opposed to
    /// espeak-ng or the cache failing: the first is an invalid session, the second an I/O failure.
    public var isInvalidInput: Bool {
        switch kind {
        case .unknownVoice, .voiceNotAllowed, .invalidArgument, .tooLong, .silentText: true
        case .engine, .cache: false
        }
    }

    public var description: String {
        "\(call) failed: \(message). \(suggestion)"
    }
}
