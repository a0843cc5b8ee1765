import Foundation

/// Speaks narration text with espeak-ng into a cache of WAV files, so a therapist hears a draft before a voice is
/// recorded and a session replays without synthesising again.
///
/// Each clip is named by a stable 128-bit hash (``Hash128``) of a version tag, the text, voice, rate and pitch. A
/// clip is written to a temporary file in the cache directory, synced, and linked into place, so a crash never
/// leaves half a file under a cache name; concurrent processes at worst both synthesise it, and then all use the
/// first one cached.
///
/// Leading silence is trimmed to ``leadingMargin`` and trailing silence to ``trailingMargin``, so a cue scheduled
/// at frame N is heard at frame N. (espeak-ng 1.51 in synchronous mode pads little: about 14 ms in front and
/// 10–25 ms behind, but more after some voices and punctuation; the trim makes the timing not depend on it.)
///
/// espeak-ng carries a little state from one utterance to the next, so the same inputs can come out a few
/// milliseconds longer or shorter later in a process. The cache is what makes renders repeatable: the first
/// synthesis of a clip is the one every later render plays. espeak-ng's version is deliberately not in the key: a
/// system upgrade does not change a voice a patient has grown used to, and a session whose narration is cached
/// never loads espeak-ng at all (``SpeechEngine``). Deleting the cache directory makes every clip anew.
///
/// Thread safety: safe from any thread. espeak-ng is one global engine, so synthesis is serialised process-wide;
/// cache hits do not wait for it.
/// Real-time safety: none; call from a loader or the CLI, never the audio thread.
public final class SpeechSynthesizer: Sendable {
    /// Bump when anything that changes the cached audio changes (trimming, file format), to invalidate old clips.
    static let versionTag = "respite-speech-1"
    /// Samples at or below this magnitude (-60 dBFS) count as silence when trimming.
    static let silenceThreshold: Int16 = 33
    /// Silence kept before the first sound, in seconds.
    public static let leadingMargin = 0.005
    /// Silence kept after the last sound, in seconds; a little more than in front, for the tail of a release.
    public static let trailingMargin = 0.030

    /// The directory holding cached clips.
    public let cacheDirectory: String

    /// Creates a synthesiser using (and creating, if needed) `cacheDirectory`.
    ///
    /// espeak-ng itself starts on the first clip that is not in the cache.
    ///
    /// - Parameter cacheDirectory: where clips are kept; see ``defaultCacheDirectory()``.
    /// - Throws: ``SpeechError`` of kind `.cache` when the directory cannot be created.
    public init(cacheDirectory: String = SpeechSynthesizer.defaultCacheDirectory()) throws(SpeechError) {
        do {
            try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
        } catch {
            throw SpeechError(
                kind: .cache, call: "createDirectory", message: "cannot create '\(cacheDirectory)': \(error)",
                suggestion: "Check the path and its permissions, or choose another cache directory.")
        }
        self.cacheDirectory = cacheDirectory
    }

    /// `speech` under the cache root (``CacheDirectory``: `$XDG_CACHE_HOME/respite`, `~/.cache/respite`, the passwd
    /// home's, or a checked private folder in /tmp). When that folder cannot be used, a private folder made with
    /// `mkdtemp` for this process alone (removed at exit), so speech still works, only uncached; when even that
    /// cannot be made (/tmp full or read-only), a path that cannot be created, so ``init(cacheDirectory:)`` says so.
    public static func defaultCacheDirectory() -> String {
        CacheDirectory.current.speech ?? CacheDirectory.privateSpeechFolder ?? "/dev/null/respite-speech"
    }

    /// Returns the cached clip for these inputs, synthesising it first if it is not cached.
    ///
    /// - Parameters:
    ///   - text: what to say, UTF-8; not empty.
    ///   - voice: an espeak-ng voice name, e.g. "en", "en-gb", "en-us+f3"; `espeak-ng --voices` lists them.
    ///   - wordsPerMinute: speaking rate, 80…450 (espeak-ng's default is 175; 130–150 suits relaxation).
    ///   - pitch: base pitch, 0…100, 50 being the voice's normal pitch.
    /// - Returns: the clip; `synthesised` says whether espeak-ng ran.
    /// - Throws: ``SpeechError``: `.unknownVoice` naming the voice, `.invalidArgument` for an empty text or an
    ///   out-of-range rate or pitch, `.engine` when espeak-ng fails, `.cache` when the file cannot be written.
    public func clip(text: String, voice: String, wordsPerMinute: Int, pitch: Int) throws(SpeechError) -> SpeechClip {
        try Self.validate(text: text, voice: voice, wordsPerMinute: wordsPerMinute, pitch: pitch)
        let key = Hash128(Self.versionTag, text, voice, String(wordsPerMinute), String(pitch))
        let path = cacheDirectory + "/" + key.hexString + ".wav"
        if let cached = Self.cachedClip(at: path) { return cached }

        let (samples, info) = try SpeechEngine.shared.synthesize(
            text: text, voice: voice, wordsPerMinute: wordsPerMinute, pitch: pitch)
        let range = Self.audibleRange(of: samples, sampleRate: info.sampleRate)
        let first = try Self.writeAtomically(
            samples[range], sampleRate: info.sampleRate, to: path, directory: cacheDirectory)
        return SpeechClip(
            path: path, frames: first?.frames ?? range.count, sampleRate: first?.sampleRate ?? info.sampleRate,
            synthesised: true)
    }

    private static func validate(text: String, voice: String, wordsPerMinute: Int, pitch: Int) throws(SpeechError) {
        if text.allSatisfy(\.isWhitespace) {
            throw SpeechError(
                kind: .invalidArgument, call: "SpeechSynthesizer.clip", message: "the text is empty",
                suggestion: "Give the narration some words to say.")
        }
        if voice.isEmpty {
            throw SpeechError(
                kind: .unknownVoice, call: "SpeechSynthesizer.clip", message: "'\(voice)' is not a voice name",
                suggestion: "Run `espeak-ng --voices` to list the installed voices and use a name from it, e.g. 'en'.")
        }
        if !SpeechEngine.rateRange.contains(wordsPerMinute) {
            throw SpeechError(
                kind: .invalidArgument, call: "SpeechSynthesizer.clip",
                message: "a rate of \(wordsPerMinute) words per minute is out of range",
                suggestion: "Use \(SpeechEngine.rateRange.lowerBound)…\(SpeechEngine.rateRange.upperBound); "
                    + "130–150 suits relaxation.")
        }
        if !SpeechEngine.pitchRange.contains(pitch) {
            throw SpeechError(
                kind: .invalidArgument, call: "SpeechSynthesizer.clip", message: "a pitch of \(pitch) is out of range",
                suggestion: "Use 0…100; 50 is the voice's normal pitch.")
        }
    }

    /// The clip at `path` if it exists and opens; a file that does not open is synthesised again.
    private static func cachedClip(at path: String) -> SpeechClip? {
        guard FileManager.default.fileExists(atPath: path),
            let reader = try? AudioFileReader(path: path)
        else { return nil }
        return SpeechClip(path: path, frames: reader.frames, sampleRate: reader.sampleRate, synthesised: false)
    }

    /// The samples to keep: from ``leadingMargin`` before the first sound to ``trailingMargin`` after the last.
    static func audibleRange(of samples: [Int16], sampleRate: Int) -> Range<Int> {
        let isSound = { (sample: Int16) in sample > silenceThreshold || sample < -silenceThreshold }
        guard let first = samples.firstIndex(where: isSound), let last = samples.lastIndex(where: isSound) else {
            return 0..<0
        }
        let lead = Int((leadingMargin * Double(sampleRate)).rounded())
        let tail = Int((trailingMargin * Double(sampleRate)).rounded())
        return max(0, first - lead)..<min(samples.count, last + 1 + tail)
    }

    /// Writes `samples` to a temporary file beside `path`, syncs it, and puts it in place under `path`, unless
    /// another process has cached a clip there meanwhile: the first synthesis stays, so processes that synthesise
    /// the same sentence at once (a render and a play started together) all play the same samples. A damaged
    /// file in the way is replaced.
    ///
    /// - Returns: the clip that was already cached, whose samples are used instead of these; `nil` when these
    ///   were put in place.
    static func writeAtomically(
        _ samples: ArraySlice<Int16>, sampleRate: Int, to path: String, directory: String
    ) throws(SpeechError) -> SpeechClip? {
        let temporary = directory + "/.tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).wav"
        do throws(AudioFileError) {
            let writer = try AudioFileWriter(
                path: temporary, sampleRate: sampleRate, channels: 1, format: .wav(.pcm16))
            try samples.withUnsafeBufferPointer { (buffer) throws(AudioFileError) in
                guard let base = buffer.baseAddress else { return }
                try writer.write(interleaved: base, frames: buffer.count)
            }
            try writer.close()
        } catch {
            unlink(temporary)
            throw SpeechError(
                kind: .cache, call: error.call, message: "cannot write the clip '\(temporary)': \(error.message)",
                suggestion: "Check free space and permissions in \(directory).")
        }
        // Without the sync, a power cut after the rename could leave a cache name pointing at empty blocks.
        let descriptor = open(temporary, O_RDONLY)
        if descriptor >= 0 {
            fsync(descriptor)
            close(descriptor)
        }
        // link, unlike rename, fails when the name exists: that is how the first synthesis wins.
        if link(temporary, path) == 0 {
            unlink(temporary)
            return nil
        }
        if errno == EEXIST, let first = cachedClip(at: path) {
            unlink(temporary)
            return first
        }
        // A damaged clip in the way, or a file system without hard links: replace.
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw SpeechError(
                kind: .cache, call: "rename", message: "cannot move '\(temporary)' to '\(path)': \(reason)",
                suggestion: "Check permissions in \(directory).")
        }
        return nil
    }
}
