import AudioIO

/// A source file that could not be read to the end while a session was rendered: missing, a decode error part-way,
/// cut short or rewritten while it was read. Offline rendering stops at it, so no file quietly holds silence where
/// a recording should be.
public struct StreamFailure: Error, Sendable, CustomStringConvertible {
    /// The file, the call and where in the file reading stopped.
    public var failure: AudioFileError
    /// Timeline frame the render had reached when the failure was noticed (the loader reads up to a ring ahead).
    public var sessionFrame: Int
    /// Engine rate, Hz, for ``sessionFrame``.
    public var sampleRate: Int

    public init(failure: AudioFileError, sessionFrame: Int, sampleRate: Int) {
        self.failure = failure
        self.sessionFrame = sessionFrame
        self.sampleRate = sampleRate
    }

    /// The source file's path.
    public var path: String { failure.path }

    public var description: String {
        let seconds = Double(sessionFrame) / Double(max(1, sampleRate))
        return "'\(failure.path)' could not be read to the end (\(failure.message)), noticed \(Int(seconds)) s into "
            + "the session. \(failure.suggestion)"
    }
}
