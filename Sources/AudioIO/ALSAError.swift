import CALSA

/// A failed ALSA call: which call, on which device, and ALSA's own words for it.
public struct ALSAError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The ALSA function that failed, e.g. `snd_pcm_open`.
    public var call: String
    /// The PCM or card name, e.g. `default`, `hw:1,0`.
    public var device: String
    /// The negative error code ALSA returned (an errno value, negated).
    public var code: Int32
    /// `snd_strerror`'s text for `code`.
    public var message: String

    public init(call: String, device: String, code: Int32) {
        self.call = call
        self.device = device
        self.code = code
        message = String(cString: snd_strerror(code))
    }

    public var description: String { "\(call) on '\(device)' failed: \(message) (\(code))" }

    /// The one error path for ALSA calls: returns `result` when it is ≥ 0, else throws.
    @discardableResult
    public static func check<T: BinaryInteger>(_ result: T, _ call: String, device: String) throws(ALSAError) -> T {
        if result < 0 { throw ALSAError(call: call, device: device, code: Int32(truncatingIfNeeded: result)) }
        return result
    }
}
