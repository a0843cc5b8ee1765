import FileAccess

extension SessionLoader.Decoder {
    /// Reports a voice name that does not have ``VoiceName``'s shape, so `respite validate` catches a path-like,
    /// overlong or garbled name with its line and column; whether espeak-ng has the voice is checked when the
    /// narration is synthesised.
    mutating func checkVoiceName(_ name: String, path: JSONPath, at location: JSONLocation) {
        // An empty name or one with control characters is already reported, once is enough.
        if errors.contains(where: { $0.path == path.description }) { return }
        do {
            _ = try VoiceName(name)
        } catch {
            report(
                error.description, suggestion: VoiceNameError.rule + ", e.g. \"en-gb\", \"en-us+f3\"", path: path,
                at: location)
        }
    }
}
