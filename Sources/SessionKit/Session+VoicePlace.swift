extension Session {
    /// Where the narration voice is chosen: `voice.name`, or `language` when no name is given.
    public var voicePlace: SessionPlace {
        SessionPlace(path: voice.name == nil ? "language" : "voice.name", line: voice.line, column: voice.column)
    }
}

extension Session {
    /// Where the neural voice is chosen: `voice.model`, else `voice.engine`, else `voice`.
    public var modelPlace: SessionPlace {
        SessionPlace(
            path: voice.model != nil ? "voice.model" : voice.engine != nil ? "voice.engine" : "voice",
            line: voice.modelLine, column: voice.modelColumn)
    }
}
