import CALSA

/// The scheduling the audio thread can have without privilege, when SCHED_FIFO is refused.
public enum TimeSlice {
    /// The slice the audio thread asks for, nanoseconds (1 ms; the kernel's default is about 3 ms
    /// on a two-core machine, and it accepts 0.1…100 ms).
    public static let audioThreadNanoseconds: UInt64 = 1_000_000

    /// Asks the fair scheduler for a short time slice for the calling thread (Linux 6.12 and
    /// later): it stays at normal priority with its normal share, but on a busy machine it is run
    /// sooner when its device wants the next period. Returns 0, or a negative errno (`-EINVAL` on
    /// older kernels, where nothing changes).
    ///
    /// Real-time safety: one system call; call it once, when the thread starts.
    public static func request(nanoseconds: UInt64 = audioThreadNanoseconds) -> Int32 {
        respite_request_time_slice(nanoseconds)
    }
}
