import Foundation
import Testing

@testable import AudioIO

@Suite("SpeechSynthesizer")
struct SpeechSynthesizerTests {
    @Test("speaks a sentence into a cached WAV that sounds like speech")
    func speaks() throws {
        let directory = try TemporaryDirectory()
        let synthesizer = try SpeechSynthesizer(cacheDirectory: directory.file("speech"), piper: .none)
        let clip = try synthesizer.clip(text: "Breathe in slowly.", voice: "en", wordsPerMinute: 150, pitch: 50)
        #expect(clip.synthesised)
        #expect(clip.sampleRate == 22_050)
        #expect(clip.path.hasPrefix(directory.file("speech/")) && clip.path.hasSuffix(".wav"))

        let reader = try AudioFileReader(path: clip.path)
        #expect(reader.channels == 1 && reader.sampleRate == 22_050)
        #expect(reader.formatName.contains("16 bit"), "\(reader.formatName)")
        #expect(reader.frames == clip.frames)
        let samples = try reader.readAll()
        #expect(Double(samples.count) / 22_050 >= 0.5, "\(samples.count) frames")
        #expect(Signal.decibels(Signal.rms(samples)) > -30, "rms \(Signal.rms(samples))")

        // Syllables: the 20 ms energy envelope swings by over 12 dB between vowels and consonants (a steady tone or
        // noise would stay within a dB or two). Measured: about 17 dB for this sentence.
        let block = 441
        let envelope = stride(from: 0, to: samples.count - block, by: block).map {
            Signal.decibels(max(1e-6, Signal.rms(samples[$0..<($0 + block)])))
        }
        let loud = envelope.max() ?? 0
        let quiet = envelope.min() ?? 0
        #expect(loud - quiet > 12, "envelope spans \(quiet)…\(loud) dB")

        // Trimmed: sound starts within a few ms, and ends within the trailing margin.
        let firstSound = samples.firstIndex { abs($0) > 0.001 } ?? samples.count
        let lastSound = samples.lastIndex { abs($0) > 0.001 } ?? 0
        #expect(firstSound <= Int(0.006 * 22_050), "first sound at frame \(firstSound)")
        #expect(
            samples.count - 1 - lastSound <= Int(0.031 * 22_050), "last sound \(samples.count - lastSound) from end")

        // Nothing but the clip is left behind: the temporary file was renamed.
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.file("speech"))
        #expect(files == [URL(fileURLWithPath: clip.path).lastPathComponent])
    }

    @Test("the cache answers repeat requests; other inputs get other files")
    func caches() throws {
        let directory = try TemporaryDirectory()
        let synthesizer = try SpeechSynthesizer(cacheDirectory: directory.path, piper: .none)
        let first = try synthesizer.clip(text: "Let your shoulders drop.", voice: "en", wordsPerMinute: 140, pitch: 45)
        let again = try synthesizer.clip(text: "Let your shoulders drop.", voice: "en", wordsPerMinute: 140, pitch: 45)
        #expect(first.synthesised)
        #expect(!again.synthesised)
        #expect(again.path == first.path && again.frames == first.frames && again.sampleRate == first.sampleRate)

        // A second synthesiser on the same directory (another process, say) also finds it.
        let other = try SpeechSynthesizer(cacheDirectory: directory.path, piper: .none)
        #expect(
            try !other.clip(text: "Let your shoulders drop.", voice: "en", wordsPerMinute: 140, pitch: 45).synthesised)

        let faster = try synthesizer.clip(text: "Let your shoulders drop.", voice: "en", wordsPerMinute: 200, pitch: 45)
        #expect(faster.synthesised && faster.path != first.path)
        #expect(faster.frames < first.frames, "200 wpm (\(faster.frames)) should be shorter than 140 (\(first.frames))")
        let higher = try synthesizer.clip(text: "Let your shoulders drop.", voice: "en", wordsPerMinute: 140, pitch: 70)
        #expect(higher.path != first.path)
        let british = try synthesizer.clip(
            text: "Let your shoulders drop.", voice: "en-gb", wordsPerMinute: 140, pitch: 45)
        #expect(british.path != first.path)
    }

    @Test("a damaged cache file is synthesised again")
    func repairsCache() throws {
        let directory = try TemporaryDirectory()
        let synthesizer = try SpeechSynthesizer(cacheDirectory: directory.path, piper: .none)
        let clip = try synthesizer.clip(text: "Rest.", voice: "en", wordsPerMinute: 150, pitch: 50)
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: clip.path))
        let again = try synthesizer.clip(text: "Rest.", voice: "en", wordsPerMinute: 150, pitch: 50)
        #expect(again.synthesised && again.path == clip.path)
        // espeak-ng starts afresh for every clip, so the re-synthesis is the same clip, sample for sample.
        #expect(again.frames == clip.frames, "\(again.frames) vs \(clip.frames)")
        #expect(try AudioFileReader(path: again.path).frames == again.frames)
    }

    @Test("when two processes synthesise the same sentence at once, both use the clip cached first")
    func firstSynthesisWins() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("clip.wav")
        let first = try SpeechTestClips.pending([Int16](repeating: 1_000, count: 2_205), at: path)
        let second = try SpeechTestClips.pending([Int16](repeating: -2_000, count: 3_000), at: path)
        #expect(try SpeechSynthesizer.install(first) == nil)
        // The later writer is told what is there, and the file keeps the first samples.
        let winner = try SpeechSynthesizer.install(second)
        #expect(winner?.frames == 2_205 && winner?.sampleRate == 22_050)
        let samples = try AudioFileReader(path: path).readAll()
        #expect(samples.count == 2_205 && samples.allSatisfy { abs($0 - 1_000 / 32_768) < 1e-6 })
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["clip.wav"])

        // A damaged file in the way is replaced.
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: path))
        let third = try SpeechTestClips.pending([Int16](repeating: -2_000, count: 3_000), at: path)
        #expect(try SpeechSynthesizer.install(third) == nil)
        #expect(try AudioFileReader(path: path).frames == 3_000)
    }

    @Test("an unknown voice is an error naming it and pointing at respite voices")
    func unknownVoice() throws {
        let directory = try TemporaryDirectory()
        let synthesizer = try SpeechSynthesizer(cacheDirectory: directory.path, piper: .none)
        #expect {
            _ = try synthesizer.clip(text: "Hello.", voice: "no-such-voice", wordsPerMinute: 150, pitch: 50)
        } throws: { error in
            guard let error = error as? SpeechError else { return false }
            return error.kind == .unknownVoice && error.description.contains("no-such-voice")
                && error.description.contains("respite voices")
        }
        // The engine is still usable afterwards.
        #expect(try synthesizer.clip(text: "Hello.", voice: "en", wordsPerMinute: 150, pitch: 50).frames > 0)
    }

    @Test("voice names, voice files, language codes and variants are accepted")
    func voices() throws {
        let directory = try TemporaryDirectory()
        let synthesizer = try SpeechSynthesizer(cacheDirectory: directory.path, piper: .none)
        var paths = Set<String>()
        for voice in ["en", "en-gb", "en-US", "en+f3", "en-gb+f3", "gmw/en-US", "de"] {
            let clip = try synthesizer.clip(text: "Rest now.", voice: voice, wordsPerMinute: 150, pitch: 50)
            #expect(clip.frames > 5000, "\(voice)")
            paths.insert(clip.path)
        }
        #expect(paths.count == 7)
    }

    @Test("out-of-range parameters and empty text are errors")
    func invalidArguments() throws {
        let directory = try TemporaryDirectory()
        let synthesizer = try SpeechSynthesizer(cacheDirectory: directory.path, piper: .none)
        for (text, rate, pitch) in [("Hello.", 10, 50), ("Hello.", 150, 101), ("  ", 150, 50)] {
            #expect {
                _ = try synthesizer.clip(text: text, voice: "en", wordsPerMinute: rate, pitch: pitch)
            } throws: { error in
                (error as? SpeechError)?.kind == .invalidArgument
            }
        }
    }

    @Test("clips from several threads at once are all complete")
    func concurrent() async throws {
        let directory = try TemporaryDirectory()
        let synthesizer = try SpeechSynthesizer(cacheDirectory: directory.path, piper: .none)
        let frames = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<4 {
                group.addTask {
                    try synthesizer.clip(text: "Number \(index).", voice: "en", wordsPerMinute: 150, pitch: 50).frames
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(frames.count == 4 && frames.allSatisfy { $0 > 11_025 })
    }

    @Test("the default cache directory follows XDG")
    func defaultDirectory() {
        let path = SpeechSynthesizer.defaultCacheDirectory()
        #expect(path.hasSuffix("respite/speech") || path.hasSuffix("respite-speech"))
        if let xdg = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            #expect(path == xdg + "/respite/speech")
        }
    }

    @Test("espeak-ng that cannot be loaded is an error saying what to install")
    func missingLibrary() throws {
        guard case .failure(let error) = SpeechEngine.load("libespeak-ng-absent.so.9") else {
            Issue.record("a library that does not exist loaded")
            return
        }
        #expect(error.kind == .engine)
        #expect(error.call == "dlopen(libespeak-ng-absent.so.9)")
        #expect(error.message.contains("libespeak-ng-absent.so.9"), "\(error.message)")
        #expect(error.suggestion.contains("apt install libespeak-ng1"), "\(error.suggestion)")

        // A library that is not espeak-ng: the first missing call is named, and nothing is half-loaded.
        guard case .failure(let wrong) = SpeechEngine.load("libc.so.6") else {
            Issue.record("libc passed for espeak-ng")
            return
        }
        #expect(wrong.message.contains("espeak_Info"), "\(wrong.message)")
        // Loaded and closed again under the engine's lock, so a synthesis running meanwhile still unloads it.
        #expect(throws: Never.self) { try SpeechEngine.shared.probe(SpeechEngine.libraryName).get() }
    }
}
