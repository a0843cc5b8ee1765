import CEspeak
import Foundation

/// The process-wide espeak-ng engine: loaded and initialised once, on first use, and used under one lock.
///
/// The library is opened with `dlopen` when a sentence that is not in the speech cache is first synthesised, not
/// linked: a session whose narration is recorded or cached never loads it, nor the twenty-odd libraries it depends
/// on.
///
/// espeak-ng keeps all its state in globals (voice, rate, pitch, the output callback), so there can be only one
/// and only one caller at a time. Every entry point takes `lock` for its whole duration, including the synthesis
/// callback, which espeak-ng calls synchronously on the caller's thread (`ENOUTPUT_MODE_SYNCHRONOUS`).
///
/// Thread safety: safe from any thread; calls are serialised.
/// Real-time safety: none; a sentence takes a few milliseconds of CPU and allocates its samples.
final class SpeechEngine: @unchecked Sendable {
    /// The engine's facts once started.
    struct Info: Sendable {
        /// Output rate in Hz (22050 for the standard voices).
        let sampleRate: Int
    }

    static let shared = SpeechEngine()

    /// Allowed speaking rates in words per minute (espeak-ng's espeakRATE_MINIMUM…espeakRATE_MAXIMUM).
    static let rateRange = Int(espeakRATE_MINIMUM)...Int(espeakRATE_MAXIMUM)
    /// Allowed base pitch, espeak-ng's 0…100 scale (50 is the voice's normal pitch).
    static let pitchRange = 0...100

    private let lock = NSLock()
    /// The outcome of the one initialisation; guarded by `lock`.
    private var started: Result<Info, SpeechError>?

    private init() {}

    /// The soname Respite loads: Debian's libespeak-ng1 package installs it.
    static let libraryName = "libespeak-ng.so.1"

    /// espeak-ng's calls, or why the library could not be loaded; loaded once, on first use.
    static let library: Result<respite_espeak_library, SpeechError> = load(libraryName)

    /// Opens `soname` and looks up every call Respite makes.
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

    /// Speaks `text` and returns espeak-ng's samples, mono 16-bit at ``Info/sampleRate``, untrimmed.
    ///
    /// - Parameters:
    ///   - text: UTF-8 text; espeak-ng's SSML is not enabled, so markup is read out.
    ///   - voice: an espeak-ng voice name, e.g. "en", "en-gb", "de", "en+f3".
    ///   - wordsPerMinute: ``rateRange``.
    ///   - pitch: ``pitchRange``.
    func synthesize(
        text: String, voice: String, wordsPerMinute: Int, pitch: Int
    ) throws(SpeechError) -> (samples: [Int16], info: Info) {
        lock.lock()
        defer { lock.unlock() }
        let espeak = try Self.library.get()
        let info = try startLocked(espeak)

        try setVoiceLocked(voice, espeak)
        // The voice is set first: loading a voice resets some parameters.
        try Self.check(
            espeak.SetParameter(espeakRATE, Int32(wordsPerMinute), 0), espeak, call: "espeak_ng_SetParameter(rate)")
        try Self.check(
            espeak.SetParameter(espeakPITCH, Int32(pitch), 0), espeak, call: "espeak_ng_SetParameter(pitch)")

        let collector = SampleCollector()
        SampleCollector.current = collector
        defer { SampleCollector.current = nil }
        let status = text.withCString { bytes in
            espeak.Synthesize(bytes, strlen(bytes) + 1, 0, POS_CHARACTER, 0, UInt32(espeakCHARS_UTF8), nil, nil)
        }
        try Self.check(status, espeak, call: "espeak_ng_Synthesize")
        try Self.check(espeak.Synchronize(), espeak, call: "espeak_ng_Synchronize")
        return (collector.samples, info)
    }

    /// Selects `voice`: a voice file or name ("en", "gmw/en-US", "de"), or a language code from
    /// `espeak-ng --voices` ("en-gb", "en-us"), either optionally followed by a variant ("+f3"). The caller holds
    /// `lock`.
    ///
    /// espeak-ng's own fallback (`espeak_ng_SetVoiceByProperties`) matches languages by prefix, so a typo such as
    /// "no-such-voice" would quietly speak Norwegian; here a language code must match a voice's language exactly.
    private func setVoiceLocked(_ voice: String, _ espeak: respite_espeak_library) throws(SpeechError) {
        let status = espeak.SetVoiceByName(voice)
        if status == ENS_OK { return }
        if status != ENS_VOICE_NOT_FOUND { try Self.check(status, espeak, call: "espeak_ng_SetVoiceByName") }
        let parts = voice.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false)
        let variant = parts.count > 1 ? "+" + parts[1] : ""
        guard let identifier = Self.voiceIdentifier(forLanguage: String(parts[0]), espeak) else {
            throw SpeechError(
                kind: .unknownVoice, call: "espeak_ng_SetVoiceByName",
                message: "espeak-ng has no voice or language named '\(voice)'",
                suggestion: "Run `espeak-ng --voices` to list the installed voices and use a name from it, e.g. 'en'.")
        }
        try Self.check(espeak.SetVoiceByName(identifier + variant), espeak, call: "espeak_ng_SetVoiceByName")
    }

    /// The voice file of the preferred (lowest priority number) voice listing `language` exactly, ignoring MBROLA
    /// voices, which need a separately installed synthesiser.
    private static func voiceIdentifier(forLanguage language: String, _ espeak: respite_espeak_library) -> String? {
        guard let list = espeak.ListVoices(nil) else { return nil }
        let wanted = language.lowercased()
        var best: (priority: UInt8, identifier: String)?
        var index = 0
        while let voice = list[index] {
            index += 1
            guard let identifierText = voice.pointee.identifier, var entry = voice.pointee.languages else { continue }
            let identifier = String(cString: identifierText)
            if identifier.hasPrefix("mb/") { continue }
            // A list of (priority byte, NUL-terminated language) pairs, ended by a zero priority.
            while case let priority = UInt8(bitPattern: entry.pointee), priority != 0 {
                let name = String(cString: entry + 1)
                if name.lowercased() == wanted, priority < best?.priority ?? .max {
                    best = (priority, identifier)
                }
                entry += 2 + strlen(entry + 1)
            }
        }
        return best?.identifier
    }

    /// Initialises espeak-ng once; the caller holds `lock`.
    private func startLocked(_ espeak: respite_espeak_library) throws(SpeechError) -> Info {
        if let started { return try started.get() }
        let outcome = Result<Info, SpeechError> { () throws(SpeechError) -> Info in
            espeak.InitializePath(nil)  // nil: the data directory espeak-ng was built with.
            var context: espeak_ng_ERROR_CONTEXT?
            let status = espeak.Initialize(&context)
            espeak.ClearErrorContext(&context)
            try Self.check(
                status, espeak, call: "espeak_ng_Initialize",
                suggestion: "Install espeak-ng's data (`apt install espeak-ng-data`) or set ESPEAK_DATA_PATH.")
            try Self.check(
                espeak.InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, 0, nil), espeak, call: "espeak_ng_InitializeOutput")
            espeak.SetSynthCallback(speechSynthCallback)
            return Info(sampleRate: Int(espeak.GetSampleRate()))
        }
        started = outcome
        return try outcome.get()
    }

    /// The NUL-terminated text a C call wrote into `buffer`, as UTF-8 (invalid bytes replaced).
    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The single place where an `espeak_ng_STATUS` becomes a ``SpeechError`` (STYLE.md #3).
    private static func check(
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

/// Gathers the samples of one synthesis; espeak-ng's callback finds it through ``current``.
///
/// The callback reaches the collector through a static rather than the `user_data` pointer because espeak-ng
/// passes `user_data` as null on some paths (MBROLA voices). Both `current` and the collector are touched only
/// while ``SpeechEngine``'s lock is held, on the synthesising thread.
private final class SampleCollector {
    nonisolated(unsafe) static var current: SampleCollector?
    var samples: [Int16] = []
}

/// espeak-ng's synthesis callback: returns 0 to continue, 1 to abort.
private func speechSynthCallback(
    _ wave: UnsafeMutablePointer<Int16>?, _ count: Int32, _ events: UnsafeMutablePointer<espeak_EVENT>?
) -> Int32 {
    guard let collector = SampleCollector.current else { return 1 }
    if let wave, count > 0 {
        collector.samples.append(contentsOf: UnsafeBufferPointer(start: wave, count: Int(count)))
    }
    return 0
}
