/// Where something was written in a session file, for messages about problems found after loading (a sound that
/// does not decode, narration that says nothing, a session too long once its recordings are measured).
public struct SessionPlace: Sendable, Equatable, CustomStringConvertible {
    /// JSON path, e.g. `steps[3]` or `music.source`.
    public var path: String
    /// 1-based line and column in the file; 0 when unknown.
    public var line: Int
    public var column: Int

    public init(path: String, line: Int = 0, column: Int = 0) {
        self.path = path
        self.line = line
        self.column = column
    }

    /// `LINE:COLUMN: PATH`, or `PATH` when the position is unknown.
    public var description: String { line > 0 ? "\(line):\(column): \(path)" : path }
}

extension Session {
    /// Where `media` is first used with these parameters: the music bed, or the first step that plays it.
    public func place(of media: Media, parameters: Parameters) -> SessionPlace? {
        if case .file(let reference) = media, Compiler.musicSource(self, parameters) == reference {
            return SessionPlace(path: "music.source")
        }
        var single = self
        single.music = nil
        for step in steps {
            single.steps = [step]
            if Compiler.media(for: single, parameters: parameters).contains(media) { return place(of: step) }
        }
        return nil
    }

    /// Where `step` was written.
    public func place(of step: Step) -> SessionPlace {
        SessionPlace(path: step.path, line: step.line, column: step.column)
    }
}
