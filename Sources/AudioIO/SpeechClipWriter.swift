import CSndFile
import Foundation

/// Writes espeak-ng's samples to a clip file as they arrive, trimming the silence around the speech, so a narration
/// of any length is held in memory one buffer at a time.
///
/// Leading silence is trimmed to ``SpeechSynthesizer/leadingMargin`` on the way in (the last few milliseconds
/// before the first sound are kept in a small ring). Trailing silence cannot be known until the end, so everything
/// after the first sound is written, and the file is cut (`SFC_FILE_TRUNCATE`) to
/// ``SpeechSynthesizer/trailingMargin`` after the last sound when the synthesis is done. The samples' hash for the
/// clip's stamp is taken as the samples pass: a copy is kept at the point where the clip would end if no sound
/// followed, so it covers exactly the samples that remain.
///
/// Thread safety: one owner; espeak-ng calls ``append(_:)`` on the synthesising thread.
final class SpeechClipWriter: SpeechSampleSink {
    let path: String
    /// The cache key stamped into the clip (``SpeechClipFile/key(of:)`` of where it will be installed).
    let key: String
    let sampleRate: Int
    /// The most samples espeak-ng may produce for one clip, leading silence included.
    let maximumFrames: Int

    private var handle: OpaquePointer?
    private let lead: Int
    private let tail: Int
    /// Samples received from espeak-ng.
    private var received = 0
    /// The silence before the first sound, its last `lead` samples at most.
    private var leadRing: [Int16] = []
    private var heardSound = false
    /// Samples written to the file.
    private var written = 0
    /// One past the last sound sample written.
    private var soundEnd = 0
    private var digest = SampleDigest()
    /// The digest of the first `soundEnd + tail` samples, once that many were written.
    private var endDigest: SampleDigest?

    /// Starts the clip in `file`'s temporary file: WAV, 16-bit PCM, mono, `sampleRate` Hz, for cache entry `key`.
    /// After ``finish()``, put it in place with ``SpeechSynthesizer/install(_:)``.
    init(file: AtomicFile, key: String, sampleRate: Int, maximumFrames: Int) throws(SpeechError) {
        path = file.path
        self.key = key
        self.sampleRate = sampleRate
        self.maximumFrames = maximumFrames
        lead = Int((SpeechSynthesizer.leadingMargin * Double(sampleRate)).rounded())
        tail = Int((SpeechSynthesizer.trailingMargin * Double(sampleRate)).rounded())
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = 1
        info.format = Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
        // close_desc 0: the AtomicFile owns the descriptor, syncs and closes it.
        guard let handle = sf_open_fd(file.descriptor, Int32(SFM_WRITE), &info, 0) else {
            throw Self.error(SndFile.error(call: "sf_open(write)", path: path, handle: nil))
        }
        self.handle = handle
    }

    deinit {
        if let handle { sf_close(handle) }
    }

    func append(_ samples: UnsafeBufferPointer<Int16>) throws(SpeechError) {
        received += samples.count
        if received > maximumFrames {
            throw SpeechError(
                kind: .tooLong, call: "espeak_ng_Synthesize",
                message: "the narration speaks for more than \(maximumFrames / max(1, sampleRate) / 60) minutes, "
                    + "the most one narration may last",
                suggestion: "Split it into several narration steps.")
        }
        var rest = samples[...]
        if !heardSound {
            guard let first = rest.firstIndex(where: Self.isSound) else {
                leadRing.append(contentsOf: rest.suffix(lead))
                if leadRing.count > lead { leadRing.removeFirst(leadRing.count - lead) }
                return
            }
            heardSound = true
            leadRing.append(contentsOf: rest[rest.startIndex..<first].suffix(lead))
            if leadRing.count > lead { leadRing.removeFirst(leadRing.count - lead) }
            try leadRing.withUnsafeBufferPointer { (buffer) throws(SpeechError) in try write(buffer[...]) }
            leadRing = []
            rest = rest[first...]
        }
        try write(rest)
    }

    /// Finishes the clip: cuts the trailing silence, stamps and closes the file.
    ///
    /// - Returns: the clip's frames.
    /// - Throws: ``SpeechError`` of kind `.silentText` when nothing audible was said, `.cache` when the file
    ///   cannot be written.
    func finish() throws(SpeechError) -> Int {
        guard let handle else {
            throw Self.error(AudioFileError(call: "sf_close", path: path, message: "already closed", suggestion: ""))
        }
        guard heardSound else {
            throw SpeechError(
                kind: .silentText, call: "espeak_ng_Synthesize",
                message: "espeak-ng says nothing audible for this text",
                suggestion: "Give the narration words to say; punctuation and symbols alone are not read out.")
        }
        var frames = written
        var final = digest
        if written > soundEnd + tail, let endDigest {
            frames = soundEnd + tail
            final = endDigest
            var length = sf_count_t(frames)
            if sf_command(handle, Int32(SFC_FILE_TRUNCATE), &length, Int32(MemoryLayout<sf_count_t>.size)) != 0 {
                throw Self.error(SndFile.error(call: "sf_command(SFC_FILE_TRUNCATE)", path: path, handle: handle))
            }
        }
        let stamp = SpeechClipFile.Stamp(key: key, frames: frames, sampleRate: sampleRate, samples: final.hexString)
        if sf_set_string(handle, Int32(SF_STR_COMMENT), stamp.comment) != 0 {
            throw Self.error(SndFile.error(call: "sf_set_string", path: path, handle: handle))
        }
        self.handle = nil
        let status = sf_close(handle)
        if status != 0 {
            throw Self.error(
                AudioFileError(call: "sf_close", path: path, message: SndFile.errorText(code: status), suggestion: ""))
        }
        return frames
    }

    private func write(_ samples: ArraySlice<Int16>) throws(SpeechError) {
        guard let handle, !samples.isEmpty else { return }
        if let last = samples.lastIndex(where: Self.isSound) {
            soundEnd = written + (last - samples.startIndex) + 1
            endDigest = nil
        }
        // Where the clip ends if no sound follows; the digest is copied there, once per last sound.
        let end = soundEnd + tail
        if endDigest == nil, end >= written, end <= written + samples.count {
            let split = samples.startIndex + (end - written)
            samples[..<split].withUnsafeBufferPointer { digest.add($0) }
            endDigest = digest
            samples[split...].withUnsafeBufferPointer { digest.add($0) }
        } else {
            samples.withUnsafeBufferPointer { digest.add($0) }
        }
        let done = samples.withUnsafeBufferPointer { buffer in
            sf_writef_short(handle, buffer.baseAddress, sf_count_t(buffer.count))
        }
        if done != sf_count_t(samples.count) {
            throw Self.error(SndFile.error(call: "sf_writef_short", path: path, handle: handle))
        }
        written += samples.count
    }

    private func write(_ samples: Slice<UnsafeBufferPointer<Int16>>) throws(SpeechError) {
        try write(ArraySlice(samples))
    }

    /// Samples above -60 dBFS count as sound.
    static func isSound(_ sample: Int16) -> Bool {
        sample > SpeechSynthesizer.silenceThreshold || sample < -SpeechSynthesizer.silenceThreshold
    }

    private static func error(_ error: AudioFileError) -> SpeechError {
        SpeechError(
            kind: .cache, call: error.call, message: "cannot write the clip '\(error.path)': \(error.message)",
            suggestion: "Check free space and permissions in the speech cache folder.")
    }
}
