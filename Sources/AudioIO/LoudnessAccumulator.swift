import CEbur128
import Foundation

/// One libebur128 meter: frames go in block by block, a ``Loudness`` comes out at the end.
///
/// This is the single place where libebur128 is called and where its status codes become ``LoudnessError``s
/// (STYLE.md #3); ``LoudnessMeter`` is the public face.
///
/// Channels follow libebur128's default map (BS.1770 order: L, R, C, LFE ignored, Ls, Rs; 4 channels are
/// L, R, Ls, Rs), except that a single channel is weighted as dual mono (+3 dB): Respite plays a mono file on both
/// speakers at full level, and EBU Tech 3344 measures such a signal as what is heard, so a mono clip and a stereo
/// bed with the same measurement sound equally loud.
///
/// Memory: libebur128 keeps one gating block energy per 100 ms (and one per 3 s for the range), about 0.5 MB per hour
/// of audio; nothing else grows with the length.
///
/// Thread safety: single owner; never use it from two threads at once.
/// Real-time safety: none; libebur128 allocates as the history grows.
public final class LoudnessAccumulator {
    /// Channels libebur128 accepts.
    static let channelRange = 1...64
    /// Sample rates in Hz libebur128 accepts.
    static let sampleRateRange = 16...2_822_400
    /// What a meter measures.
    public enum Scope: Sendable {
        /// Integrated loudness, loudness range, sample and true peak: everything ``result()`` reports.
        case full
        /// Integrated loudness alone (``integrated()``), for a programme trimmed to a target: about a third of the
        /// CPU of `.full`, most of which goes into the 4× oversampling of the true-peak measurement.
        case integratedOnly

        /// libebur128's mode flags (true peak implies sample peak).
        var mode: Int32 {
            switch self {
            case .full:
                Int32(bitPattern: EBUR128_MODE_I.rawValue | EBUR128_MODE_LRA.rawValue | EBUR128_MODE_TRUE_PEAK.rawValue)
            case .integratedOnly: Int32(bitPattern: EBUR128_MODE_I.rawValue)
            }
        }
    }

    /// libebur128's version, e.g. "1.2.6"; its true-peak algorithm may change between versions, so cached
    /// measurements are keyed by it.
    static let libraryVersion: String = {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        ebur128_get_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }()

    /// Interleaved channels per frame.
    let channels: Int
    /// Sample rate in Hz.
    let sampleRate: Int
    /// The file being measured, for error messages; `nil` for samples from memory.
    let path: String?
    /// Frames added so far.
    private(set) var frames = 0

    private var state: UnsafeMutablePointer<ebur128_state>?

    /// Starts a meter.
    ///
    /// - Parameters:
    ///   - channels: interleaved channels, 1…64.
    ///   - sampleRate: Hz, 16…2 822 400.
    ///   - path: the file being measured, named in errors; `nil` for samples from memory.
    ///   - scope: what to measure; ``Scope/full`` unless only the integrated loudness is wanted.
    /// - Throws: ``LoudnessError`` for an unsupported channel count or rate, or when libebur128 cannot allocate.
    public init(channels: Int, sampleRate: Int, path: String? = nil, scope: Scope = .full) throws(LoudnessError) {
        self.channels = channels
        self.sampleRate = sampleRate
        self.path = path
        guard Self.channelRange.contains(channels), Self.sampleRateRange.contains(sampleRate) else {
            throw LoudnessError(
                call: "ebur128_init", path: path,
                message: "\(channels) channel(s) at \(sampleRate) Hz cannot be measured",
                suggestion: "Measure 1 to 64 channels at a sample rate between 16 and 2822400 Hz (e.g. 48000).")
        }
        guard let state = ebur128_init(UInt32(channels), UInt(sampleRate), scope.mode) else {
            throw LoudnessError(
                call: "ebur128_init", path: path, message: "libebur128 could not allocate its state",
                suggestion: "Free some memory and try again.")
        }
        self.state = state
        if channels == 1 {
            try check(ebur128_set_channel(state, 0, Int32(EBUR128_DUAL_MONO.rawValue)), call: "ebur128_set_channel")
        }
    }

    deinit {
        // ebur128_destroy dereferences its argument, so a meter that failed to start must not call it.
        if state != nil { ebur128_destroy(&state) }
    }

    /// Measures `frames` more frames.
    ///
    /// - Parameters:
    ///   - samples: `frames * channels` interleaved samples, nominally -1…1 (larger values are measured as they are).
    ///   - frames: 0 or more.
    /// - Throws: ``LoudnessError`` when a sample is NaN or infinite (libebur128 would silently carry it into every
    ///   later block), or when libebur128 runs out of memory.
    public func add(_ samples: UnsafePointer<Float>, frames count: Int) throws(LoudnessError) {
        guard count > 0, let state else { return }
        let buffer = UnsafeBufferPointer(start: samples, count: count * channels)
        if let bad = buffer.firstIndex(where: { !$0.isFinite }) {
            let second = Double(frames + bad / channels) / Double(sampleRate)
            throw LoudnessError(
                call: "ebur128_add_frames_float", path: path,
                message: "channel \(bad % channels + 1) holds \(buffer[bad]) at \(String(format: "%.3f", second)) s",
                suggestion: "The audio is damaged or was rendered by faulty code; re-encode or re-render it.")
        }
        try check(ebur128_add_frames_float(state, samples, count), call: "ebur128_add_frames_float")
        frames += count
    }

    /// Integrated loudness (LUFS) of everything added so far; `-infinity` for silence. Either scope.
    ///
    /// - Throws: ``LoudnessError`` when the meter has no state.
    public func integrated() throws(LoudnessError) -> Double {
        var integrated = 0.0
        try check(ebur128_loudness_global(try started(), &integrated), call: "ebur128_loudness_global")
        return integrated.isFinite ? integrated : -.infinity
    }

    /// The measurement of everything added so far; needs a meter of ``Scope/full`` scope.
    ///
    /// - Throws: ``LoudnessError`` when libebur128 reports an error (out of memory while sorting for the range,
    ///   or an `.integratedOnly` meter, which has no range or peaks).
    public func result() throws(LoudnessError) -> Loudness {
        let integrated = try integrated()
        let state = try started()
        var range = 0.0
        try check(ebur128_loudness_range(state, &range), call: "ebur128_loudness_range")
        var samplePeak = 0.0
        var truePeak = 0.0
        for channel in 0..<UInt32(channels) {
            var value = 0.0
            try check(ebur128_sample_peak(state, channel, &value), call: "ebur128_sample_peak")
            samplePeak = max(samplePeak, value)
            try check(ebur128_true_peak(state, channel, &value), call: "ebur128_true_peak")
            truePeak = max(truePeak, value)
        }
        return Loudness(
            integrated: integrated,
            truePeak: Self.decibels(truePeak), samplePeak: Self.decibels(samplePeak),
            range: range.isFinite ? max(0, range) : 0,
            duration: Double(frames) / Double(sampleRate))
    }

    /// libebur128's state; it is missing only if the initialiser failed, which throws, so never in practice.
    private func started() throws(LoudnessError) -> UnsafeMutablePointer<ebur128_state> {
        guard let state else {
            throw LoudnessError(
                call: "LoudnessAccumulator", path: path, message: "the meter has no state",
                suggestion: "This is a bug in Respite; please report it.")
        }
        return state
    }

    /// 20·log10 of a linear peak (1 is 0 dB); `-infinity` for 0.
    private static func decibels(_ linear: Double) -> Double {
        linear > 0 ? 20 * log10(linear) : -.infinity
    }

    /// Throws unless `code` is `EBUR128_SUCCESS`; the one place libebur128 codes are translated.
    private func check(_ code: Int32, call: String) throws(LoudnessError) {
        guard code != Int32(EBUR128_SUCCESS.rawValue) else { return }
        let message: String
        let suggestion: String
        switch UInt32(bitPattern: code) {
        case EBUR128_ERROR_NOMEM.rawValue:
            message = "libebur128 ran out of memory"
            suggestion = "Free some memory and try again."
        case EBUR128_ERROR_INVALID_MODE.rawValue:
            message = "libebur128 was not set up for this measurement (invalid mode)"
            suggestion = "This is a bug in Respite; please report it."
        case EBUR128_ERROR_INVALID_CHANNEL_INDEX.rawValue:
            message = "libebur128 has no such channel among \(channels) (invalid channel index)"
            suggestion = "This is a bug in Respite; please report it."
        default:
            message = "libebur128 returned error \(code)"
            suggestion = "Check that the installed libebur128 (\(Self.libraryVersion)) is 1.2 or later."
        }
        throw LoudnessError(call: call, path: path, message: message, suggestion: suggestion)
    }
}
