/// A narration clip in the speech cache.
public struct SpeechClip: Sendable, Hashable {
    /// Absolute path of the cached file: WAV, 16-bit PCM, mono, at ``sampleRate``.
    public let path: String
    /// Length in frames (samples, as the clip is mono), after leading and trailing silence were trimmed.
    public let frames: Int
    /// Sample rate in Hz: espeak-ng's native rate, 22050.
    public let sampleRate: Int
    /// `true` when this call ran espeak-ng; `false` when the clip came from the cache.
    public let synthesised: Bool

    public init(path: String, frames: Int, sampleRate: Int, synthesised: Bool) {
        self.path = path
        self.frames = frames
        self.sampleRate = sampleRate
        self.synthesised = synthesised
    }

    /// Length in seconds, for display.
    public var duration: Double {
        sampleRate > 0 ? Double(frames) / Double(sampleRate) : 0
    }
}
