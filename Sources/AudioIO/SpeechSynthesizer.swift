import FileAccess
import Foundation
import Logging

/// Speaks narration text with espeak-ng into a cache of WAV files, so a therapist hears a draft before a voice is
/// recorded and a session replays without synthesising again.
///
/// Each clip is named by a stable 128-bit hash (``Hash128``) of a version tag, the text, voice, rate and pitch. A
/// clip is written to a temporary file in the cache directory (an ``AtomicFile``) as espeak-ng speaks, stamped with
/// its length and the hash of its samples, synced and linked into place, so a crash never leaves half a file under a cache name;
/// concurrent processes at worst both synthesise it, and then all use the first one cached. A cached clip is used
/// only once verified (``SpeechClipFile``): a damaged, truncated or foreign file is synthesised again.
///
/// Leading silence is trimmed to ``leadingMargin`` and trailing silence to ``trailingMargin``, so a cue scheduled
/// at frame N is heard at frame N. (espeak-ng 1.51 in synchronous mode pads little: about 14 ms in front and
/// 10–25 ms behind, but more after some voices and punctuation; the trim makes the timing not depend on it.)
///
/// Deterministic: the same text, voice, rate and pitch give the same samples whatever the process said before,
/// because espeak-ng starts afresh for every clip (``SpeechEngine``). espeak-ng's version is deliberately not in the
/// key: a system upgrade does not change a voice a patient has grown used to, and a session whose narration is
/// cached never loads espeak-ng at all. Deleting the cache directory makes every clip anew.
///
/// Voices: a voice name must have ``VoiceName``'s shape and be one espeak-ng lists (checked before anything reaches
/// espeak-ng); MBROLA voices are refused unless `allowMBROLA`.
///
/// Thread safety: safe from any thread. espeak-ng is one global engine, so synthesis is serialised process-wide;
/// cache hits do not wait for it.
/// Real-time safety: none; call from a loader or the CLI, never the audio thread.
public final class SpeechSynthesizer: Sendable {
    /// Bump when anything that changes the cached audio changes (trimming, file format), to invalidate old clips.
    /// 2: clips are stamped and verified, and synthesised by a fresh espeak-ng. 3: the rate is calibrated
    /// (``SpeechEngine/espeakRate(forWordsPerMinute:)``).
    static let versionTag = "respite-speech-3"
    /// Samples at or below this magnitude (-60 dBFS) count as silence when trimming.
    static let silenceThreshold: Int16 = 33
    /// Silence kept before the first sound, in seconds.
    public static let leadingMargin = 0.005
    /// Silence kept after the last sound, in seconds; a little more than in front, for the tail of a release.
    public static let trailingMargin = 0.030
    /// The longest narration text, in characters (Unicode scalars): about five minutes of speech. The bundled
    /// sessions' longest is under 500.
    public static let maximumTextLength = 5_000
    /// The longest a clip may speak, in seconds (ten minutes), leading silence included; espeak-ng is stopped there.
    public static let maximumSeconds = 600

    /// The directory holding cached clips.
    public let cacheDirectory: String
    /// Whether MBROLA voices (`mb-…`) may be used; espeak-ng speaks them by running an `mbrola` program.
    public let allowMBROLA: Bool
    /// The neural voices this synthesiser may use (read once, when it is made).
    public let piper: PiperVoices

    /// Creates a synthesiser using (and creating, if needed) `cacheDirectory`.
    ///
    /// espeak-ng itself starts on the first clip that is not in the cache.
    ///
    /// - Parameters:
    ///   - cacheDirectory: where clips are kept; see ``defaultCacheDirectory()``.
    ///   - allowMBROLA: whether MBROLA voices may be used (false: they are refused with a ``SpeechError`` of kind
    ///     `.voiceNotAllowed`).
    ///   - piper: the neural voices installed (``PiperVoices/installed(environment:)``).
    /// - Throws: ``SpeechError`` of kind `.cache` when the directory cannot be created.
    public init(
        cacheDirectory: String = SpeechSynthesizer.defaultCacheDirectory(), allowMBROLA: Bool = false,
        piper: PiperVoices = .installed()
    ) throws(SpeechError) {
        do {
            try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
        } catch {
            throw SpeechError(
                kind: .cache, call: "createDirectory", message: "cannot create '\(cacheDirectory)': \(error)",
                suggestion: "Check the path and its permissions, or choose another cache directory.")
        }
        self.cacheDirectory = cacheDirectory
        self.allowMBROLA = allowMBROLA
        self.piper = piper
    }

    /// `speech` under the cache root (``CacheDirectory``: `$XDG_CACHE_HOME/respite`, `~/.cache/respite`, the passwd
    /// home's, or a checked private folder in /tmp). When that folder cannot be used, a private folder made with
    /// `mkdtemp` for this process alone (removed at exit), so speech still works, only uncached; when even that
    /// cannot be made (/tmp full or read-only), a path that cannot be created, so ``init(cacheDirectory:)`` says so.
    public static func defaultCacheDirectory() -> String {
        CacheDirectory.current.speech ?? CacheDirectory.privateSpeechFolder ?? "/dev/null/respite-speech"
    }

    /// Returns the cached clip for these inputs, synthesising it first if it is not cached or does not verify.
    ///
    /// - Parameters:
    ///   - text: what to say, UTF-8; not empty, no NUL, at most ``maximumTextLength`` characters.
    ///   - voice: the engine and its voice: for espeak-ng a voice such as "en", "en-gb", "en-us+f3", "gmw/en-US"
    ///     (see ``VoiceName`` for the shape, and `respite voices` for the names); for Piper an installed
    ///     model's name (``piper``).
    ///   - wordsPerMinute: speaking rate, 80…450 (espeak-ng's default is 175; 130–150 suits relaxation).
    ///   - pitch: base pitch, 0…100, 50 being the voice's normal pitch (espeak-ng only).
    ///   - lexicon: how particular words are said (``Lexicon``), applied before the engine sees the text.
    /// - Returns: the clip; `synthesised` says whether an engine ran.
    /// - Throws: ``SpeechError``: `.unknownVoice` or `.voiceNotAllowed` naming the voice or model,
    ///   `.invalidArgument` for an empty text or an out-of-range rate or pitch, `.tooLong`, `.silentText` when the
    ///   engine says nothing audible, `.engine` when the engine fails, `.cache` when the file cannot be written.
    public func clip(
        text: String, voice: SpeechVoice, wordsPerMinute: Int, pitch: Int, lexicon: Lexicon = .builtin
    ) throws(SpeechError) -> SpeechClip {
        let request = try self.request(
            text: text, voice: voice, wordsPerMinute: wordsPerMinute, pitch: pitch, lexicon: lexicon)
        let path = cacheDirectory + "/" + request.key.hexString + ".wav"
        if let cached = SpeechClipFile.verifiedClip(at: path, maximumFrames: Self.maximumFrames) {
            Logger.audio.debug("speech clip from the cache: \(cached.path)")
            return cached
        }
        // One synthesis of a clip at a time in this process: a second caller (a player catching up with the
        // speech made ahead for it, `SpeechPrefetch`) waits for the first and takes its clip.
        guard SpeechInFlight.shared.begin(path) else {
            if let made = SpeechClipFile.verifiedClip(at: path, maximumFrames: Self.maximumFrames) { return made }
            return try clip(text: text, voice: voice, wordsPerMinute: wordsPerMinute, pitch: pitch, lexicon: lexicon)
        }
        defer { SpeechInFlight.shared.end(path) }
        let started = ContinuousClock.now
        // espeak-ng is loaded only now, for a clip not cached: its voice list resolves the name.
        var espeakVoice = ""
        let voiceName: String
        switch request.engine {
        case .espeak(let name):
            espeakVoice = try SpeechEngine.shared.voices().resolve(name, allowMBROLA: allowMBROLA)
            voiceName = "espeak-ng voice '\(espeakVoice)'"
        case .piper(_, let model):
            voiceName = "Piper voice '\(model.name)'"
        }
        let file: AtomicFile
        do throws(OutputFileError) {
            file = try AtomicFile(replacing: path, removingStale: false, asCacheEntry: true)
        } catch {
            throw Self.cacheError(error)
        }
        var writer: SpeechClipWriter?
        let frames: Int
        func makeSink(_ sampleRate: Int) throws(SpeechError) -> any SpeechSampleSink {
            let made = try SpeechClipWriter(
                file: file, key: request.key.hexString, sampleRate: sampleRate,
                maximumFrames: sampleRate * Self.maximumSeconds)
            writer = made
            return made
        }
        do throws(SpeechError) {
            switch request.engine {
            case .espeak:
                try SpeechEngine.shared.synthesize(
                    text: request.spoken, voice: espeakVoice, wordsPerMinute: wordsPerMinute, pitch: pitch,
                    makeSink: makeSink)
            case .piper(let program, let model):
                try PiperEngine.shared.synthesize(
                    text: request.spoken, program: program, model: model, wordsPerMinute: wordsPerMinute,
                    makeSink: makeSink)
            }
            guard let writer else {
                throw SpeechError(
                    kind: .engine, call: "synthesize", message: "\(voice.engine.rawValue) produced no output",
                    suggestion: "Run `respite voices` to check the voice.")
            }
            frames = try writer.finish()
        } catch {
            writer = nil  // closes libsndfile's handle before the file is removed
            file.discard()
            throw error
        }
        let sampleRate = writer?.sampleRate ?? 0
        writer = nil
        let first = try Self.install(file)
        let line =
            "synthesised \(text.count) characters with \(voiceName) in \(ContinuousClock.now - started): "
            + "\(frames) frames at \(sampleRate) Hz, cached as \(path)"
        Logger.audio.info("\(line)")
        return first ?? SpeechClip(path: path, frames: frames, sampleRate: sampleRate, synthesised: true)
    }

    /// ``clip(text:voice:wordsPerMinute:pitch:lexicon:)`` with an espeak-ng voice.
    public func clip(text: String, voice: String, wordsPerMinute: Int, pitch: Int) throws(SpeechError) -> SpeechClip {
        try clip(text: text, voice: .espeak(voice), wordsPerMinute: wordsPerMinute, pitch: pitch)
    }

    /// The clip already cached for these inputs, verified, or nil when there is none (or it does not verify, or
    /// the inputs are out of range, or the voice is not installed): never starts an engine. For what may answer
    /// before any speech is made (`respite list`'s durations).
    ///
    /// Parameters as for ``clip(text:voice:wordsPerMinute:pitch:lexicon:)``.
    public func cachedClip(
        text: String, voice: SpeechVoice, wordsPerMinute: Int, pitch: Int, lexicon: Lexicon = .builtin
    ) -> SpeechClip? {
        guard
            let request = try? self.request(
                text: text, voice: voice, wordsPerMinute: wordsPerMinute, pitch: pitch, lexicon: lexicon)
        else { return nil }
        let path = cacheDirectory + "/" + request.key.hexString + ".wav"
        return SpeechClipFile.verifiedClip(at: path, maximumFrames: Self.maximumFrames)
    }

    /// ``cachedClip(text:voice:wordsPerMinute:pitch:lexicon:)`` with an espeak-ng voice.
    public func cachedClip(text: String, voice: String, wordsPerMinute: Int, pitch: Int) -> SpeechClip? {
        cachedClip(text: text, voice: .espeak(voice), wordsPerMinute: wordsPerMinute, pitch: pitch)
    }

    /// The text as an engine will read it, after the lexicon (for tests and `respite timeline`'s curious).
    public static func spokenText(_ text: String, engine: SpeechVoice.Engine, lexicon: Lexicon = .builtin) -> String {
        lexicon.spokenText(text, for: engine == .piper ? .ipa : .espeak)
    }

    /// One clip's inputs, checked: the engine to run, the text it reads and the cache key.
    private struct Request {
        enum Engine {
            /// A voice name of the right shape, resolved against espeak-ng's list only to synthesise.
            case espeak(name: String)
            case piper(program: String, model: PiperVoices.Model)
        }
        let engine: Engine
        let spoken: String
        let key: Hash128
    }

    /// Checks the inputs and makes the key, without loading espeak-ng (an espeak-ng voice's shape is checked here,
    /// its existence when a clip is synthesised).
    private func request(
        text: String, voice: SpeechVoice, wordsPerMinute: Int, pitch: Int, lexicon: Lexicon
    ) throws(SpeechError) -> Request {
        try Self.validate(text: text, wordsPerMinute: wordsPerMinute, pitch: pitch)
        let spoken = Self.spokenText(text, engine: voice.engine, lexicon: lexicon)
        switch voice.engine {
        case .espeak:
            _ = try VoiceCatalogue.checkShape(voice.name, allowMBROLA: allowMBROLA)
            let key = Self.key(text: spoken, voice: voice.name, wordsPerMinute: wordsPerMinute, pitch: pitch)
            return Request(engine: .espeak(name: voice.name), spoken: spoken, key: key)
        case .piper:
            guard let program = piper.program else {
                throw SpeechError(
                    kind: .engine, call: "piper", message: piper.problem ?? "Piper is not installed",
                    suggestion: "Install it with `make voices`, or speak with espeak-ng (`--voice espeak`).")
            }
            guard let model = piper.model(named: voice.name) else {
                throw SpeechError(
                    kind: .unknownVoice, call: "voice lookup",
                    message: "no Piper voice named \(VoiceNameError.quoted(voice.name)) is installed",
                    suggestion: Self.installedPiperVoices(piper))
            }
            let modelHash = try ModelHash.shared.hash(
                of: model.path, config: model.configPath, cacheDirectory: cacheDirectory)
            let key = Hash128(
                Self.versionTag, "piper", piper.version ?? "", modelHash, spoken,
                String(PiperEngine.lengthScale(forWordsPerMinute: wordsPerMinute)),
                String(PiperEngine.sentenceSilence), "noise_w 0")
            return Request(engine: .piper(program: program, model: model), spoken: spoken, key: key)
        }
    }

    /// "Installed Piper voices: …; …" for a message about a model that is not installed.
    public static func installedPiperVoices(_ piper: PiperVoices) -> String {
        let names = piper.models.map { "'\($0.name)'" }
        let listed =
            names.isEmpty
            ? "No Piper voice is installed (`make voices` installs one)"
            : "Installed Piper voices: " + names.joined(separator: ", ")
        return listed + "; a clinic adds one by copying its .onnx and .onnx.json files into "
            + (piper.folders.first ?? "respite/voices") + " (`respite voices` lists them)."
    }

    /// The cache key of an espeak-ng clip: its file's name, without `.wav`.
    static func key(text: String, voice: String, wordsPerMinute: Int, pitch: Int) -> Hash128 {
        Hash128(versionTag, text, voice, String(wordsPerMinute), String(pitch))
    }

    /// The most frames a clip may hold at the highest rate an engine produces (48 kHz, a Piper model's most).
    static let maximumFrames = 48_000 * maximumSeconds

    private static func validate(text: String, wordsPerMinute: Int, pitch: Int) throws(SpeechError) {
        if text.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
            throw SpeechError(
                kind: .invalidArgument, call: "SpeechSynthesizer.clip", message: "the text is empty",
                suggestion: "Give the narration some words to say.")
        }
        if text.unicodeScalars.contains("\u{0}") {
            throw SpeechError(
                kind: .invalidArgument, call: "SpeechSynthesizer.clip",
                message: "the text contains a NUL character (\\u0000), which would cut it short",
                suggestion: "Remove the \\u0000 from the narration.")
        }
        if text.unicodeScalars.count > maximumTextLength {
            throw SpeechError(
                kind: .tooLong, call: "SpeechSynthesizer.clip",
                message: "the text is \(text.unicodeScalars.count) characters long; one narration may have at most "
                    + "\(maximumTextLength) (about five minutes of speech)",
                suggestion: "Split it into several narration steps.")
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

    /// Puts the finished clip in `file` in place (``AtomicFile/commitUnlessPresent(keeping:)``: synced, then
    /// linked), unless another process has cached a clip there meanwhile: the first synthesis stays, so processes
    /// that synthesise the same sentence at once (a render and a play started together) all play the same file.
    /// Anything in the way that does not verify (a damaged clip, a link, a FIFO) is replaced.
    ///
    /// - Returns: the clip that was already cached, used instead of this one; `nil` when this one was put in place.
    static func install(_ file: AtomicFile) throws(SpeechError) -> SpeechClip? {
        var first: SpeechClip?
        do throws(OutputFileError) {
            let placed = try file.commitUnlessPresent { path in
                first = SpeechClipFile.verifiedClip(at: path, maximumFrames: maximumFrames)
                return first != nil
            }
            return placed ? nil : first
        } catch {
            throw cacheError(error)
        }
    }

    /// A clip that cannot be written to the cache, in the words of ``SpeechError``.
    static func cacheError(_ error: OutputFileError) -> SpeechError {
        SpeechError(
            kind: .cache, call: "AtomicFile", message: "cannot cache the clip '\(error.path)': \(error.message)",
            suggestion: "Check free space and permissions in the speech cache folder.")
    }
}

/// One voice an engine on this machine can speak with, as `respite voices` lists it.
public struct InstalledVoice: Sendable, Equatable {
    /// The voice as a session or `--voice` names it.
    public var voice: SpeechVoice
    /// Its language, as the engine gives it ("en_US", "en-us").
    public var language: String
    /// What else is known: the model's quality and rate, or espeak-ng's name for the voice.
    public var detail: String
    /// The model file, for a Piper voice.
    public var path: String?
}

extension SpeechSynthesizer {
    /// Every voice installed: ``neuralVoices()`` then ``espeakVoices()``.
    ///
    /// - Throws: ``SpeechError`` of kind `.engine` when espeak-ng cannot be loaded.
    public func installedVoices() throws(SpeechError) -> [InstalledVoice] {
        neuralVoices() + (try espeakVoices())
    }

    /// The Piper models in ``piper``, sorted by language.
    public func neuralVoices() -> [InstalledVoice] {
        piper.models.map { model in
            InstalledVoice(
                voice: .piper(model.name), language: model.language,
                detail: [model.quality, "\(model.sampleRate) Hz"].compactMap { $0 }.joined(separator: ", "),
                path: model.path)
        }.sorted { ($0.language, $0.voice.name) < ($1.language, $1.voice.name) }
    }

    /// espeak-ng's standard voices (MBROLA ones only when allowed), sorted by language.
    ///
    /// - Throws: ``SpeechError`` of kind `.engine` when espeak-ng cannot be loaded.
    public func espeakVoices() throws(SpeechError) -> [InstalledVoice] {
        let catalogue = try SpeechEngine.shared.voices()
        return catalogue.voices.filter { allowMBROLA || !$0.isMBROLA }.map { voice in
            InstalledVoice(
                voice: .espeak(voice.languages.first?.code ?? voice.fileName),
                language: voice.languages.first?.code ?? voice.fileName, detail: voice.name, path: nil)
        }.sorted { ($0.language, $0.detail) < ($1.language, $1.detail) }
    }
}

extension SpeechSynthesizer {
    /// The phonemes espeak-ng speaks for `text` after `lexicon`, in its ASCII notation (e.g. `l,Imf@d'i:m@`): how a
    /// therapist checks a lexicon entry. Nothing is cached.
    ///
    /// - Throws: ``SpeechError`` as ``clip(text:voice:wordsPerMinute:pitch:lexicon:)`` does for espeak-ng.
    public func espeakPhonemes(of text: String, voice: String, lexicon: Lexicon = .builtin) throws(SpeechError)
        -> String
    {
        let resolved = try SpeechEngine.shared.voices().resolve(voice, allowMBROLA: allowMBROLA)
        return try SpeechEngine.shared.phonemes(
            of: Self.spokenText(text, engine: .espeak, lexicon: lexicon), voice: resolved)
    }
}

extension SpeechSynthesizer {
    /// Checks that espeak-ng has the voice or language `name` (as ``clip(text:voice:wordsPerMinute:pitch:lexicon:)``
    /// would resolve it), without speaking.
    ///
    /// - Throws: ``SpeechError`` of kind `.unknownVoice` naming voices of the same language, or `.voiceNotAllowed`.
    public func checkEspeakVoice(_ name: String) throws(SpeechError) {
        _ = try SpeechEngine.shared.voices().resolve(name, allowMBROLA: allowMBROLA)
    }
}

extension SpeechSynthesizer {
    /// Ends the neural engine's processes (each holds its model, 300–400 MB), once every clip a command needs is
    /// made: a player does not keep them through a session. The next clip that needs one starts it again.
    public static func stopEngines() {
        PiperEngine.shared.closeAll()
    }
}

/// The clips being synthesised in this process, by cache path.
///
/// Thread safety: safe from any thread.
final class SpeechInFlight: @unchecked Sendable {
    static let shared = SpeechInFlight()
    private let condition = NSCondition()
    private var paths = Set<String>()

    /// Claims `path` and returns true; or, when another thread is making it, waits until it is done (made or
    /// failed) and returns false.
    func begin(_ path: String) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard paths.contains(path) else {
            paths.insert(path)
            return true
        }
        while paths.contains(path) { condition.wait() }
        return false
    }

    /// Releases `path` and wakes whoever waits for it.
    func end(_ path: String) {
        condition.lock()
        paths.remove(path)
        condition.broadcast()
        condition.unlock()
    }
}
