import CALSA
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// An ALSA playback PCM, opened and configured for Respite's engine.
///
/// Negotiates interleaved stereo at the engine rate in the best sample format the device takes
/// (Float32, then S32, then S16), and period and buffer sizes as near the request as it allows.
///
/// Thread safety: one thread owns the handle after opening (the audio thread): ``write(_:frames:)``,
/// ``recover(_:)`` and ``drain()`` are called from it only.
public final class ALSAOutput: PCMOutput, @unchecked Sendable {
    /// The sample formats Respite writes, in order of preference.
    public enum SampleFormat: String, Sendable, CaseIterable {
        case float32 = "FLOAT_LE"
        case s32 = "S32_LE"
        case s16 = "S16_LE"

        var alsa: snd_pcm_format_t {
            switch self {
            case .float32: SND_PCM_FORMAT_FLOAT_LE
            case .s32: SND_PCM_FORMAT_S32_LE
            case .s16: SND_PCM_FORMAT_S16_LE
            }
        }

        var bytes: Int { self == .s16 ? 2 : 4 }
    }

    public let device: String
    public let sampleRate: Int
    public let channels = 2
    public let format: SampleFormat
    /// Frames per period, as the device agreed.
    public let periodFrames: Int
    /// Frames in the device buffer, as the device agreed.
    public let bufferFrames: Int
    private let handle: OpaquePointer
    private let converted: UnsafeMutableRawPointer
    /// The device's queue, to notice it playing dry when it does not report it (audio thread only).
    private var watch: UnderrunWatch
    /// Underruns noticed by ``watch`` that the device did not report (audio thread only).
    public private(set) var unreportedUnderruns = 0

    /// Opens `device` for playback.
    ///
    /// - Parameters:
    ///   - device: an ALSA PCM name: `default`, `hw:1,0`, `pulse`, `file:FILE=/tmp/out.raw,FORMAT=raw`.
    ///   - sampleRate: Hz; the device must take it exactly (Respite resamples, ALSA's `plug` does not need to).
    ///   - periodFrames: requested frames per period, 16…8192 (default 256; the player asks for
    ///     10 ms, see `PlaybackBuffering`).
    ///   - bufferFrames: requested buffer, at least two periods (default 1024; the player asks for 100 ms).
    /// - Throws: ``ALSAError`` naming the call that failed and ALSA's reason.
    public init(device: String, sampleRate: Int, periodFrames: Int = 256, bufferFrames: Int = 1024) throws(ALSAError) {
        respite_alsa_silence_errors()
        self.device = device
        self.sampleRate = sampleRate
        var opened: OpaquePointer?
        try ALSAError.check(snd_pcm_open(&opened, device, SND_PCM_STREAM_PLAYBACK, 0), "snd_pcm_open", device: device)
        guard let pcm = opened else { throw ALSAError(call: "snd_pcm_open", device: device, code: -ENODEV) }
        do {
            let negotiated = try Self.configure(
                pcm, device: device, rate: sampleRate, period: periodFrames, buffer: max(bufferFrames, 2 * periodFrames)
            )
            format = negotiated.format
            self.periodFrames = negotiated.period
            self.bufferFrames = negotiated.buffer
        } catch {
            snd_pcm_close(pcm)
            throw error
        }
        handle = pcm
        let line =
            "opened '\(device)': \(format) at \(sampleRate) Hz, period \(self.periodFrames) frames, buffer "
            + "\(self.bufferFrames) frames (\(self.bufferFrames * 1000 / max(1, sampleRate)) ms)"
        Logger.audio.info("\(line)")
        converted = .allocate(byteCount: max(1, periodFrames) * 8 * 4 * 2, alignment: 16)
        watch = UnderrunWatch(sampleRate: sampleRate)
    }

    deinit {
        snd_pcm_close(handle)
        converted.deallocate()
    }

    private static func configure(
        _ pcm: OpaquePointer, device: String, rate: Int, period: Int, buffer: Int
    ) throws(ALSAError) -> (format: SampleFormat, period: Int, buffer: Int) {
        var hw: OpaquePointer?
        try ALSAError.check(snd_pcm_hw_params_malloc(&hw), "snd_pcm_hw_params_malloc", device: device)
        defer { snd_pcm_hw_params_free(hw) }
        try ALSAError.check(snd_pcm_hw_params_any(pcm, hw), "snd_pcm_hw_params_any", device: device)
        try ALSAError.check(
            snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED), "snd_pcm_hw_params_set_access",
            device: device)
        guard let format = SampleFormat.allCases.first(where: { snd_pcm_hw_params_test_format(pcm, hw, $0.alsa) == 0 })
        else {
            throw ALSAError(call: "snd_pcm_hw_params_set_format", device: device, code: -EINVAL)
        }
        try ALSAError.check(
            snd_pcm_hw_params_set_format(pcm, hw, format.alsa), "snd_pcm_hw_params_set_format", device: device)
        try ALSAError.check(
            snd_pcm_hw_params_set_channels(pcm, hw, 2), "snd_pcm_hw_params_set_channels", device: device)
        try ALSAError.check(
            snd_pcm_hw_params_set_rate_resample(pcm, hw, 0), "snd_pcm_hw_params_set_rate_resample", device: device)
        try ALSAError.check(
            snd_pcm_hw_params_set_rate(pcm, hw, UInt32(rate), 0), "snd_pcm_hw_params_set_rate", device: device)
        var periodSize = snd_pcm_uframes_t(period)
        var direction: Int32 = 0
        try ALSAError.check(
            snd_pcm_hw_params_set_period_size_near(pcm, hw, &periodSize, &direction),
            "snd_pcm_hw_params_set_period_size_near", device: device)
        var bufferSize = snd_pcm_uframes_t(max(buffer, 2 * Int(periodSize)))
        try ALSAError.check(
            snd_pcm_hw_params_set_buffer_size_near(pcm, hw, &bufferSize), "snd_pcm_hw_params_set_buffer_size_near",
            device: device)
        try ALSAError.check(snd_pcm_hw_params(pcm, hw), "snd_pcm_hw_params", device: device)
        try ALSAError.check(
            snd_pcm_hw_params_get_period_size(hw, &periodSize, &direction), "snd_pcm_hw_params_get_period_size",
            device: device)
        try ALSAError.check(
            snd_pcm_hw_params_get_buffer_size(hw, &bufferSize), "snd_pcm_hw_params_get_buffer_size", device: device)

        var sw: OpaquePointer?
        try ALSAError.check(snd_pcm_sw_params_malloc(&sw), "snd_pcm_sw_params_malloc", device: device)
        defer { snd_pcm_sw_params_free(sw) }
        try ALSAError.check(snd_pcm_sw_params_current(pcm, sw), "snd_pcm_sw_params_current", device: device)
        // Start once the buffer is full, so the first periods do not underrun.
        try ALSAError.check(
            snd_pcm_sw_params_set_start_threshold(pcm, sw, bufferSize - bufferSize % periodSize),
            "snd_pcm_sw_params_set_start_threshold", device: device)
        try ALSAError.check(
            snd_pcm_sw_params_set_avail_min(pcm, sw, periodSize), "snd_pcm_sw_params_set_avail_min", device: device)
        try ALSAError.check(snd_pcm_sw_params(pcm, sw), "snd_pcm_sw_params", device: device)
        try ALSAError.check(snd_pcm_prepare(pcm), "snd_pcm_prepare", device: device)
        return (format, Int(periodSize), Int(bufferSize))
    }

    /// Real-time safe: converts into a buffer allocated at open, then blocks in the driver only.
    ///
    /// Before writing, it checks whether the sound queued at the last write ran out before now (a
    /// hole the device may not report; see ``UnderrunWatch``); after writing, it notes how much is
    /// queued now (the buffer less `snd_pcm_avail_update`).
    public func write(_ samples: UnsafePointer<Float>, frames: Int) -> Int32 {
        let late = watch.isLate(at: Self.now())
        let code = writeAll(samples, frames: frames)
        if code < 0 {
            // The device reported it (or failed): that is the count, not a second one here.
            watch.reset()
            return code
        }
        if late { unreportedUnderruns += 1 }
        // What is left in the buffer, from the pointer the write just updated. Not snd_pcm_delay:
        // through the PulseAudio plugin it waits for the server's next timing report when it has
        // none (hundreds of milliseconds), which is itself a hole.
        let available = snd_pcm_avail_update(handle)
        let running = snd_pcm_state(handle) == SND_PCM_STATE_RUNNING && available >= 0
        watch.wrote(queued: running ? max(0, bufferFrames - Int(available)) : nil, at: Self.now())
        return 0
    }

    /// CLOCK_MONOTONIC in nanoseconds.
    private static func now() -> Int {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int(time.tv_sec) * 1_000_000_000 + Int(time.tv_nsec)
    }

    private func writeAll(_ samples: UnsafePointer<Float>, frames: Int) -> Int32 {
        var done = 0
        while done < frames {
            let count = min(frames - done, periodFrames * 4)
            let source = samples + done * channels
            let bytes: UnsafeRawPointer
            switch format {
            case .float32:
                bytes = UnsafeRawPointer(source)
            case .s32:
                let out = converted.assumingMemoryBound(to: Int32.self)
                for i in 0..<(count * channels) {
                    out[i] = Int32(
                        max(-2_147_483_648, min(2_147_483_520, (Double(source[i]) * 2_147_483_648).rounded())))
                }
                bytes = UnsafeRawPointer(out)
            case .s16:
                let out = converted.assumingMemoryBound(to: Int16.self)
                for i in 0..<(count * channels) {
                    out[i] = Int16(max(-32_768, min(32_767, (source[i] * 32_768).rounded())))
                }
                bytes = UnsafeRawPointer(out)
            }
            var offset = 0
            while offset < count {
                let written = snd_pcm_writei(
                    handle, bytes + offset * channels * format.bytes, snd_pcm_uframes_t(count - offset))
                if written < 0 {
                    if written == -Int(EAGAIN) { continue }
                    return Int32(truncatingIfNeeded: written)
                }
                offset += Int(written)
            }
            done += count
        }
        return 0
    }

    /// Real-time safe apart from the driver's own work: `snd_pcm_recover` re-prepares after an
    /// underrun or resumes after a suspend.
    public func recover(_ code: Int32) -> Int32 {
        watch.reset()
        return snd_pcm_recover(handle, code, 1)
    }

    public func drain() {
        snd_pcm_drain(handle)
    }
}
