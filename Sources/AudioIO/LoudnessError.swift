/// A loudness measurement that could not be made: the libebur128 call (or AudioIO check) that failed, the audio being
/// measured, what went wrong and what to do about it.
///
/// Every libebur128 status code in AudioIO becomes one of these in ``LoudnessAccumulator`` (one error path per C
/// library), so the messages have the same shape everywhere. Decoding failures while measuring a file are
/// ``AudioFileError``s instead, from libsndfile's own error path.
public struct LoudnessError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The libebur128 call (or AudioIO check) that failed, e.g. `"ebur128_add_frames_float"`.
    public let call: String
    /// The file being measured, or `nil` for samples measured from memory.
    public let path: String?
    /// What went wrong, e.g. "libebur128 ran out of memory".
    public let message: String
    /// What the user can do about it, one sentence.
    public let suggestion: String

    public init(call: String, path: String?, message: String, suggestion: String) {
        self.call = call
        self.path = path
        self.message = message
        self.suggestion = suggestion
    }

    public var description: String {
        let place = path.map { " for '\($0)'" } ?? ""
        return "\(call) failed\(place): \(message). \(suggestion)"
    }

    /// The same error, now naming the file it happened in.
    func measuring(_ path: String) -> LoudnessError {
        LoudnessError(call: call, path: path, message: message, suggestion: suggestion)
    }
}
