import CSndFile

/// A libsndfile failure: which call failed, on which file, libsndfile's own words, and what to do about it.
///
/// Every libsndfile error in AudioIO is built by ``SndFile`` (one error path per C library), so messages have the
/// same shape everywhere: "what failed, where, why; what to do".
public struct AudioFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The libsndfile call (or AudioIO operation) that failed, e.g. `"sf_open"`.
    public let call: String
    /// The file being read or written.
    public let path: String
    /// libsndfile's explanation (`sf_strerror`), or AudioIO's where the check is ours.
    public let message: String
    /// What the user can do about it, one sentence.
    public let suggestion: String

    public init(call: String, path: String, message: String, suggestion: String) {
        self.call = call
        self.path = path
        self.message = message
        self.suggestion = suggestion
    }

    public var description: String {
        "\(call) failed for '\(path)': \(message). \(suggestion)"
    }
}
