import AudioIO
import FileAccess
import Foundation
import NeuralVoiceSupport
import Player
import SessionKit
import Testing

/// The first stage of preparation: lengths and the timeline, with narration spoken or estimated.
@Suite struct SessionLayoutTests {
    static let body = """
        "voice": { "rate": 150 },
        "steps": [
          { "type": "bell", "sound": "builtin:chime", "seconds": 2 },
          { "type": "narration", "text": "Let your shoulders soften, and your breath slow down.", "pause": 1 },
          { "type": "narration", "text": "Rest here for a while. There is nothing to do.", "pause": 1 }
        ]
        """

    /// A preparer with a speech cache of its own, empty.
    static func preparer(cache: String) throws -> SessionPreparer {
        SessionPreparer(
            sampleRate: 48_000, audioRoot: Fixture.audioRoot,
            synthesizer: try SpeechSynthesizer(cacheDirectory: cache, piper: .none))
    }

    @Test func estimatingSpeaksNothingAndSaysWhatItEstimated() throws {
        let fixture = try Fixture()
        let session = try fixture.session(Self.body)
        let cache = fixture.folder + "/speech"
        let layout = try Self.preparer(cache: cache).layout(
            session, parameters: session.parameters, speech: .cachedOrEstimated)
        #expect(layout.estimated.count == 2)
        #expect(!layout.isExact)
        #expect(layout.synthesisedClips == 0)
        let clips = (try FileManager.default.contentsOfDirectory(atPath: cache)).filter { $0.hasSuffix(".wav") }
        #expect(clips.isEmpty, "estimating wrote \(clips)")
        // The words and pauses at 150 words a minute: (9 words, a comma, a stop) and (10 words, 2 stops).
        let first = (9 * 42.0 + 72 + 108) / 150
        let second = (10 * 42.0 + 2 * 108) / 150
        let narration = layout.timeline.entries.filter { $0.kind == .narration }.map(\.length)
        #expect(narration == [Int((first * 48_000).rounded()), Int((second * 48_000).rounded())])
        // A layout with estimates cannot be played: it has no clips.
        #expect(throws: CompileError.self) { try Self.preparer(cache: cache).prepare(layout) }
    }

    /// Metering while laying out (each source measured on another core as soon as its file is
    /// known) gives the second stage the figures it would have measured itself, each measured
    /// once.
    @Test func sourcesMeteredWhileLayingOutAreTheSameAndMeasuredOnce() throws {
        let fixture = try Fixture()
        let session = try fixture.session(#""music": { "source": "audio:music/tide-pad.ogg" },"# + Self.body)
        var early = try Self.preparer(cache: fixture.folder + "/speech")
        early.loudness = LoudnessCache(directory: fixture.folder + "/loudness-early")
        var late = early
        late.loudness = LoudnessCache(directory: fixture.folder + "/loudness-late")
        let layout = try early.layout(session, parameters: session.parameters, metering: true)
        // Measured in the background, before the second stage asks.
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while early.loudness?.measured != 3 && ContinuousClock.now < deadline { usleep(1_000) }
        #expect(early.loudness?.measured == 3)
        let metered = try early.prepare(layout)
        let measured = try late.prepare(late.layout(session, parameters: session.parameters))
        #expect(metered.sourceLoudness.count == 3)  // two clips and the music bed
        #expect(metered.sourceLoudness == measured.sourceLoudness)
        #expect(early.loudness?.measured == 3 && late.loudness?.measured == 3)
        #expect(metered.schedule.voices.map(\.gain) == measured.schedule.voices.map(\.gain))
    }

    @Test func onceSpokenTheCacheGivesTheExactLayout() throws {
        let fixture = try Fixture()
        let session = try fixture.session(Self.body)
        let cache = fixture.folder + "/speech"
        let preparer = try Self.preparer(cache: cache)
        let spoken = try preparer.layout(session, parameters: session.parameters)
        #expect(spoken.isExact)
        #expect(spoken.synthesisedClips == 2)
        let cached = try preparer.layout(session, parameters: session.parameters, speech: .cachedOrEstimated)
        #expect(cached.isExact)
        #expect(cached.synthesisedClips == 0)
        #expect(cached.timeline == spoken.timeline)
        #expect(cached.paths == spoken.paths)
        // And the second stage on the layout is the whole preparation, as one call makes it.
        let prepared = try preparer.prepare(spoken)
        let whole = try preparer.prepare(session, parameters: session.parameters)
        #expect(prepared.timeline == whole.timeline)
        #expect(prepared.schedule.voices.count == whole.schedule.voices.count)
    }

    /// The estimate against espeak-ng for every bundled session's narration at its own voice: within 5 % in all.
    @Test(arguments: ["pmr-short", "breathing-paced", "imagery-meadow"])
    func estimatesComeNearTheSpokenLength(id: String) throws {
        let loader = SessionLoader(audioRoot: Fixture.audioRoot)
        let session = try loader.load(contentsOf: Fixture.sessionsFolder + "/\(id).json")
        let fixture = try Fixture()
        let preparer = try Self.preparer(cache: fixture.cache)
        let spoken = try preparer.layout(session, parameters: session.parameters)
        let estimated = try SessionPreparer(
            sampleRate: 48_000, audioRoot: Fixture.audioRoot,
            synthesizer: try SpeechSynthesizer(cacheDirectory: fixture.folder + "/empty", piper: .none)
        ).layout(session, parameters: session.parameters, speech: .cachedOrEstimated)
        #expect(!estimated.isExact)
        let exact = Double(spoken.timeline.duration)
        let error = abs(Double(estimated.timeline.duration) - exact) / exact
        #expect(error < 0.05, "\(id): \(estimated.timeline.duration) frames estimated for \(spoken.timeline.duration)")
    }
}

/// The narration speaks at the rate the session asks for, with either engine: words over the clips'
/// length, the pauses between phrases included, as a listener hears it (espeak-ng's own rate is
/// nominal: at 135 it spoke these sessions at 150; Piper's length scale is not a rate at all).
@Suite(.serialized) struct SpeakingRateTests {
    /// Words a minute over every clip of the session `id`, and the one rate it asks for.
    static func measure(_ id: String, neural: Bool) throws -> (spoken: Double, requested: Double, voices: Set<String>) {
        let session = try SessionLoader(audioRoot: Fixture.audioRoot)
            .load(contentsOf: Fixture.sessionsFolder + "/\(id).json")
        let preparer = SessionPreparer(
            sampleRate: 48_000, audioRoot: Fixture.audioRoot,
            synthesizer: try SpeechSynthesizer(
                cacheDirectory: try Fixture().cache, piper: neural ? NeuralVoice.installed : .none))
        var words = 0
        var seconds = 0.0
        var rates = Set<Double>()
        var voices = Set<String>()
        for case .speech(let text, let voice) in Compiler.media(for: session, parameters: session.parameters) {
            let chosen = try preparer.speechVoice(for: voice, language: session.language).voice
            voices.insert(chosen.description)
            let clip = try preparer.synthesizer.clip(
                text: text, voice: chosen, wordsPerMinute: Int(voice.rate.rounded()),
                pitch: Int(voice.pitch.rounded()), lexicon: Lexicon.builtin.merging(voice.lexicon))
            words += text.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "'" && $0 != "’" }).count
            seconds += Double(clip.frames) / Double(clip.sampleRate)
            rates.insert(voice.rate)
        }
        #expect(words > 200)
        let requested = try #require(rates.count == 1 ? rates.first : nil)
        return (Double(words) / (seconds / 60), requested, voices)
    }

    @Test(arguments: ["pmr-short", "breathing-paced", "imagery-meadow"])
    func eachBundledSessionSpeaksWithinFivePercentOfItsRateWithEspeak(id: String) throws {
        let (spoken, requested, voices) = try Self.measure(id, neural: false)
        #expect(voices == ["espeak:en-us"])
        #expect(abs(spoken / requested - 1) <= 0.05, "\(id): \(spoken) words a minute for \(requested)")
    }

    @Test(
        .enabled(if: NeuralVoice.enabled, "the neural voice is not installed (`make voices`)"),
        arguments: ["pmr-short", "breathing-paced", "imagery-meadow"])
    func eachBundledSessionSpeaksWithinFivePercentOfItsRateWithTheNeuralVoice(id: String) throws {
        let (spoken, requested, voices) = try Self.measure(id, neural: true)
        #expect(voices == ["piper:en_US-joe-medium"])
        #expect(abs(spoken / requested - 1) <= 0.05, "\(id): \(spoken) words a minute for \(requested)")
    }
}

/// Which voice speaks: the session's neural voice where installed, espeak-ng in its place (with a
/// notice) where not, and a named model a machine with Piper lacks reported where it is written.
@Suite struct VoiceChoiceTests {
    static let body = """
        "voice": { "engine": "piper", "model": "en_US-joe-medium", "name": "en-gb", "rate": 135 },
        "steps": [ { "type": "narration", "text": "Let your shoulders soften.", "pause": 1 } ]
        """

    /// Piper as a machine would have it: a program (never run here) and a voices folder with `models`.
    static func piper(_ fixture: Fixture, models: [String]) throws -> PiperVoices {
        let folder = fixture.folder + "/voices"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for model in models {
            try Data("model".utf8).write(to: URL(fileURLWithPath: folder + "/\(model).onnx"))
            try Data(#"{ "audio": { "sample_rate": 22050 }, "language": { "code": "en_US" } }"#.utf8)
                .write(to: URL(fileURLWithPath: folder + "/\(model).onnx.json"))
        }
        return PiperVoices.installed(environment: ["RESPITE_PIPER": "/bin/false", "RESPITE_VOICES": folder])
    }

    @Test func withoutTheNeuralEngineEspeakSpeaksAndSaysSo() throws {
        let fixture = try Fixture()
        let session = try fixture.session(Self.body)
        let preparer = SessionPreparer(
            sampleRate: 48_000, audioRoot: Fixture.audioRoot,
            synthesizer: try SpeechSynthesizer(cacheDirectory: fixture.cache, piper: .none))
        let layout = try preparer.layout(session, parameters: session.parameters)
        #expect(layout.voice == .espeak("en-gb"))
        let notice = try #require(layout.voiceNotice)
        #expect(notice.contains("espeak-ng") && notice.contains("en-gb") && !notice.contains("\n"), "\(notice)")
        #expect(layout.synthesisedClips + (layout.paths.isEmpty ? 1 : 0) <= 1)
        #expect(layout.timeline.entries.contains { $0.kind == .narration })
    }

    @Test func aForcedEspeakNeedsNoNotice() throws {
        let fixture = try Fixture()
        let session = try fixture.session(Self.body)
        var preparer = SessionPreparer(
            sampleRate: 48_000, audioRoot: Fixture.audioRoot,
            synthesizer: try SpeechSynthesizer(
                cacheDirectory: fixture.cache, piper: try Self.piper(fixture, models: ["en_US-joe-medium"])))
        preparer.forceEspeak = true
        let choice = try preparer.speechVoice(for: session.voice, language: session.language)
        #expect(choice.voice == .espeak("en-gb") && choice.notice == nil)
        preparer.forceEspeak = false
        #expect(
            try preparer.speechVoice(for: session.voice, language: session.language).voice == .piper("en_US-joe-medium")
        )
    }

    @Test func aModelThatIsNotInstalledIsAnErrorAtItsPlaceWhenRequired() throws {
        let fixture = try Fixture()
        let body = Self.body.replacingOccurrences(of: "en_US-joe-medium", with: "en_US-nobody-low")
        let session = try fixture.session(body)
        var preparer = SessionPreparer(
            sampleRate: 48_000, audioRoot: Fixture.audioRoot,
            synthesizer: try SpeechSynthesizer(
                cacheDirectory: fixture.cache,
                piper: try Self.piper(fixture, models: ["en_US-joe-medium", "en_GB-x-low"])))
        // Playing: espeak-ng speaks instead, and the notice names the model.
        let layout = try preparer.layout(session, parameters: session.parameters)
        #expect(layout.voice == .espeak("en-gb"))
        #expect(layout.voiceNotice?.contains("en_US-nobody-low") == true)
        // Validating: an error at voice.model, line and column, listing what is installed.
        preparer.requireInstalledModel = true
        let error = #expect(throws: SourceError.self) { try preparer.layout(session, parameters: session.parameters) }
        let text = error.map { String(describing: $0) } ?? ""
        #expect(error?.place?.path == "voice.model")
        #expect(error?.place?.line == session.voice.modelLine && (error?.place?.line ?? 0) > 0)
        #expect(
            text.contains("en_US-nobody-low") && text.contains("'en_US-joe-medium'") && text.contains("'en_GB-x-low'"),
            "\(text)")
    }

    @Test func withoutANamedModelAVoiceOfTheSessionsLanguageIsChosen() throws {
        let fixture = try Fixture()
        let session = try fixture.session(
            #""voice": { "engine": "piper" }, "steps": [ { "type": "narration", "text": "Rest.", "pause": 1 } ]"#)
        let preparer = SessionPreparer(
            sampleRate: 48_000, audioRoot: Fixture.audioRoot,
            synthesizer: try SpeechSynthesizer(
                cacheDirectory: fixture.cache, piper: try Self.piper(fixture, models: ["en_US-joe-medium"])))
        // The fixture's language is "en", not en_US: no voice of it, so espeak-ng, with the reason.
        let choice = try preparer.speechVoice(for: session.voice, language: "en")
        #expect(choice.voice == .espeak("en"))
        #expect(choice.notice?.contains("no Piper voice for en") == true)
        #expect(try preparer.speechVoice(for: session.voice, language: "en-US").voice == .piper("en_US-joe-medium"))
    }
}

/// The programme trim as play and render both apply it: settling before the first word, or from the first frame.
@Suite struct ProgrammeTrimTests {
    @Test func theTrimSettlesBeforeTheFirstWord() throws {
        let fixture = try Fixture()
        let session = try fixture.session(
            """
            "steps": [
              { "type": "bell", "sound": "builtin:bowl", "seconds": 5 },
              { "type": "narration", "text": "Let your shoulders soften.", "pause": 1 }
            ]
            """)
        let prepared = try fixture.prepare(session)
        let measured = try #require(prepared.programmeLoudness)
        let trim = Float(pow(10, (-23 - measured) / 20))
        #expect(prepared.schedule.trim == 1, "untrimmed through the opening")
        let ramp = try #require(prepared.schedule.trimRamp)
        #expect(abs(ramp.target - trim) < 1e-6)
        // It ends the duck attack (0.3 s) before the word at 5 s, and takes 1 s.
        #expect(ramp.start == 5 * 48_000 - 14_400 - 48_000)
        #expect(ramp.length == 48_000)
    }

    /// A player that starts before the programme is measured measures it meanwhile and sends the ramp: the
    /// result is the schedule a render gets, and until the ramp starts the two schedules play the same.
    @Test func measuredMeanwhileTheTrimIsTheRenders() throws {
        let fixture = try Fixture()
        let session = try fixture.session(
            """
            "steps": [
              { "type": "bell", "sound": "builtin:chime", "seconds": 4 },
              { "type": "narration", "text": "Rest your hands.", "pause": 1 }
            ]
            """)
        let parameters = session.parameters
        var preparer = SessionPreparer(
            sampleRate: 48_000, audioRoot: Fixture.audioRoot,
            synthesizer: try SpeechSynthesizer(cacheDirectory: fixture.cache, piper: .none))
        preparer.loudness = LoudnessCache(directory: fixture.folder + "/loudness")
        let early = try preparer.prepare(session, parameters: parameters)
        #expect(early.settlesTrimLater)
        #expect(early.schedule.trim == 1 && early.schedule.trimRamp == nil && early.programmeLoudness == nil)
        preparer.programme = ProgramLoudness(directory: fixture.folder + "/programme")
        var later = early
        try preparer.trim(&later)
        let render = try preparer.prepare(session, parameters: parameters)
        #expect(later.schedule.trim == render.schedule.trim)
        #expect(later.schedule.trimRamp == render.schedule.trimRamp)
        #expect(later.schedule.trim == early.schedule.trim, "the opening plays the same before the ramp")
        #expect(render.schedule.trimRamp != nil)
    }

    @Test func aSessionThatSpeaksAtOnceIsTrimmedFromItsFirstFrame() throws {
        let fixture = try Fixture()
        let session = try fixture.session(
            """
            "steps": [
              { "type": "silence", "seconds": 1.5 },
              { "type": "narration", "text": "Let your shoulders soften.", "pause": 1 }
            ]
            """)
        let prepared = try fixture.prepare(session)
        let measured = try #require(prepared.programmeLoudness)
        #expect(!prepared.settlesTrimLater)
        #expect(prepared.schedule.trimRamp == nil)
        #expect(abs(prepared.schedule.trim - Float(pow(10, (-23 - measured) / 20))) < 1e-6)
    }
}

/// Narration spoken ahead while the listener reads and chooses: the player's layout then finds it made.
@Suite struct SpeechPrefetchTests {
    static let body = """
        "voice": { "rate": 150 },
        "steps": [
          { "type": "narration", "text": "Welcome. Settle in, and let the day go quiet.", "pause": 1 },
          { "type": "narration", "text": "Let your shoulders soften, and your breath slow down.", "pause": 1 },
          { "type": "narration", "text": "Rest here for a while. There is nothing to do.", "pause": 1 }
        ]
        """

    @Test func aLayoutAfterThePrefetchSpeaksNothing() throws {
        let fixture = try Fixture()
        let session = try fixture.session(Self.body)
        let preparer = SessionPreparer(
            sampleRate: 48_000, audioRoot: Fixture.audioRoot,
            synthesizer: try SpeechSynthesizer(cacheDirectory: fixture.folder + "/speech", piper: .none))
        let prefetch = try #require(SpeechPrefetch.start(session, parameters: session.parameters, preparer: preparer))
        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        func allSpoken() throws -> Bool {
            try preparer.layout(session, parameters: session.parameters, speech: .cachedOrEstimated).isExact
        }
        while try !allSpoken(), ContinuousClock.now < deadline { usleep(10_000) }
        let layout = try preparer.layout(session, parameters: session.parameters)
        #expect(layout.synthesisedClips == 0)
        prefetch.cancel()
        // A session with no narration to synthesise: no prefetch at all.
        let silent = try fixture.session(#""steps": [{ "type": "silence", "seconds": 2 }]"#, name: "silent.json")
        #expect(SpeechPrefetch.start(silent, parameters: silent.parameters, preparer: preparer) == nil)
    }

    @Test func aCancelledPrefetchStopsBetweenClips() throws {
        let fixture = try Fixture()
        let session = try fixture.session(Self.body)
        let cache = fixture.folder + "/speech"
        let preparer = SessionPreparer(
            sampleRate: 48_000, audioRoot: Fixture.audioRoot,
            synthesizer: try SpeechSynthesizer(cacheDirectory: cache, piper: .none))
        let prefetch = try #require(SpeechPrefetch.start(session, parameters: session.parameters, preparer: preparer))
        prefetch.cancel()
        usleep(500_000)
        let made = ((try? FileManager.default.contentsOfDirectory(atPath: cache)) ?? []).filter { $0.hasSuffix(".wav") }
        #expect(made.count <= 1, "\(made)")
    }
}

/// A neural engine that fails never costs the session: it is spoken by espeak-ng, whole, and the notice says why.
@Suite struct NeuralEngineFailureTests {
    @Test func aFailingEngineMeansEspeakForTheWholeSession() throws {
        let fixture = try Fixture()
        let session = try fixture.session(
            """
            "voice": { "engine": "piper", "model": "en_US-joe-medium", "name": "en-gb", "rate": 135 },
            "steps": [
              { "type": "narration", "text": "Let your shoulders soften.", "pause": 1 },
              { "type": "narration", "text": "And rest.", "pause": 1 }
            ]
            """)
        // A program that exits at once, as a Piper whose Python was upgraded away does.
        let piper = try VoiceChoiceTests.piper(fixture, models: ["en_US-joe-medium"])
        let preparer = SessionPreparer(
            sampleRate: 48_000, audioRoot: Fixture.audioRoot,
            synthesizer: try SpeechSynthesizer(cacheDirectory: fixture.folder + "/speech", piper: piper))
        let layout = try preparer.layout(session, parameters: session.parameters)
        #expect(layout.voice == .espeak("en-gb"))
        #expect(layout.voiceNotice?.contains("the neural voice failed") == true, "\(layout.voiceNotice ?? "")")
        #expect(layout.paths.count == 2)
        #expect(layout.isExact)
    }
}
