import CEspeak
import Foundation

/// The process-wide espeak-ng engine, started afresh for every clip and used under one lock.
///
/// The library is opened with `dlopen` when a sentence that is not in the speech cache is first synthesised, not
/// linked: a session whose narration is recorded or cached never loads it, nor the twenty-odd libraries it depends
/// on.
///
/// Why afresh: espeak-ng keeps its state in globals, and much of it survives from one utterance to the next and is
/// never reset by any call (the wave generator's phase, pitch-flutter index and sample counters, the echo buffer,
/// the previous clause's pitch and amplitude), while its breath and Klatt noise come from the C library's shared
/// `rand()`. So the same sentence came out a few samples different depending on what the process had said before
/// (after `respite list` every clip of a session differed from a fresh `respite render`). `espeak_ng_Terminate`
/// followed by `espeak_ng_Initialize` does not reset it either (and in 1.51 the second initialisation hangs on its
/// queue thread). What does is unloading the library: each clip loads espeak-ng, initialises it, speaks, terminates
/// it and closes it, so the next `dlopen` maps its data from the file again, as in a new process. Its dependencies
/// are pinned after the first load, so only espeak-ng itself is mapped again (about a millisecond). `rand()` is given
/// a private state seeded the same for every clip, and the process's own `rand()` state and `LC_CTYPE` (which
/// espeak-ng's initialisation sets) are put back afterwards.
///
/// Thread safety: safe from any thread; calls are serialised, including espeak-ng's synthesis callback, which it
/// calls synchronously on the caller's thread (`ENOUTPUT_MODE_SYNCHRONOUS`).
/// Real-time safety: none; a sentence takes a few milliseconds of CPU.
final class SpeechEngine: @unchecked Sendable {
    /// The engine's facts while started.
    struct Info: Sendable {
        /// Output rate in Hz (22050 for the standard voices, 16000 for most MBROLA ones).
        let sampleRate: Int
    }

    static let shared = SpeechEngine()

    /// Allowed speaking rates in words per minute (espeak-ng's espeakRATE_MINIMUM…espeakRATE_MAXIMUM).
    static let rateRange = Int(espeakRATE_MINIMUM)...Int(espeakRATE_MAXIMUM)
    /// Allowed base pitch, espeak-ng's 0…100 scale (50 is the voice's normal pitch).
    static let pitchRange = 0...100
    /// The soname Respite loads: Debian's libespeak-ng1 package installs it.
    static let libraryName = "libespeak-ng.so.1"
    /// The seed of `rand()` for every clip: any fixed value makes breath and Klatt noise repeatable.
    static let noiseSeed: UInt32 = 1

    private let lock = NSLock()
    /// espeak-ng's voices, listed once per process (in an instance of their own); guarded by `lock`.
    private var catalogue: Result<VoiceCatalogue, SpeechError>?
    /// Set when espeak-ng could not be unloaded: starting it again in place would hang or carry state over.
    private var broken: SpeechError?
    /// Whether espeak-ng's dependencies are pinned in memory.
    private var pinned = false
    /// The private `rand()` state espeak-ng draws its noise from (glibc's largest state, 256 bytes); lives as
    /// long as the process, as glibc keeps a pointer to it while it is the current state.
    private let noiseState = UnsafeMutablePointer<CChar>.allocate(capacity: 256)

    private init() {}

    /// Opens `soname` and looks up every call Respite makes. The caller closes it (``unload(_:soname:)``).
    /// - Returns: the calls, or a ``SpeechError`` of kind `.engine` with the loader's reason and what to install.
    static func load(_ soname: String) -> Result<respite_espeak_library, SpeechError> {
        var table = respite_espeak_library()
        var failure = [CChar](repeating: 0, count: 512)
        if respite_espeak_load(soname, &table, &failure, failure.count) == 0 { return .success(table) }
        return .failure(
            SpeechError(
                kind: .engine, call: "dlopen(\(soname))",
                message: "espeak-ng, which speaks narration that has no recording, could not be loaded: "
                    + text(failure),
                suggestion: "Install it (`apt install libespeak-ng1 espeak-ng-data`), or give every narration step "
                    + "a recorded `audio` file."))
    }

    /// Loads `soname` under the engine's lock and closes it again: whether espeak-ng is usable, for diagnostics.
    func probe(_ soname: String) -> Result<Void, SpeechError> {
        lock.lock()
        defer { lock.unlock() }
        switch Self.load(soname) {
        case .failure(let error): return .failure(error)
        case .success(var table):
            _ = respite_espeak_unload(&table, soname)
            return .success(())
        }
    }

    /// Runs `body` while no synthesis runs (under the engine's lock), e.g. to look at process state between clips.
    func exclusively<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// espeak-ng's voices and variants, listed on first use.
    func voices() throws(SpeechError) -> VoiceCatalogue {
        lock.lock()
        defer { lock.unlock() }
        return try voicesLocked()
    }

    /// The value of espeak-ng's `espeakRATE` that makes it speak `wordsPerMinute` (``rateRange``),
    /// words over the clip's length, pauses between phrases included, as a listener hears it.
    ///
    /// espeak-ng's rate is nominal ("approximate words per minute"): at 135 it spoke the bundled
    /// sessions at 150–151, 12–15 % fast. Measured over the 53 distinct clips of the bundled
    /// sessions (en-us, pitch 40, espeak-ng 1.51, trimmed as ``SpeechSynthesizer`` trims them), at
    /// `espeakRATE` 100…160 the words per minute are 1.1951 × rate − 9.08; inverted here, every bundled
    /// session comes within 2 % of its request (single clips vary ±25 % with their punctuation).
    /// A request slower than espeak-ng allows is held at its minimum (about 86 words a minute).
    static func espeakRate(forWordsPerMinute wordsPerMinute: Int) -> Int {
        let rate = Int(((Double(wordsPerMinute) + 9.08) / 1.1951).rounded())
        return min(max(rate, rateRange.lowerBound), rateRange.upperBound)
    }

    /// Speaks `text` with `voice` (a name ``VoiceCatalogue/resolve(_:allowMBROLA:)`` returned) and hands
    /// espeak-ng's samples, mono 16-bit, untrimmed, to the sink `makeSink` returns for the engine's rate, buffer by
    /// buffer as espeak-ng produces them, clause by clause: nothing holds the whole clip.
    ///
    /// - Parameters:
    ///   - text: UTF-8 text without NUL; espeak-ng's SSML is not enabled, so markup is read out; phonemes in
    ///     `[[ ]]` are spoken as phonemes (only ``Lexicon`` puts them there: a session's own brackets are spaced
    ///     apart first).
    ///   - voice: a resolved voice, e.g. "gmw/en-US+f3".
    ///   - wordsPerMinute: ``rateRange``.
    ///   - pitch: ``pitchRange``.
    ///   - makeSink: given the sample rate, the sink that receives the samples.
    /// - Throws: ``SpeechError`` of kind `.engine` when espeak-ng fails, or whatever the sink reported when it
    ///   stopped the synthesis.
    func synthesize(
        text: String, voice: String, wordsPerMinute: Int, pitch: Int,
        makeSink: (Int) throws(SpeechError) -> any SpeechSampleSink
    ) throws(SpeechError) {
        lock.lock()
        defer { lock.unlock() }
        try withFreshEngine { (espeak, info) throws(SpeechError) in
            try Self.check(espeak.SetVoiceByName(voice), espeak, call: "espeak_ng_SetVoiceByName(\(voice))")
            // The voice is set first: loading a voice resets some parameters.
            try Self.check(
                espeak.SetParameter(espeakRATE, Int32(Self.espeakRate(forWordsPerMinute: wordsPerMinute)), 0),
                espeak, call: "espeak_ng_SetParameter(rate)")
            try Self.check(
                espeak.SetParameter(espeakPITCH, Int32(pitch), 0), espeak, call: "espeak_ng_SetParameter(pitch)")

            let collector = SampleCollector(sink: try makeSink(info.sampleRate))
            SampleCollector.current = collector
            defer { SampleCollector.current = nil }
            let status = text.withCString { bytes in
                espeak.Synthesize(
                    bytes, strlen(bytes) + 1, 0, POS_CHARACTER, 0, UInt32(espeakCHARS_UTF8) | UInt32(espeakPHONEMES),
                    nil, nil)
            }
            // A sink that stopped the synthesis says why; espeak-ng then only reports the interruption.
            if let stop = collector.stop { throw stop }
            try Self.check(status, espeak, call: "espeak_ng_Synthesize")
            try Self.check(espeak.Synchronize(), espeak, call: "espeak_ng_Synchronize")
            if let stop = collector.stop { throw stop }
        }
    }

    /// The phonemes espeak-ng speaks for `text` with `voice` (resolved), in its ASCII notation, as its phoneme trace
    /// writes them while synthesising (so `[[ ]]` input is seen as spoken); the audio is discarded. For tests and
    /// for checking a lexicon entry.
    func phonemes(of text: String, voice: String) throws(SpeechError) -> String {
        lock.lock()
        defer { lock.unlock() }
        return try withFreshEngine { (espeak, _) throws(SpeechError) in
            try Self.check(espeak.SetVoiceByName(voice), espeak, call: "espeak_ng_SetVoiceByName(\(voice))")
            var buffer: UnsafeMutablePointer<CChar>?
            var size = 0
            guard let stream = open_memstream(&buffer, &size) else {
                throw SpeechError(
                    kind: .engine, call: "open_memstream", message: String(cString: strerror(errno)),
                    suggestion: "Try again.")
            }
            espeak.SetPhonemeTrace(Int32(espeakPHONEMES_SHOW), stream)
            let collector = SampleCollector(sink: DiscardingSink())
            SampleCollector.current = collector
            let status = text.withCString { bytes in
                espeak.Synthesize(
                    bytes, strlen(bytes) + 1, 0, POS_CHARACTER, 0, UInt32(espeakCHARS_UTF8) | UInt32(espeakPHONEMES),
                    nil, nil)
            }
            _ = espeak.Synchronize()
            SampleCollector.current = nil
            espeak.SetPhonemeTrace(0, nil)
            fclose(stream)
            defer { free(buffer) }
            try Self.check(status, espeak, call: "espeak_ng_Synthesize")
            guard let buffer else { return "" }
            return String(cString: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    // MARK: - Under the lock

    private func voicesLocked() throws(SpeechError) -> VoiceCatalogue {
        if let catalogue { return try catalogue.get() }
        let outcome = Result<VoiceCatalogue, SpeechError> { () throws(SpeechError) -> VoiceCatalogue in
            try withFreshEngine { (espeak, _) throws(SpeechError) in VoiceCatalogue.list(espeak) }
        }
        catalogue = outcome
        return try outcome.get()
    }

    /// Loads and initialises espeak-ng, runs `body`, then terminates and unloads it; the caller holds `lock`.
    private func withFreshEngine<T>(
        _ body: (respite_espeak_library, Info) throws(SpeechError) -> T
    ) throws(SpeechError) -> T {
        if let broken { throw broken }
        var espeak = try Self.load(Self.libraryName).get()
        if !pinned {
            respite_espeak_pin_dependencies(espeak.handle)
            pinned = true
        }
        // espeak-ng sets LC_CTYPE to C.UTF-8 for its character classes; the process keeps its own.
        let locale = setlocale(LC_CTYPE, nil).map { String(cString: $0) }
        let previousNoise = initstate(Self.noiseSeed, noiseState, 256)
        var initialised = false
        defer {
            // Terminate only after a successful initialisation: 1.51's Terminate waits for a queue thread that a
            // failed initialisation never started.
            if initialised { _ = espeak.Terminate() }
            if respite_espeak_unload(&espeak, Self.libraryName) == 0 {
                broken = SpeechError(
                    kind: .engine, call: "dlclose(\(Self.libraryName))",
                    message: "espeak-ng stays loaded in this process (something else holds it), so it cannot start "
                        + "afresh for the next clip and would not speak the same text the same way",
                    suggestion: "Run Respite without preloading espeak-ng (LD_PRELOAD), or use recorded narration.")
            }
            if let previousNoise { setstate(previousNoise) }
            if let locale { setlocale(LC_CTYPE, locale) }
        }
        espeak.InitializePath(nil)  // nil: ESPEAK_DATA_PATH, ~/espeak-ng-data, else the directory it was built with
        var context: espeak_ng_ERROR_CONTEXT?
        let status = espeak.Initialize(&context)
        espeak.ClearErrorContext(&context)
        try Self.check(
            status, espeak, call: "espeak_ng_Initialize",
            suggestion: "Install espeak-ng's data (`apt install espeak-ng-data`) or set ESPEAK_DATA_PATH.")
        initialised = true
        try Self.check(
            espeak.InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, 0, nil), espeak, call: "espeak_ng_InitializeOutput")
        espeak.SetSynthCallback(speechSynthCallback)
        return try body(espeak, Info(sampleRate: Int(espeak.GetSampleRate())))
    }

    /// The NUL-terminated text a C call wrote into `buffer`, as UTF-8 (invalid bytes replaced).
    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The single place where an `espeak_ng_STATUS` becomes a ``SpeechError`` (STYLE.md #3).
    static func check(
        _ status: espeak_ng_STATUS, _ espeak: respite_espeak_library, call: String,
        suggestion: String = "Check the text, voice, rate and pitch; run `espeak-ng` by hand to see if it works."
    ) throws(SpeechError) {
        guard status != ENS_OK else { return }
        var buffer = [CChar](repeating: 0, count: 512)
        espeak.GetStatusCodeMessage(status, &buffer, buffer.count)
        let message = text(buffer)
        throw SpeechError(kind: .engine, call: call, message: message, suggestion: suggestion)
    }
}

/// Receives synthesised samples as espeak-ng produces them.
protocol SpeechSampleSink: AnyObject {
    /// Takes the next samples (mono 16-bit); throws to stop the synthesis, e.g. when the clip grows too long.
    func append(_ samples: UnsafeBufferPointer<Int16>) throws(SpeechError)
}

/// A sink that keeps nothing (``SpeechEngine/phonemes(of:voice:)``).
private final class DiscardingSink: SpeechSampleSink {
    func append(_ samples: UnsafeBufferPointer<Int16>) throws(SpeechError) {}
}

/// Passes one synthesis's samples to its sink; espeak-ng's callback finds it through ``current``.
///
/// The callback reaches the collector through a static rather than the `user_data` pointer because espeak-ng
/// passes `user_data` as null on some paths (MBROLA voices). Both `current` and the collector are touched only
/// while ``SpeechEngine``'s lock is held, on the synthesising thread.
private final class SampleCollector {
    nonisolated(unsafe) static var current: SampleCollector?
    let sink: any SpeechSampleSink
    /// Why the sink stopped the synthesis, if it did.
    var stop: SpeechError?

    init(sink: any SpeechSampleSink) { self.sink = sink }
}

/// espeak-ng's synthesis callback: returns 0 to continue, 1 to abort.
private func speechSynthCallback(
    _ wave: UnsafeMutablePointer<Int16>?, _ count: Int32, _ events: UnsafeMutablePointer<espeak_EVENT>?
) -> Int32 {
    guard let collector = SampleCollector.current, collector.stop == nil else { return 1 }
    guard let wave, count > 0 else { return 0 }
    do {
        try collector.sink.append(UnsafeBufferPointer(start: wave, count: Int(count)))
        return 0
    } catch {
        collector.stop = error
        return 1
    }
}
