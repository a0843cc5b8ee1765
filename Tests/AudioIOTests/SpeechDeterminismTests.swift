import Foundation
import Testing

@testable import AudioIO

/// espeak-ng's output is the ground truth: these fail if the same inputs ever synthesise different samples.
@Suite("Speech determinism")
struct SpeechDeterminismTests {
    /// (text, voice): voices with breath noise (f3, whisper) and the Klatt generator draw on `rand()`.
    static let clips: [(String, String)] = [
        ("Breathe in slowly.", "en"),
        ("Hallo, wie geht es dir heute?", "de"),
        ("Let your shoulders drop, and rest.", "en-us+f3"),
        ("Notice the weight of your hands.", "en+whisper"),
        ("Feel the floor beneath you.", "en+klatt"),
    ]

    /// Synthesises `order` (indices into ``clips``) into a fresh cache and returns each clip's samples by index.
    static func synthesise(_ order: [Int]) throws -> [Int: [Int16]] {
        let directory = try TemporaryDirectory()
        let synthesizer = try SpeechSynthesizer(cacheDirectory: directory.path, piper: .none)
        var result: [Int: [Int16]] = [:]
        for index in order {
            let (text, voice) = clips[index]
            let clip = try synthesizer.clip(text: text, voice: voice, wordsPerMinute: 140, pitch: 40)
            #expect(clip.synthesised)
            result[index] = try SpeechTestClips.samples(clip.path)
        }
        return result
    }

    @Test("each clip has the same samples whatever was synthesised before it in the process")
    func orderDoesNotMatter() throws {
        let forwards = try Self.synthesise([0, 1, 2, 3, 4])
        let backwards = try Self.synthesise([4, 3, 2, 1, 0])
        let alone = try (0..<Self.clips.count).map { try Self.synthesise([$0])[$0] }
        for index in 0..<Self.clips.count {
            let samples = forwards[index] ?? []
            #expect(samples.count > 11_025, "\(Self.clips[index])")
            // Compared as booleans so a failure names the clip rather than printing a million samples.
            let sameBackwards = samples == backwards[index]
            let sameAlone = samples == alone[index]
            #expect(sameBackwards, "\(Self.clips[index]) differs when synthesised in another order")
            #expect(sameAlone, "\(Self.clips[index]) differs when synthesised alone")
        }
    }

    @Test("the same clip synthesised three times running is the same three times")
    func repeats() throws {
        let first = try Self.synthesise([2])[2]
        let second = try Self.synthesise([2])[2]
        let third = try Self.synthesise([2])[2]
        let same = first == second && second == third
        #expect(same, "three syntheses of one clip differ")
    }

    @Test("the process's own rand() sequence and LC_CTYPE are left as they were")
    func processStateRestored() throws {
        // Under the engine's lock, so no synthesis from a test running alongside swaps rand()'s state meanwhile.
        let engine = SpeechEngine.shared
        let expected = engine.exclusively {
            srand(42); return (0..<4).map { _ in rand() }
        }
        let (before, locale) = engine.exclusively {
            srand(42)
            return ((0..<2).map { _ in rand() }, String(cString: setlocale(LC_CTYPE, nil)))
        }
        _ = try Self.synthesise([3])
        let (after, localeAfter) = engine.exclusively {
            ((0..<2).map { _ in rand() }, String(cString: setlocale(LC_CTYPE, nil)))
        }
        #expect(before + after == expected)
        #expect(localeAfter == locale)
    }

    @Test("espeak-ng is unloaded after each clip, so nothing of it stays in the process")
    func unloaded() throws {
        _ = try Self.synthesise([0])
        #expect(SpeechEngine.shared.exclusively { dlopen(SpeechEngine.libraryName, RTLD_NOW | RTLD_NOLOAD) } == nil)
    }
}
