extension Session {
    /// Where the narration voice is chosen: `voice.name`, or `language` when no name is given.
    public var voicePlace: SessionPlace {
        SessionPlace(path: voice.name == nil ? "language" : "voice.name", line: voice.line, column: voice.column)
    }
}
