import CSndFile
import FileAccess

#if canImport(Glibc)
    import Glibc
#endif

/// Decodes an audio file to interleaved Float32 samples with libsndfile.
///
/// Reads WAV, FLAC, Ogg Vorbis, Ogg Opus and MP3 (and anything else libsndfile 1.2 opens). Integer formats are
/// scaled to -1…1; float files are passed through unchanged, so they may exceed ±1.
///
/// ``frames`` is the decoder's count from the header. For WAV, FLAC, Vorbis and Opus it is exact. For MP3 it is
/// exact when the file carries a LAME/Xing gapless header (ffmpeg and lame write one); for a headerless MP3 it may
/// be an estimate, so streaming code should read until ``read(into:frames:)`` returns 0 rather than trust it.
/// (Measured: a 1 s MP3 without the header reports 46545 frames and decodes 46080, encoder delay included.)
///
/// Opus decodes at an Opus rate (8, 12, 16, 24 or 48 kHz): libsndfile picks the one at or above the rate the
/// file was encoded from, so a 44.1 kHz source reads back at 48 kHz. ``sampleRate`` always says which.
///
/// Thread safety: marked `@unchecked Sendable` so a loader can create a reader on one thread and hand it to
/// another, but it has a single owner: never call it from two threads at once (libsndfile handles are not
/// thread-safe).
///
/// Real-time safety: none. Reading decodes and touches the file; call it from a loader thread only.
public final class AudioFileReader: @unchecked Sendable {
    /// The file being read.
    public let path: String
    /// Length in frames (one sample per channel), from the file's header; see the type's discussion for MP3.
    public let frames: Int
    /// Sample rate in Hz, e.g. 44100 or 48000.
    public let sampleRate: Int
    /// Number of interleaved channels, 1 or more.
    public let channels: Int
    /// A human-readable description of container and encoding, e.g. "WAV (Microsoft), Signed 24 bit PCM".
    public let formatName: String
    /// Resolution of the file's encoding in bits: 8, 16, 20, 24 or 32 for integer PCM (in WAV, FLAC, ALAC and the
    /// other lossless containers), 24 for 32-bit float (its mantissa), 53 for 64-bit float; `nil` for lossy codecs
    /// (Vorbis, Opus, MP3) and companded or other encodings, whose own noise lies above 16-bit quantisation.
    public let resolutionBits: Int?
    /// Whether ``seek(toFrame:)`` is supported (libsndfile's `seekable`).
    public let isSeekable: Bool
    /// The decode error that cut the last read short, if any; a short read with no error is the end of the file.
    public private(set) var lastError: AudioFileError?

    private let handle: OpaquePointer

    /// The longest file Respite reads, in seconds (6 hours, the longest a session may last).
    public static let maximumSeconds = 6 * 3600
    /// The sample rates Respite reads, Hz: from telephone-quality recordings to studio masters.
    public static let sampleRateRange = 4_000...768_000
    /// The most channels a file may have.
    public static let maximumChannels = 32

    /// Opens `path` for reading, through ``InputFile/open(_:)``: a regular file only, so a FIFO or a device never
    /// blocks, and a path with a NUL is refused.
    ///
    /// The header's facts are checked before anything trusts them: a rate in ``sampleRateRange``, 1 to
    /// ``maximumChannels`` channels, at least one frame and at most ``maximumSeconds`` of audio (a damaged file
    /// can claim billions of frames).
    ///
    /// - Throws: ``AudioFileError`` naming the file and the reason when the file is missing, not a regular
    ///   file, unreadable, in a format libsndfile cannot decode, or out of those ranges.
    public init(path: String) throws(AudioFileError) {
        let descriptor: Int32
        do {
            descriptor = try InputFile.open(path)
        } catch {
            throw AudioFileError(call: "open", path: path, message: error.message, suggestion: error.suggestion + ".")
        }
        var info = SF_INFO()
        // libsndfile closes the descriptor with the handle (close_desc), and on failure too.
        guard let handle = sf_open_fd(descriptor, Int32(SFM_READ), &info, Int32(SF_TRUE)) else {
            throw SndFile.error(call: "sf_open(read)", path: path, handle: nil)
        }
        if let problem = Self.headerProblem(info) {
            sf_close(handle)
            throw AudioFileError(
                call: "sf_open(read)", path: path, message: problem.message, suggestion: problem.suggestion)
        }
        self.path = path
        self.handle = handle
        self.frames = Int(max(0, info.frames))
        self.sampleRate = Int(info.samplerate)
        self.channels = Int(info.channels)
        self.isSeekable = info.seekable != 0
        let major = SndFile.formatName(info.format & Int32(SF_FORMAT_TYPEMASK), command: Int32(SFC_GET_FORMAT_INFO))
        let sub = SndFile.formatName(info.format & Int32(SF_FORMAT_SUBMASK), command: Int32(SFC_GET_FORMAT_INFO))
        self.formatName = [major, sub].compactMap { $0 }.joined(separator: ", ")
        self.resolutionBits = Self.resolutionBits(ofSubtype: info.format & Int32(SF_FORMAT_SUBMASK))
    }

    /// Why a header's facts cannot be used, or nil when they can.
    static func headerProblem(_ info: SF_INFO) -> (message: String, suggestion: String)? {
        let reencode = "Re-encode the file as WAV or FLAC at 44100 or 48000 Hz."
        guard info.channels > 0, info.channels <= Int32(maximumChannels) else {
            return ("the file reports \(info.channels) channels; Respite reads 1 to \(maximumChannels)", reencode)
        }
        guard sampleRateRange.contains(Int(info.samplerate)) else {
            return (
                "the file reports a sample rate of \(info.samplerate) Hz; Respite reads \(sampleRateRange.lowerBound) "
                    + "to \(sampleRateRange.upperBound) Hz", reencode
            )
        }
        guard info.frames > 0 else {
            return (
                "the file holds no audio (0 frames)", "Record or export the sound again; the file may be truncated."
            )
        }
        guard info.frames / sf_count_t(info.samplerate) < sf_count_t(maximumSeconds) else {
            let hours = Double(info.frames) / Double(info.samplerate) / 3600
            let shown = hours < 1e6 ? "\((hours * 10).rounded() / 10) hours" : "far more than a lifetime"
            return (
                "the file reports \(info.frames) frames at \(info.samplerate) Hz (\(shown)); a sound may last at most "
                    + "\(maximumSeconds / 3600) hours",
                "If the file is damaged (a cut-off download reports a wrong length), export it again; split a longer "
                    + "recording into parts."
            )
        }
        return nil
    }

    /// Bits of resolution of a libsndfile encoding (`SF_FORMAT_SUBMASK` part); see ``resolutionBits``.
    static func resolutionBits(ofSubtype subtype: Int32) -> Int? {
        switch Int(subtype) {
        case SF_FORMAT_PCM_S8, SF_FORMAT_PCM_U8, SF_FORMAT_DPCM_8: 8
        case SF_FORMAT_PCM_16, SF_FORMAT_DPCM_16, SF_FORMAT_ALAC_16, SF_FORMAT_DWVW_16: 16
        case SF_FORMAT_ALAC_20: 20
        case SF_FORMAT_PCM_24, SF_FORMAT_ALAC_24, SF_FORMAT_DWVW_24: 24
        case SF_FORMAT_PCM_32, SF_FORMAT_ALAC_32: 32
        case SF_FORMAT_FLOAT: 24
        case SF_FORMAT_DOUBLE: 53
        default: nil
        }
    }

    deinit {
        sf_close(handle)
    }

    /// Reads up to `frames` frames of interleaved samples into `buffer`.
    ///
    /// - Parameters:
    ///   - buffer: room for at least `frames * channels` floats.
    ///   - frames: frames wanted, 0 or more.
    /// - Returns: frames read; fewer than asked only at the end of the file or on a decode error (then
    ///   ``lastError`` is set), and 0 once the end is reached.
    public func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) -> Int {
        guard frames > 0 else { return 0 }
        let got = Int(sf_readf_float(handle, buffer, sf_count_t(frames)))
        if got < frames, sf_error(handle) != 0 {
            lastError = SndFile.error(call: "sf_readf_float", path: path, handle: handle)
        }
        return max(0, got)
    }

    /// Moves the read position to `frame` (0 is the start).
    ///
    /// - Parameter frame: target frame, 0…``frames``.
    /// - Throws: ``AudioFileError`` when the file cannot seek there.
    public func seek(toFrame frame: Int) throws(AudioFileError) {
        guard isSeekable else {
            throw AudioFileError(
                call: "sf_seek", path: path, message: "the file is not seekable",
                suggestion: "Re-encode it as WAV or FLAC, or read it from the start.")
        }
        guard frame >= 0 else {
            throw AudioFileError(
                call: "sf_seek", path: path, message: "frame \(frame) is negative",
                suggestion: "Seek to a frame between 0 and \(frames).")
        }
        if sf_seek(handle, sf_count_t(frame), SEEK_SET) < 0 {
            throw SndFile.error(call: "sf_seek", path: path, handle: handle)
        }
    }

    /// Reads from the current position to the end of the file, for short clips (bells, narration).
    ///
    /// Reads until the decoder stops rather than trusting ``frames``, so an MP3 with an estimated length is still
    /// read whole.
    ///
    /// - Returns: interleaved samples, `channels` per frame.
    /// - Throws: ``AudioFileError`` when decoding fails part-way.
    public func readAll() throws(AudioFileError) -> [Float] {
        let chunkFrames = 16_384
        var samples: [Float] = []
        samples.reserveCapacity(min(frames, 1 << 20) * channels)
        var chunk = [Float](repeating: 0, count: chunkFrames * channels)
        while true {
            let got = chunk.withUnsafeMutableBufferPointer { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return read(into: base, frames: chunkFrames)
            }
            samples.append(contentsOf: chunk[0..<(got * channels)])
            if got < chunkFrames { break }
        }
        if let lastError { throw lastError }
        return samples
    }
}
