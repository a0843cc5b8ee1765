import CSndFile

/// Encodes interleaved Float32 samples to a file with libsndfile.
///
/// Integer encodings clip samples to -1…1 (libsndfile's `SFC_SET_CLIPPING`), so an over-range sample saturates
/// instead of wrapping round to the opposite sign.
///
/// Call ``close()`` to learn whether the file was completed; `deinit` closes too, but must ignore errors.
///
/// Thread safety: `@unchecked Sendable` so a file sink can be handed to the thread that writes; it has a single
/// owner and must not be used from two threads at once.
///
/// Real-time safety: none. Writing encodes and touches the file; never call it on the audio thread.
public final class AudioFileWriter: @unchecked Sendable {
    /// The file being written.
    public let path: String
    /// Sample rate in Hz.
    public let sampleRate: Int
    /// Interleaved channels per frame.
    public let channels: Int
    /// Container and encoding.
    public let format: AudioFileFormat
    /// Frames written so far.
    public private(set) var framesWritten = 0

    private var handle: OpaquePointer?

    /// Creates (or truncates) `path` for writing.
    ///
    /// Writes in place: a failure part-way leaves a broken file under `path`. To replace a file someone keeps,
    /// write through an ``AtomicFile`` with ``init(file:sampleRate:channels:format:)`` instead.
    ///
    /// - Parameters:
    ///   - path: the output file.
    ///   - sampleRate: Hz, 1…768000 (Opus: 8000, 12000, 16000, 24000 or 48000).
    ///   - channels: 1…8.
    ///   - format: container and encoding; see ``AudioFileFormat/format(forPath:sampleFormat:)``.
    /// - Throws: ``AudioFileError`` when the combination is unsupported (e.g. FLAC float32, Opus at 44.1 kHz) or
    ///   the file cannot be created.
    public convenience init(path: String, sampleRate: Int, channels: Int, format: AudioFileFormat)
        throws(AudioFileError)
    {
        var info = try Self.info(path: path, sampleRate: sampleRate, channels: channels, format: format)
        guard let handle = sf_open(path, Int32(SFM_WRITE), &info) else {
            // Opus refuses unsupported rates here rather than in sf_format_check.
            throw SndFile.error(
                call: "sf_open(write)", path: path, handle: nil,
                suggestion: format.container == .oggOpus ? Self.suggestion(for: format) : nil)
        }
        self.init(handle: handle, path: path, sampleRate: sampleRate, channels: channels, format: format)
    }

    /// Encodes into `file`'s temporary file; call ``close()``, then ``AtomicFile/commit()`` to put it in place.
    ///
    /// Errors name `file.path`, the name the user gave, not the temporary file's.
    ///
    /// - Parameters: as ``init(path:sampleRate:channels:format:)``.
    /// - Throws: ``AudioFileError`` when the combination is unsupported or libsndfile cannot start the file.
    public convenience init(
        file: AtomicFile, sampleRate: Int, channels: Int, format: AudioFileFormat
    ) throws(AudioFileError) {
        var info = try Self.info(path: file.path, sampleRate: sampleRate, channels: channels, format: format)
        // close_desc 0: the AtomicFile owns the descriptor, syncs and closes it.
        guard let handle = sf_open_fd(file.descriptor, Int32(SFM_WRITE), &info, 0) else {
            throw SndFile.error(
                call: "sf_open(write)", path: file.path, handle: nil,
                suggestion: format.container == .oggOpus ? Self.suggestion(for: format) : nil)
        }
        self.init(handle: handle, path: file.path, sampleRate: sampleRate, channels: channels, format: format)
    }

    /// Checks the combination and builds libsndfile's description of it.
    private static func info(
        path: String, sampleRate: Int, channels: Int, format: AudioFileFormat
    ) throws(AudioFileError) -> SF_INFO {
        guard (1...768_000).contains(sampleRate), (1...8).contains(channels) else {
            throw AudioFileError(
                call: "AudioFileWriter.init", path: path,
                message: "\(channels) channels at \(sampleRate) Hz is out of range",
                suggestion: "Use 1 to 8 channels and a sample rate between 1 and 768000 Hz.")
        }
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = format.sndfileFormat
        guard sf_format_check(&info) != 0 else {
            throw AudioFileError(
                call: "sf_format_check", path: path,
                message: "libsndfile cannot write \(format) with \(channels) channels at \(sampleRate) Hz",
                suggestion: Self.suggestion(for: format))
        }
        return info
    }

    private init(handle: OpaquePointer, path: String, sampleRate: Int, channels: Int, format: AudioFileFormat) {
        self.path = path
        self.sampleRate = sampleRate
        self.channels = channels
        self.format = format
        self.handle = handle
        if format.needsClipping {
            sf_command(handle, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
        }
        // A float WAV's PEAK chunk carries the time of writing; without it, the same render gives
        // the same bytes, which is how offline and live output are compared.
        sf_command(handle, Int32(SFC_SET_ADD_PEAK_CHUNK), nil, Int32(SF_FALSE))
        if format.isLossy {
            var quality = format.quality
            sf_command(handle, Int32(SFC_SET_VBR_ENCODING_QUALITY), &quality, Int32(MemoryLayout<Double>.size))
        }
    }

    /// Creates `path` in the format its extension names (see ``AudioFileFormat/format(forPath:sampleFormat:)``).
    public convenience init(
        path: String, sampleRate: Int, channels: Int, sampleFormat: AudioFileFormat.SampleFormat = .pcm24
    ) throws(AudioFileError) {
        let format = try AudioFileFormat.format(forPath: path, sampleFormat: sampleFormat)
        try self.init(path: path, sampleRate: sampleRate, channels: channels, format: format)
    }

    deinit {
        if let handle { sf_close(handle) }
    }

    /// Appends `frames` frames of interleaved samples.
    ///
    /// - Parameters:
    ///   - interleaved: `frames * channels` floats, nominally -1…1.
    ///   - frames: 0 or more.
    /// - Throws: ``AudioFileError`` when the writer is closed or the write fails (e.g. disk full).
    public func write(interleaved: UnsafePointer<Float>, frames: Int) throws(AudioFileError) {
        guard let handle else {
            throw AudioFileError(
                call: "sf_writef_float", path: path, message: "the writer is already closed",
                suggestion: "Create a new AudioFileWriter to write more.")
        }
        guard frames > 0 else { return }
        let written = Int(sf_writef_float(handle, interleaved, sf_count_t(frames)))
        framesWritten += max(0, written)
        if written != frames {
            throw SndFile.error(call: "sf_writef_float", path: path, handle: handle)
        }
    }

    /// Appends `frames` frames of interleaved 16-bit integer samples, written bit-exactly to a PCM16 file.
    ///
    /// - Parameters:
    ///   - interleaved: `frames * channels` samples, full scale ±32767.
    ///   - frames: 0 or more.
    /// - Throws: ``AudioFileError`` when the writer is closed or the write fails (e.g. disk full).
    public func write(interleaved: UnsafePointer<Int16>, frames: Int) throws(AudioFileError) {
        guard let handle else {
            throw AudioFileError(
                call: "sf_writef_short", path: path, message: "the writer is already closed",
                suggestion: "Create a new AudioFileWriter to write more.")
        }
        guard frames > 0 else { return }
        let written = Int(sf_writef_short(handle, interleaved, sf_count_t(frames)))
        framesWritten += max(0, written)
        if written != frames {
            throw SndFile.error(call: "sf_writef_short", path: path, handle: handle)
        }
    }

    /// Finishes the file: flushes the encoder and writes the final header. Closing twice does nothing.
    ///
    /// - Throws: ``AudioFileError`` when the final write fails; the file is then incomplete.
    public func close() throws(AudioFileError) {
        guard let handle else { return }
        self.handle = nil
        try SndFile.check(sf_close(handle), call: "sf_close", path: path)
    }

    private static func suggestion(for format: AudioFileFormat) -> String {
        switch format.container {
        case .flac where format.sampleFormat == .float32:
            "FLAC stores integers only: choose pcm16 or pcm24, or write float32 to a .wav file."
        case .oggOpus:
            "Opus works at 8000, 12000, 16000, 24000 or 48000 Hz: resample first or write .ogg or .flac instead."
        default:
            "Choose WAV or FLAC (pcm16 or pcm24), or Ogg Vorbis, with 1 to 8 channels."
        }
    }
}
