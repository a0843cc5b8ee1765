/// Notices the device playing dry between two writes when the device does not say so itself.
///
/// A hardware PCM reports an underrun (`-EPIPE`) on the next write, but ALSA's PulseAudio plugin
/// reports only the underruns its server flags while the whole stream has been consumed, and the
/// server meanwhile plays silence: on a busy machine the listener heard 38 holes in 20 s while the
/// player counted 4. So the output keeps its own account: right after each write it asks the device
/// how much is queued (the buffer less `snd_pcm_avail_update`, which never blocks), which gives the
/// time by which the next write must start; a write that starts later than that came after the
/// queue ran out.
///
/// Real-time safety: plain arithmetic on stored integers; no allocation, locks or waiting.
public struct UnderrunWatch: Sendable, Equatable {
    /// Engine rate in Hz.
    public let sampleRate: Int
    /// Lateness forgiven, nanoseconds: the device's and the server's clocks are read with some
    /// jitter, and a hole shorter than this is not heard (default 2 ms).
    public let toleranceNanoseconds: Int
    /// When the queued sound runs out (CLOCK_MONOTONIC nanoseconds); nil when unknown (before the
    /// device runs, after a recovery).
    public private(set) var deadline: Int?

    public init(sampleRate: Int, toleranceNanoseconds: Int = 2_000_000) {
        self.sampleRate = max(1, sampleRate)
        self.toleranceNanoseconds = toleranceNanoseconds
    }

    /// Call right after a write to a running device: `queued` frames will play before anything
    /// written next (0 or more), at `now` nanoseconds. A device that is not running (not started
    /// yet, or just recovered) passes nil: it plays nothing, so it cannot play dry.
    public mutating func wrote(queued: Int?, at now: Int) {
        guard let queued, queued >= 0 else {
            deadline = nil
            return
        }
        deadline = now + Int((Double(queued) * 1e9 / Double(sampleRate)).rounded())
    }

    /// Call just before a write at `now` nanoseconds: true when the queued sound ran out before
    /// now (a hole the listener heard). The deadline is then forgotten until the next ``wrote``.
    public mutating func isLate(at now: Int) -> Bool {
        guard let deadline else { return false }
        self.deadline = nil
        return now > deadline + toleranceNanoseconds
    }

    /// Forgets the deadline (after the device reported an underrun itself, or was re-prepared).
    public mutating func reset() {
        deadline = nil
    }
}
