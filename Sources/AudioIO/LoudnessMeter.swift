/// Measures loudness and peaks with libebur128, as EBU R 128 and ITU-R BS.1770-4 define them.
///
/// Integrated loudness is gated (400 ms blocks with 75 % overlap, -70 LUFS absolute and -10 LU relative gates), the
/// range follows EBU Tech 3342, the true peak is libebur128's 4× oversampled peak. Results pass the minimum test cases
/// of EBU Tech 3341 (see `LoudnessMeterTests`).
///
/// A single channel is measured as dual mono (+3 dB against plain BS.1770 mono), because Respite plays mono on both
/// speakers; see ``LoudnessAccumulator``. More than two channels use BS.1770's weights, although the player only
/// plays the first two.
///
/// Thread safety: the functions are independent and safe to call from any thread at once.
/// Real-time safety: none; measure on a loader thread or in the CLI, never on the audio thread.
public enum LoudnessMeter {
    /// Frames decoded and measured at a time by ``measure(file:)``: 16384 frames, 128 KiB of stereo samples.
    static let blockFrames = 16_384

    /// Measures interleaved samples held in memory.
    ///
    /// - Parameters:
    ///   - interleaved: `frames * channels` samples, nominally -1…1; empty measures as silence.
    ///   - channels: interleaved channels, 1…64.
    ///   - sampleRate: Hz, 16…2 822 400 (typically 44100 or 48000).
    /// - Returns: the measurement; see ``Loudness`` for silence.
    /// - Throws: ``LoudnessError`` when the channel count or rate is out of range, the sample count is not a
    ///   whole number of frames, a sample is NaN or infinite, or libebur128 fails.
    public static func measure(
        interleaved: UnsafeBufferPointer<Float>, channels: Int, sampleRate: Int
    ) throws(LoudnessError) -> Loudness {
        let accumulator = try LoudnessAccumulator(channels: channels, sampleRate: sampleRate, path: nil)
        guard interleaved.count % channels == 0 else {
            throw LoudnessError(
                call: "LoudnessMeter.measure", path: nil,
                message: "\(interleaved.count) samples are not a whole number of \(channels)-channel frames",
                suggestion: "Pass frames × channels interleaved samples.")
        }
        if let base = interleaved.baseAddress {
            try accumulator.add(base, frames: interleaved.count / channels)
        }
        return try accumulator.result()
    }

    /// Measures an audio file at its own sample rate, decoding it block by block (never whole).
    ///
    /// Reads until the decoder stops rather than trusting the header's length, so an MP3 without a gapless header is
    /// measured whole. Memory stays at one block of ``blockFrames`` frames plus libebur128's history.
    ///
    /// - Parameter path: any file ``AudioFileReader`` opens (WAV, FLAC, Ogg Vorbis, Opus, MP3).
    /// - Returns: the measurement; ``Loudness/duration`` counts the frames actually decoded.
    /// - Throws: ``AudioFileError`` when the file cannot be opened or decoding fails part-way; ``LoudnessError``
    ///   (naming the file) when it cannot be measured.
    public static func measure(file path: String) throws -> Loudness {
        let reader = try AudioFileReader(path: path)
        let accumulator = try LoudnessAccumulator(channels: reader.channels, sampleRate: reader.sampleRate, path: path)
        let capacity = blockFrames * reader.channels
        let block = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
        block.initialize(repeating: 0, count: capacity)
        defer { block.deallocate() }
        while true {
            let got = reader.read(into: block, frames: blockFrames)
            try accumulator.add(block, frames: got)
            if got < blockFrames { break }
        }
        if let error = reader.lastError { throw error }
        return try accumulator.result()
    }
}
