/// How much sound live playback keeps queued in the device: the period (frames rendered and
/// written at a time) and the device buffer (frames waiting ahead of the listener).
///
/// Two needs pull apart, and the defaults are chosen between them:
/// - **Keys must answer within 150 ms.** Pause, skip, volume and stop are mixer commands that the
///   audio thread takes at its next render, so a key is heard only once the sound already queued
///   ahead of it has played: at most one period's wait for that render, then the buffer, then the
///   sound server's own period (PulseAudio's ALSA plugin asks for early requests, which makes the
///   server's sink latency one period). The worst response is therefore
///   ``worstKeyResponseSeconds`` = (buffer + 2 × period) / rate.
/// - **The sound must not drop out on a busy machine.** Without real-time priority (a home laptop,
///   a clinic PC, a session started from a desktop) the audio thread competes with every other
///   program and may go unscheduled for tens of milliseconds. The device plays dry if the thread
///   is late by more than what is left queued when it wakes: ``slackSeconds`` = (buffer − period)
///   / rate.
///
/// The old defaults, 256 and 1 024 frames (5 and 21 ms at 48 kHz), answered keys in about 30 ms but
/// left 16 ms of slack: with two busy loops on a two-core machine, 38 holes in 20 s. A relaxation
/// session gains nothing from 21 ms of latency, so the defaults are set by time instead of frames
/// (the same at every rate): a 10 ms period and a 100 ms buffer, 90 ms of slack and at most 120 ms
/// from a key to the sound (`scripts/measure-holes` measures both on a busy machine).
///
/// Why the whole buffer is filled, rather than a large buffer filled only to a target: ALSA's
/// PulseAudio plugin sets the server's pre-buffer to buffer − period, so a stream kept below that
/// level would stay silent after any underrun until the client filled it; and the listener's delay
/// is what is queued, whatever the buffer's size. A buffer filled to the brim keeps both honest.
/// Small periods are kept for those who ask: `--period 64 --buffer 1024` plays as before.
public struct PlaybackBuffering: Sendable, Equatable, CustomStringConvertible {
    /// Default period, seconds.
    public static let defaultPeriodSeconds = 0.010
    /// Default device buffer, seconds.
    public static let defaultBufferSeconds = 0.100
    /// The longest a key may take to be heard, seconds.
    public static let keyResponseLimitSeconds = 0.150
    /// Smallest and largest period the player accepts, frames.
    public static let periodRange = 16...8_192

    /// Frames per period, 16…8192.
    public var periodFrames: Int
    /// Frames in the device buffer, at least two periods.
    public var bufferFrames: Int
    /// Engine rate in Hz.
    public var sampleRate: Int

    public init(periodFrames: Int, bufferFrames: Int, sampleRate: Int) {
        self.periodFrames = periodFrames
        self.bufferFrames = bufferFrames
        self.sampleRate = sampleRate
    }

    /// The defaults at `sampleRate` (Hz): a 10 ms period and a buffer of ten periods (100 ms).
    public static func defaults(sampleRate: Int) -> PlaybackBuffering {
        let period = min(
            max(Int((Double(sampleRate) * defaultPeriodSeconds).rounded()), periodRange.lowerBound),
            periodRange.upperBound)
        let periods = Int((defaultBufferSeconds / defaultPeriodSeconds).rounded())
        return PlaybackBuffering(periodFrames: period, bufferFrames: periods * period, sampleRate: sampleRate)
    }

    /// What to ask the device for, given the listener's `--period` and `--buffer` (nil when not
    /// given): both as given; a period alone keeps the default buffer (at least two periods); a
    /// buffer alone keeps the default period (at most half the buffer).
    public static func resolve(period: Int?, buffer: Int?, sampleRate: Int) -> PlaybackBuffering {
        let standard = defaults(sampleRate: sampleRate)
        switch (period, buffer) {
        case let (period?, buffer?):
            return PlaybackBuffering(periodFrames: period, bufferFrames: buffer, sampleRate: sampleRate)
        case let (period?, nil):
            return PlaybackBuffering(
                periodFrames: period, bufferFrames: max(standard.bufferFrames, 2 * period), sampleRate: sampleRate)
        case let (nil, buffer?):
            return PlaybackBuffering(
                periodFrames: max(periodRange.lowerBound, min(standard.periodFrames, buffer / 2)), bufferFrames: buffer,
                sampleRate: sampleRate)
        case (nil, nil):
            return standard
        }
    }

    /// The problem with these sizes, in words a listener can act on; nil when they are usable.
    public var problem: String? {
        guard Self.periodRange.contains(periodFrames) else {
            return "--period must be \(Self.periodRange.lowerBound)…\(Self.periodRange.upperBound) frames."
        }
        guard bufferFrames >= 2 * periodFrames else {
            return "--buffer must be at least two periods (\(2 * periodFrames) frames)."
        }
        return nil
    }

    /// The longest time from a key to the start of its audible change, seconds: a period's wait
    /// for the next render, the buffer queued ahead of it, and the sound server's period.
    public var worstKeyResponseSeconds: Double {
        Double(bufferFrames + 2 * periodFrames) / Double(max(1, sampleRate))
    }

    /// How late the audio thread may wake before the device plays dry, seconds.
    public var slackSeconds: Double {
        Double(bufferFrames - periodFrames) / Double(max(1, sampleRate))
    }

    public var description: String {
        "\(periodFrames)-frame periods in a \(bufferFrames)-frame buffer at \(sampleRate) Hz"
    }
}
