/// A synthetic voice: which engine speaks, and with which of its voices.
///
/// Written `engine:name`, as `respite timeline --json` and `respite voices` show it: `piper:en_US-joe-medium` (a
/// Piper model by its file name without `.onnx`), `espeak:en-us` (an espeak-ng voice or language).
///
/// Thread safety: a value type; use anywhere.
public struct SpeechVoice: Sendable, Hashable, CustomStringConvertible {
    /// The speech engines Respite can drive.
    public enum Engine: String, Sendable, CaseIterable {
        /// espeak-ng: a formant voice in the process, for every language it knows; always the fallback.
        case espeak
        /// Piper: neural (VITS) voices run by a separate, long-lived `piper` process (``PiperVoices``).
        case piper
    }

    /// Which engine speaks.
    public var engine: Engine
    /// The engine's voice: an espeak-ng voice name (``VoiceName``'s shape) or a Piper model name.
    public var name: String

    public init(engine: Engine, name: String) {
        self.engine = engine
        self.name = name
    }

    /// An espeak-ng voice, e.g. "en-us", "en-gb+f3".
    public static func espeak(_ name: String) -> SpeechVoice { SpeechVoice(engine: .espeak, name: name) }
    /// A Piper model, e.g. "en_US-joe-medium".
    public static func piper(_ model: String) -> SpeechVoice { SpeechVoice(engine: .piper, name: model) }

    /// `engine:name`.
    public var description: String { engine.rawValue + ":" + name }
}
