import CSndFile
import FileAccess
import Foundation
import Logging

/// The neural speech engine: Piper voices, spoken by long-lived `piper` processes (``PiperProcess``), one per model
/// and setting, kept until ``closeAll()`` (a command ends them once its clips are made: each holds its model).
///
/// Why a separate process and not onnxruntime in Respite's: the model takes 310–380 MB resident against the
/// player's 30 MiB, and Piper is GPL; a process of its own keeps both apart, and a crash there costs one clip, not a
/// session (the clip is reported, and the next starts a new process). Why Piper's command line and not a worker of
/// our own: it already keeps the model loaded and answers line by line.
///
/// Settings: noise (the voice's timbre) as the model says, but no noise on phoneme durations (`noise_w` 0), so a
/// sentence always lasts exactly as long (the timeline does not change when the cache is cleared) while the voice
/// keeps its natural variation; the first clip made is cached and replayed (``SpeechSynthesizer``). Sentences are
/// joined by ``sentenceSilence``, and the speaking rate is set by the length scale
/// (``lengthScale(forWordsPerMinute:)``). Piper's per-sentence peak normalisation is off: Respite measures and
/// sets each clip's loudness itself, and normalising sentence by sentence would make them uneven.
///
/// Thread safety: safe from any thread; one synthesis at a time, process-wide (each process is busy with one line
/// at a time anyway, and two processes would compete for the same two cores).
/// Real-time safety: none.
final class PiperEngine: @unchecked Sendable {
    static let shared = PiperEngine()

    /// Silence between sentences, seconds, added to the model's own (about 0.2 s).
    static let sentenceSilence = 0.6
    /// The most processes kept at once; the least recently used is closed beyond it.
    static let maximumProcesses = 2

    // The speaking rate. Measured over the 47 distinct clips of the bundled sessions (en_US-joe-medium, noise_w 0,
    // sentence silence 0.6 s, clips trimmed as SpeechSynthesizer trims them): a session's seconds per word are
    // linear in the length scale, 0.239–0.256 × scale + 0.044–0.058 (its pauses), so one fit serves them all within
    // 2 % of the rate asked for.
    /// Seconds of speech per word at length scale 1.
    static let secondsPerWordAtScaleOne = 0.248
    /// Seconds of pauses (after commas and sentences) per word.
    static let pauseSecondsPerWord = 0.053
    /// The length scales allowed: beyond them a voice drawls or gabbles.
    static let lengthScaleRange = 0.5...3.0

    /// Piper's `length_scale` that makes a voice speak `wordsPerMinute`, words over the clip's length as a
    /// listener hears it (pauses included), rounded to 1/1000.
    static func lengthScale(forWordsPerMinute wordsPerMinute: Int) -> Double {
        let perWord = 60 / Double(max(1, wordsPerMinute))
        let scale = (perWord - pauseSecondsPerWord) / secondsPerWordAtScaleOne
        let clamped = min(max(scale, lengthScaleRange.lowerBound), lengthScaleRange.upperBound)
        return (clamped * 1_000).rounded() / 1_000
    }

    private struct Key: Hashable {
        let program: String
        let model: String
        let lengthScale: Double
    }

    private let lock = NSLock()
    /// Running processes, least recently used first; guarded by `lock`.
    private var processes: [(key: Key, process: PiperProcess)] = []

    private init() {}

    /// Speaks `text` with `model` at `wordsPerMinute` and hands the samples (mono 16-bit, at the model's rate,
    /// untrimmed) to the sink `makeSink` returns.
    ///
    /// - Parameters:
    ///   - text: the text as the engine should read it (the lexicon applied); line breaks are read as spaces.
    ///   - program: the `piper` program (``PiperVoices/program``).
    ///   - model: the voice.
    ///   - wordsPerMinute: the speaking rate, 80…450.
    ///   - makeSink: given the sample rate, the sink for the samples.
    /// - Throws: ``SpeechError``: `.silentText` when the text has nothing to read, `.engine` when Piper cannot be
    ///   started, ends or fails, or whatever the sink throws.
    func synthesize(
        text: String, program: String, model: PiperVoices.Model, wordsPerMinute: Int,
        makeSink: (Int) throws(SpeechError) -> any SpeechSampleSink
    ) throws(SpeechError) {
        let line = Self.oneLine(text)
        guard line.unicodeScalars.contains(where: { Lexicon.isWordScalar($0) }) else {
            throw SpeechError(
                kind: .silentText, call: "piper", message: "the text has no words for Piper to say",
                suggestion: "Give the narration words to say; punctuation and symbols alone are not read out.")
        }
        let key = Key(
            program: program, model: model.path, lengthScale: Self.lengthScale(forWordsPerMinute: wordsPerMinute))
        // Generous: a busy two-core machine speaks at a tenth of real time, and loading a model takes up to 2 s.
        let seconds = SpeechSynthesizer.estimatedSeconds(text: text, wordsPerMinute: wordsPerMinute)
        let timeout = Duration.seconds(60) + .seconds(seconds)

        lock.lock()
        defer { lock.unlock() }
        var sink: (any SpeechSampleSink)?
        for (index, part) in Self.sentences(line).enumerated() {
            let path = try speak(part, key: key, timeout: timeout)
            defer { unlink(path) }
            try Self.feed(path, silenceBefore: index == 0 ? 0 : Self.sentenceSilence, into: &sink, makeSink: makeSink)
        }
    }

    /// Speaks one line with the process for `key`: the path of its WAV file.
    private func speak(_ line: String, key: Key, timeout: Duration) throws(SpeechError) -> String {
        var process = try running(key)
        do throws(SpeechError) {
            return try process.speak(line, timeout: timeout)
        } catch {
            drop(key)
            // A process found dead before it took the line (it ended while idle) gets one new start; one that
            // ended on this line would end again.
            guard process.ended?.hasPrefix("the Piper process stopped reading") == true else { throw error }
            process = try running(key)
            return try process.speak(line, timeout: timeout)
        }
    }

    /// `line` cut after every phoneme block that ends a sentence (`….]]`, `…!]]`, `…?]]`, as ``Lexicon`` writes a
    /// sentence's last word): Piper joins the text after a phoneme block to its sentence, so such a sentence would
    /// lose the pause after it. Each part is spoken on its own and the parts joined by ``sentenceSilence``, as
    /// Piper joins sentences itself. A line without such a block is one part.
    static func sentences(_ line: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var scalars = line.unicodeScalars.makeIterator()
        var previous: [Unicode.Scalar] = []
        while let scalar = scalars.next() {
            current.unicodeScalars.append(scalar)
            previous.append(scalar)
            if previous.count > 3 { previous.removeFirst() }
            if previous.count == 3, previous[1] == "]", previous[2] == "]", [".", "!", "?"].contains(previous[0]) {
                parts.append(current)
                current = ""
                previous = []
            }
        }
        parts.append(current)
        let spoken = parts.map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            $0.unicodeScalars.contains { Lexicon.isWordScalar($0) }
        }
        return spoken.isEmpty ? [line] : spoken
    }

    /// Closes every process (each exits once its input closes).
    func closeAll() {
        lock.lock()
        defer { lock.unlock() }
        for entry in processes { entry.process.close() }
        processes = []
    }

    // MARK: - Under the lock

    private func running(_ key: Key) throws(SpeechError) -> PiperProcess {
        if let index = processes.firstIndex(where: { $0.key == key }) {
            let entry = processes.remove(at: index)
            if entry.process.ended == nil {
                processes.append(entry)
                return entry.process
            }
        }
        while processes.count >= Self.maximumProcesses { processes.removeFirst().process.close() }
        let started = ContinuousClock.now
        let process = try PiperProcess(program: key.program) { folder in
            [
                "--model", key.model, "--config", key.model + ".json", "--output-dir", folder,
                "--length-scale", String(key.lengthScale), "--noise-w-scale", "0",
                "--sentence-silence", String(Self.sentenceSilence), "--no-normalize",
            ]
        }
        Logger.audio.info(
            "started Piper (pid \(process.pid)) for \(key.model) at length scale \(key.lengthScale) in \(ContinuousClock.now - started)"
        )
        processes.append((key, process))
        return process
    }

    private func drop(_ key: Key) {
        processes.removeAll { entry in
            guard entry.key == key else { return false }
            entry.process.close(grace: .zero)
            return true
        }
    }

    // MARK: - Helpers

    /// `text` on one line: every line break, tab and other control character becomes a space (Piper reads one
    /// text per line, and Python also splits lines at `\r` and a few separators).
    static func oneLine(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .lineSeparator, .paragraphSeparator: scalars.append(" ")
            default: scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// Reads Piper's WAV file at `path` (mono 16-bit) into `sink`, in blocks, after `silenceBefore` seconds of
    /// silence; makes the sink (`makeSink`, at the file's rate) when there is none yet.
    static func feed(
        _ path: String, silenceBefore: Double, into sink: inout (any SpeechSampleSink)?,
        makeSink: (Int) throws(SpeechError) -> any SpeechSampleSink
    ) throws(SpeechError) {
        var info = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &info) else {
            throw PiperProcess.failure("sf_open(\(path))", "cannot read Piper's output: \(SndFile.lastErrorText(nil))")
        }
        defer { sf_close(handle) }
        guard info.channels == 1, (8_000...48_000).contains(Int(info.samplerate)) else {
            throw PiperProcess.failure(
                "sf_open(\(path))", "Piper wrote \(info.channels) channels at \(info.samplerate) Hz; expected mono")
        }
        let target: any SpeechSampleSink
        if let sink {
            target = sink
        } else {
            target = try makeSink(Int(info.samplerate))
            sink = target
        }
        var block = [Int16](repeating: 0, count: 8_192)
        var silence = Int((silenceBefore * Double(info.samplerate)).rounded())
        while silence > 0 {
            let count = min(silence, block.count)
            try block.withUnsafeBufferPointer { (buffer) throws(SpeechError) in
                try target.append(UnsafeBufferPointer(rebasing: buffer[..<count]))
            }
            silence -= count
        }
        while true {
            let count = block.withUnsafeMutableBufferPointer {
                sf_readf_short(handle, $0.baseAddress, sf_count_t($0.count))
            }
            guard count > 0 else { break }
            try block.withUnsafeBufferPointer { (buffer) throws(SpeechError) in
                try target.append(UnsafeBufferPointer(rebasing: buffer[..<Int(count)]))
            }
        }
    }
}
