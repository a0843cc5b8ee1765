/// Where the audio thread writes interleaved Float32 frames: an ALSA PCM, or a test double that
/// fails on purpose.
///
/// Real-time safety: implementations of ``write(_:frames:)`` and ``recover(_:)`` must not
/// allocate, lock (beyond the device's own driver) or log; they return ALSA-style codes (0 or a
/// negative errno) rather than throwing, because building an error value allocates.
public protocol PCMOutput: AnyObject {
    /// Engine rate in Hz the output was opened at.
    var sampleRate: Int { get }
    /// Frames the audio thread renders and writes per call.
    var periodFrames: Int { get }
    /// Writes all `frames` frames, blocking until the device has room. Returns 0, or a negative
    /// errno: `-EPIPE` for an underrun, `-ESTRPIPE` for a suspend, `-ENODEV`/`-EIO` for a lost device.
    func write(_ samples: UnsafePointer<Float>, frames: Int) -> Int32
    /// Tries to recover from `code` (underrun, suspend). Returns 0 when playback can go on.
    func recover(_ code: Int32) -> Int32
    /// Plays out what is queued, then stops. Not real-time safe.
    func drain()
    /// Times the device played dry without reporting an underrun (see ``UnderrunWatch``); read on
    /// the thread that writes.
    var unreportedUnderruns: Int { get }
}

extension PCMOutput {
    /// An output that reports every underrun itself has none to add.
    public var unreportedUnderruns: Int { 0 }
}
