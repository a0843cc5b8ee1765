import CSoxr

// The file is named Resampler.swift (not StreamResampler.swift) to keep AudioIO's file-name prefixes by concern.

/// Converts interleaved Float32 audio from one sample rate to another, a block at a time, with libsoxr.
///
/// Feed input with ``process(input:inputFrames:output:outputCapacity:)`` in a loop; when the input is exhausted,
/// keep calling it with `input: nil` until it produces nothing, to drain the filter's tail. The total output is
/// then `inputFrames * outputRate / inputRate` rounded, give or take a frame; libsoxr compensates its own filter
/// delay, so output frame 0 lines up with input frame 0.
///
/// Thread safety: `@unchecked Sendable` so a loader can own it on its own thread; one owner at a time, never two
/// threads at once.
///
/// Real-time safety: not guaranteed. ``process(input:inputFrames:output:outputCapacity:)`` allocates nothing in
/// Swift, but libsoxr may allocate inside its FIFOs on the first calls and whenever a call brings more input than
/// before. Run it on a loader thread, as DESIGN.md says, not in the render callback.
public final class StreamResampler: @unchecked Sendable {
    /// Input rate in Hz.
    public let inputRate: Int
    /// Output rate in Hz.
    public let outputRate: Int
    /// Interleaved channels per frame.
    public let channels: Int
    /// The quality recipe.
    public let quality: ResamplerQuality

    private let soxr: soxr_t

    /// Creates a streaming converter.
    ///
    /// - Parameters:
    ///   - inputRate: Hz, > 0.
    ///   - outputRate: Hz, > 0.
    ///   - channels: 1…8.
    ///   - quality: libsoxr recipe; `.high` is right for playback.
    /// - Throws: ``ResamplerError`` with libsoxr's reason for a bad configuration.
    public init(
        inputRate: Int, outputRate: Int, channels: Int, quality: ResamplerQuality = .high
    ) throws(ResamplerError) {
        guard inputRate > 0, outputRate > 0, (1...8).contains(channels) else {
            throw ResamplerError(
                call: "StreamResampler.init", inputRate: inputRate, outputRate: outputRate, channels: channels,
                message: "rates must be positive and channels 1 to 8")
        }
        var ioSpec = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var qualitySpec = soxr_quality_spec(quality.recipe, 0)
        var runtimeSpec = soxr_runtime_spec(1)  // one thread: the loader thread is ours, not soxr's.
        var error: soxr_error_t?
        let created = soxr_create(
            Double(inputRate), Double(outputRate), UInt32(channels), &error, &ioSpec, &qualitySpec, &runtimeSpec)
        if let failure = Self.check(error, call: "soxr_create", inputRate, outputRate, channels) {
            if let created { soxr_delete(created) }
            throw failure
        }
        guard let created else {
            throw ResamplerError(
                call: "soxr_create", inputRate: inputRate, outputRate: outputRate, channels: channels,
                message: "libsoxr returned no resampler")
        }
        self.soxr = created
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.channels = channels
        self.quality = quality
    }

    deinit {
        soxr_delete(soxr)
    }

    /// Converts some input and writes what is ready.
    ///
    /// Call repeatedly; input not consumed in one call must be offered again (advanced by `consumed` frames) in the
    /// next. Pass `input: nil` once the source is exhausted, and keep calling until `produced` is 0. After a flush,
    /// call ``reset()`` before feeding a new signal.
    ///
    /// - Parameters:
    ///   - input: `inputFrames * channels` interleaved floats, or nil for end of input (flush).
    ///   - inputFrames: frames available at `input`; ignored when `input` is nil.
    ///   - output: room for `outputCapacity * channels` floats.
    ///   - outputCapacity: frames that fit in `output`.
    /// - Returns: frames of input consumed and frames of output written. Both are 0 after a failure, which libsoxr
    ///   reports only for corrupt state; ``lastError`` then says why.
    ///
    /// Real-time safety: no Swift allocation; libsoxr may allocate internally (see the type's discussion).
    public func process(
        input: UnsafePointer<Float>?, inputFrames: Int, output: UnsafeMutablePointer<Float>, outputCapacity: Int
    ) -> (consumed: Int, produced: Int) {
        var consumed = 0
        var produced = 0
        let error = soxr_process(
            soxr, input.map(UnsafeRawPointer.init), input == nil ? 0 : max(0, inputFrames), &consumed,
            UnsafeMutableRawPointer(output), max(0, outputCapacity), &produced)
        if error != nil {
            lastError = Self.check(error, call: "soxr_process", inputRate, outputRate, channels)
            return (0, 0)
        }
        return (consumed, produced)
    }

    /// The failure behind the last `(0, 0)` from ``process(input:inputFrames:output:outputCapacity:)``, if any.
    public private(set) var lastError: ResamplerError?

    /// Forgets all buffered input so the next call starts a fresh signal (after a seek), keeping the configuration.
    ///
    /// - Throws: ``ResamplerError`` if libsoxr cannot reset.
    public func reset() throws(ResamplerError) {
        if let failure = Self.check(soxr_clear(soxr), call: "soxr_clear", inputRate, outputRate, channels) {
            throw failure
        }
        lastError = nil
    }

    /// The single place where a libsoxr error string becomes a ``ResamplerError`` (STYLE.md #3).
    private static func check(
        _ error: soxr_error_t?, call: String, _ inputRate: Int, _ outputRate: Int, _ channels: Int
    ) -> ResamplerError? {
        guard let error else { return nil }
        return ResamplerError(
            call: call, inputRate: inputRate, outputRate: outputRate, channels: channels,
            message: String(cString: error))
    }
}
