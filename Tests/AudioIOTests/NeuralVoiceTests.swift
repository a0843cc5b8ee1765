import FileAccess
import Foundation
import NeuralVoiceSupport
import Testing

@testable import AudioIO

/// The neural voice itself, as `make voices` installs it: speech, the cache, and the model in the key.
@Suite(.serialized, .enabled(if: NeuralVoice.enabled, "the neural voice is not installed (`make voices`)"))
struct NeuralVoiceTests {
    static let text = "Let your shoulders soften. Breathe in slowly, and let the breath go, all at once."

    @Test func speaksAudibleSpeechAtTheModelsRate() throws {
        #expect(NeuralVoice.installed.isAvailable, "\(NeuralVoice.installed.problem ?? "")")
        let directory = try TemporaryDirectory()
        let synthesizer = try SpeechSynthesizer(cacheDirectory: directory.file("speech"), piper: NeuralVoice.installed)
        let clip = try synthesizer.clip(
            text: Self.text, voice: .piper(NeuralVoice.model), wordsPerMinute: 135, pitch: 40)
        #expect(clip.synthesised)
        #expect(clip.sampleRate == 22_050)
        let samples = try AudioFileReader(path: clip.path).readAll()
        let shape = SpeechShape(samples, sampleRate: clip.sampleRate)
        #expect(shape.isSpeech, "\(shape)")
        // Trimmed as every clip is: sound within 6 ms of the start and 31 ms of the end.
        let first = samples.firstIndex { abs($0) > 0.001 } ?? samples.count
        let last = samples.lastIndex { abs($0) > 0.001 } ?? 0
        #expect(first <= Int(0.006 * 22_050))
        #expect(samples.count - 1 - last <= Int(0.031 * 22_050))
        // 17 words at 135 a minute: 7.6 s; one clip varies with its punctuation, the sessions are checked closely
        // (NeuralSpeakingRateTests).
        let seconds = Double(samples.count) / 22_050
        #expect((6.0...9.5).contains(seconds), "\(seconds) s")
    }

    @Test func theCacheAnswersRepeatsAndTheKeyHoldsTheModelAndLexicon() throws {
        let directory = try TemporaryDirectory()
        // A voices folder of its own, with a copy of the installed model that this test may change.
        let installed = try #require(NeuralVoice.installed.model(named: NeuralVoice.model))
        let folder = directory.file("voices")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: installed.path, toPath: folder + "/\(NeuralVoice.model).onnx")
        try FileManager.default.copyItem(
            atPath: installed.configPath, toPath: folder + "/\(NeuralVoice.model).onnx.json")
        let voices = PiperVoices.installed(environment: [
            "RESPITE_PIPER": try #require(NeuralVoice.installed.program), "RESPITE_VOICES": folder,
        ])
        let cache = directory.file("speech")
        let synthesizer = try SpeechSynthesizer(cacheDirectory: cache, piper: voices)
        let voice = SpeechVoice.piper(NeuralVoice.model)
        let text = "Your port is part of your care."
        let first = try synthesizer.clip(text: text, voice: voice, wordsPerMinute: 135, pitch: 40)
        #expect(first.synthesised)
        // The same request, here and from another synthesiser (another process), is the same file, not spoken again.
        let again = try synthesizer.clip(text: text, voice: voice, wordsPerMinute: 135, pitch: 40)
        let elsewhere = try SpeechSynthesizer(cacheDirectory: cache, piper: voices)
            .clip(text: text, voice: voice, wordsPerMinute: 135, pitch: 40)
        #expect(!again.synthesised && !elsewhere.synthesised)
        #expect(again.path == first.path && elsewhere.path == first.path)
        // espeak-ng's clip of the same words is another file.
        #expect(synthesizer.cachedClip(text: text, voice: .espeak("en-us"), wordsPerMinute: 135, pitch: 40) == nil)
        // Another lexicon (here: none, so "port" is not given its phonemes) is another clip.
        #expect(
            synthesizer.cachedClip(text: text, voice: voice, wordsPerMinute: 135, pitch: 40, lexicon: .empty) == nil)
        // Another rate too.
        #expect(synthesizer.cachedClip(text: text, voice: voice, wordsPerMinute: 110, pitch: 40) == nil)
        // A model changed in place under the same name is another voice: its clips are not reused.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: folder + "/\(NeuralVoice.model).onnx"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([0]))
        try handle.close()
        let changed = try SpeechSynthesizer(cacheDirectory: cache, piper: voices)
        #expect(changed.cachedClip(text: text, voice: voice, wordsPerMinute: 135, pitch: 40) == nil)
        PiperEngine.shared.closeAll()
    }

    @Test func theLexiconChangesWhatEitherEngineIsGiven() throws {
        let piper = SpeechSynthesizer.spokenText("Lymphedema, then metastases.", engine: .piper)
        #expect(piper == "[[lˌɪmfədˈiːmə,]] then [[mətˈæstəsˌiːz.]]")
        let espeak = SpeechSynthesizer.spokenText("Lymphedema, then metastases.", engine: .espeak)
        #expect(espeak == "[[l,Imf@d'i:m@]], then [[m@t'ast@s,i:z]].")
    }
}

/// The phonemes espeak-ng speaks, with and without the lexicon: the entry is what is heard.
@Suite struct LexiconPhonemeTests {
    @Test func theBuiltInLexiconChangesTheStressOfOncologyWords() throws {
        let directory = try TemporaryDirectory()
        let synthesizer = try SpeechSynthesizer(cacheDirectory: directory.path, piper: .none)
        for (word, expected) in [("lymphedema", "l,Imf@d'i:m@"), ("metastases", "m@t'ast@s,i:z")] {
            let plain = try synthesizer.espeakPhonemes(of: word, voice: "en-us", lexicon: .empty)
            let corrected = try synthesizer.espeakPhonemes(of: word, voice: "en-us")
            #expect(plain != corrected, "\(word): \(plain)")
            #expect(corrected.contains(expected), "\(word): \(corrected)")
            #expect(!plain.contains(expected), "\(word): \(plain)")
        }
        // A session's own entry wins, and works as a respelling too.
        let own = Lexicon.builtin.merging(Lexicon(entries: ["Siobhan": .init(say: "shivawn")]))
        let name = try synthesizer.espeakPhonemes(of: "Siobhan", voice: "en-us", lexicon: own)
        let respelt = try synthesizer.espeakPhonemes(of: "shivawn", voice: "en-us", lexicon: .empty)
        #expect(name == respelt)
    }
}
