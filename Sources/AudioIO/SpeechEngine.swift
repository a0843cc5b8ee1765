import CEspeak
import Foundation

/// The process-wide espeak-ng engine: initialised once, on first use, and used under one lock.
///
/// espeak-ng keeps all its state in globals (voice, rate, pitch, the output callback), so there can be only one
/// and only one caller at a time. Every entry point takes `lock` for its whole duration, including the synthesis
/// callback, which espeak-ng calls synchronously on the caller's thread (`ENOUTPUT_MODE_SYNCHRONOUS`).
///
/// Thread safety: safe from any thread; calls are serialised.
/// Real-time safety: none; synthesis takes tens to hundreds of milliseconds.
final class SpeechEngine: @unchecked Sendable {
    /// The engine's facts once started.
    struct Info: Sendable {
        /// Output rate in Hz (22050 for the standard voices).
        let sampleRate: Int
        /// espeak-ng's version string, e.g. "1.51"; part of the cache key.
        let version: String
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

    /// espeak-ng's version string; safe before initialisation.
    static var version: String {
        guard let text = espeak_Info(nil) else { return "unknown" }
        return String(cString: text)
    }

    /// Starts espeak-ng if needed and returns its facts.
    func info() throws(SpeechError) -> Info {
        lock.lock()
        defer { lock.unlock() }
        return try startLocked()
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
        if ProcessInfo.processInfo.environment["DBG_REINIT"] != nil, started != nil {
            _ = espeak_ng_Terminate()
            started = nil
        }
        let info = try startLocked()

        let voiceStatus = espeak_ng_SetVoiceByName(voice)
        if voiceStatus == ENS_VOICE_NOT_FOUND {
            throw SpeechError(
                kind: .unknownVoice, call: "espeak_ng_SetVoiceByName",
                message: "espeak-ng has no voice named '\(voice)'",
                suggestion: "Run `espeak-ng --voices` to list the installed voices and use a name from it, e.g. 'en'.")
        }
        try Self.check(voiceStatus, call: "espeak_ng_SetVoiceByName")
        // The voice is set first: loading a voice resets some parameters.
        try Self.check(
            espeak_ng_SetParameter(espeakRATE, Int32(wordsPerMinute), 0), call: "espeak_ng_SetParameter(rate)")
        try Self.check(espeak_ng_SetParameter(espeakPITCH, Int32(pitch), 0), call: "espeak_ng_SetParameter(pitch)")

        let collector = SampleCollector()
        SampleCollector.current = collector
        defer { SampleCollector.current = nil }
        let status = text.withCString { bytes in
            espeak_ng_Synthesize(
                bytes, strlen(bytes) + 1, 0, POS_CHARACTER, 0, UInt32(espeakCHARS_UTF8), nil, nil)
        }
        try Self.check(status, call: "espeak_ng_Synthesize")
        try Self.check(espeak_ng_Synchronize(), call: "espeak_ng_Synchronize")
        return (collector.samples, info)
    }

    /// Initialises espeak-ng once; the caller holds `lock`.
    private func startLocked() throws(SpeechError) -> Info {
        if let started { return try started.get() }
        let outcome = Result<Info, SpeechError> { () throws(SpeechError) -> Info in
            espeak_ng_InitializePath(nil)  // nil: the data directory espeak-ng was built with.
            var context: espeak_ng_ERROR_CONTEXT?
            let status = espeak_ng_Initialize(&context)
            espeak_ng_ClearErrorContext(&context)
            try Self.check(
                status, call: "espeak_ng_Initialize",
                suggestion: "Install espeak-ng's data (`apt install espeak-ng-data`) or set ESPEAK_DATA_PATH.")
            try Self.check(
                espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, 0, nil), call: "espeak_ng_InitializeOutput")
            espeak_SetSynthCallback(speechSynthCallback)
            return Info(sampleRate: Int(espeak_ng_GetSampleRate()), version: Self.version)
        }
        started = outcome
        return try outcome.get()
    }

    /// The single place where an `espeak_ng_STATUS` becomes a ``SpeechError`` (STYLE.md #3).
    private static func check(
        _ status: espeak_ng_STATUS, call: String,
        suggestion: String = "Check the text, voice, rate and pitch; run `espeak-ng` by hand to see if it works."
    ) throws(SpeechError) {
        guard status != ENS_OK else { return }
        var buffer = [CChar](repeating: 0, count: 512)
        espeak_ng_GetStatusCodeMessage(status, &buffer, buffer.count)
        let message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
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
