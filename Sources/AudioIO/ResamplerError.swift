/// A libsoxr failure: the call, the conversion being set up, soxr's own words and what to do.
public struct ResamplerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The libsoxr call (or AudioIO check) that failed, e.g. `"soxr_create"`.
    public let call: String
    /// Input rate in Hz.
    public let inputRate: Int
    /// Output rate in Hz.
    public let outputRate: Int
    /// Interleaved channels.
    public let channels: Int
    /// libsoxr's error string, or AudioIO's where the check is ours.
    public let message: String

    public init(call: String, inputRate: Int, outputRate: Int, channels: Int, message: String) {
        self.call = call
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.channels = channels
        self.message = message
    }

    public var description: String {
        "\(call) failed converting \(channels) channel(s) from \(inputRate) Hz to \(outputRate) Hz: \(message). "
            + "Use positive sample rates (e.g. 22050, 44100, 48000) and 1 to 8 channels."
    }
}
