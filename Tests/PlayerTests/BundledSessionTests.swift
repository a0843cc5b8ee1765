import AudioIO
import Foundation
import NeuralVoiceSupport
import Mixer
import SessionKit
import Testing

@testable import Player

/// Renders every bundled session and measures what a listener would hear: exact length, speech
/// where the timeline says narration is, cues starting on their scheduled frames.
@Suite(.serialized) struct BundledSessionTests {
    static let ids = ["pmr-short", "imagery-meadow", "breathing-paced"]

    /// Each session prepared once for the suite's tests that take it as it is (preparing measures the whole
    /// programme's loudness: most of this suite's time). A prepared session is a plan: every test makes its own
    /// engine from it.
    nonisolated(unsafe) static var shared: [String: PreparedSession] = [:]
    static let sharedLock = NSLock()

    func shared(_ id: String) throws -> PreparedSession {
        if let done = Self.sharedLock.withLock({ Self.shared[id] }) { return done }
        let made = try prepared(id)
        Self.sharedLock.withLock { Self.shared[id] = made }
        return made
    }

    func prepared(_ id: String, set: [String] = [], piper: PiperVoices = .none) throws -> PreparedSession {
        let fixture = try Fixture()
        let session = try SessionLoader(audioRoot: Fixture.audioRoot).load(
            contentsOf: Fixture.sessionsFolder + "/\(id).json")
        return try fixture.prepare(session, set: set, piper: piper)
    }

    /// Renders block by block, handing each block (interleaved) to `body` with its first frame.
    func stream(
        _ prepared: PreparedSession, mutedBuses: [Bus] = [], _ body: (UnsafeBufferPointer<Float>, Int) -> Void
    ) -> Int {
        let (mixer, streamer) = prepared.makeEngine(mutedBuses: mutedBuses)
        let block = 4_800
        var buffer = [Float](repeating: 0, count: block * 2)
        var done = 0
        while done < prepared.timeline.duration {
            let frames = min(block, prepared.timeline.duration - done)
            streamer.waitUntilReady(frames: frames + mixer.lookahead)
            buffer.withUnsafeMutableBufferPointer { mixer.render(interleavedInto: $0.baseAddress!, frames: frames) }
            buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[0..<(frames * 2)]), done) }
            done += frames
        }
        return done
    }

    @Test(arguments: ids)
    func renderedFileIsExactlyTheTimelinesLength(_ id: String) throws {
        let prepared = try shared(id)
        let path = NSTemporaryDirectory() + "respite-\(id)-\(UUID().uuidString).flac"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let written = try OfflineRenderer.render(prepared, to: path, format: .flac())
        let reader = try AudioFileReader(path: path)
        #expect(written == prepared.timeline.duration)
        #expect(reader.frames == prepared.timeline.duration)
        #expect(reader.sampleRate == 48_000)
        #expect(reader.channels == 2)
        #expect(prepared.timeline.duration > 48_000 * 60 * 4)
    }

    /// Every narration entry sounds like speech: in a voice-only render the level during the
    /// words is well above silence and rises and falls with syllables (10 ms energy varies a lot),
    /// and in the full mix the voice stands clearly above the music around it.
    @Test(arguments: ids)
    func narrationIsAudibleSpeech(_ id: String) throws {
        try checkNarrationIsAudibleSpeech(try shared(id), id)
    }

    /// The same with the neural voice, which the bundled sessions ask for.
    @Test(.enabled(if: NeuralVoice.enabled, "the neural voice is not installed (`make voices`)"), arguments: ids)
    func neuralNarrationIsAudibleSpeech(_ id: String) throws {
        try checkNarrationIsAudibleSpeech(try prepared(id, piper: NeuralVoice.installed), id)
    }

    func checkNarrationIsAudibleSpeech(_ prepared: PreparedSession, _ id: String) throws {
        let timeline = prepared.timeline
        let window = 480  // 10 ms
        var voiceEnergy = [Float](repeating: 0, count: timeline.duration / window + 1)
        _ = stream(prepared, mutedBuses: [.music, .cues]) { block, first in
            for n in 0..<(block.count / 2) {
                let s = block[2 * n]
                voiceEnergy[(first + n) / window] += s * s
            }
        }
        var fullEnergy = [Float](repeating: 0, count: timeline.duration / window + 1)
        _ = stream(prepared) { block, first in
            for n in 0..<(block.count / 2) {
                let s = block[2 * n]
                fullEnergy[(first + n) / window] += s * s
            }
        }
        let narration = timeline.sounds.filter { $0.bus == .voice }
        #expect(narration.count >= 5)
        for entry in narration {
            let cells = (entry.start / window)..<(entry.end / window)
            #expect(cells.count >= 30, "\(id) at \(timeline.seconds(entry.start)) s: speech shorter than 0.3 s")
            guard cells.count >= 30 else { continue }
            let levels = cells.map { decibels((voiceEnergy[$0] / Float(window)).squareRoot()) }
            let sorted = levels.sorted()
            let loud = sorted[sorted.count * 9 / 10]
            let quiet = sorted[sorted.count / 10]
            #expect(loud > -30, "\(id) at \(timeline.seconds(entry.start)) s: speech peaks at \(loud) dBFS")
            // A steady tone or noise spreads a dB or two; speech well over 12 (the shortest phrase, "And release.",
            // measured 14.8 dB in one synthesis and over 15 in others: espeak-ng varies with what it said before).
            #expect(loud - quiet > 12, "\(id) at \(timeline.seconds(entry.start)) s: no syllabic rise and fall")
            // In the mix, the words are louder than the bed in the second before them.
            let speech = cells.map { fullEnergy[$0] }.reduce(0, +) / Float(cells.count)
            let before = max(0, cells.lowerBound - 100)..<cells.lowerBound
            if before.count == 100 {
                let bed = before.map { fullEnergy[$0] }.reduce(0, +) / Float(before.count)
                #expect(
                    decibels(speech.squareRoot()) - decibels(bed.squareRoot()) > 6,
                    "\(id) at \(timeline.seconds(entry.start)) s: voice not clear over the music")
            }
        }
    }

    /// Cues (bells, chimes, pacers) start on their scheduled frame: in a cues-only render, a cue
    /// with nothing else ringing is exactly silent before its frame and sounding within 1 ms.
    @Test(arguments: ids)
    func cuesStartOnTheirScheduledFrames(_ id: String) throws {
        let prepared = try shared(id)
        let cues = prepared.schedule.voices.filter { $0.bus == .cues }
        #expect(!cues.isEmpty)
        // Keep 10 ms before and 1 ms after each cue's start.
        var windows: [Int: [Float]] = [:]
        let lead = 480
        let tail = 48
        _ = stream(prepared, mutedBuses: [.voice, .music]) { block, first in
            for cue in cues where cue.start - lead < first + block.count / 2 && cue.start + tail > first {
                var samples = windows[cue.start] ?? []
                for n in max(0, cue.start - lead - first)..<min(block.count / 2, cue.start + tail - first) {
                    samples.append(block[2 * n])
                }
                windows[cue.start] = samples
            }
        }
        var isolated = 0
        for cue in cues {
            let ringing = cues.contains { $0 != cue && $0.start < cue.start && $0.end > cue.start - lead }
            guard let samples = windows[cue.start], samples.count == lead + tail else { continue }
            if !ringing {
                isolated += 1
                #expect(samples[..<lead].allSatisfy { $0 == 0 }, "\(id): sound before the cue at frame \(cue.start)")
                #expect(samples[(lead + 1)...].contains { $0 != 0 }, "\(id): cue at frame \(cue.start) is silent")
                #expect(samples[lead] == 0, "\(id): cue at frame \(cue.start) starts with a step")
            }
        }
        #expect(isolated >= 1, "\(id): no isolated cue to measure")
    }

    /// No click at any transition: at every frame where a sound starts or ends, the step from the
    /// previous sample is no larger than the largest step in the 20 ms around it (a cut would
    /// stand out far above its neighbours).
    @Test(arguments: ids)
    func noClickAtAnyTransition(_ id: String) throws {
        let prepared = try shared(id)
        var edges = Set<Int>()
        for voice in prepared.schedule.voices {
            edges.insert(voice.start)
            edges.insert(voice.end)
        }
        let sorted = edges.filter { $0 > 480 && $0 < prepared.timeline.duration - 480 }.sorted()
        var windows: [Int: [Float]] = [:]
        _ = stream(prepared) { block, first in
            let last = first + block.count / 2
            var index = sorted.firstIndex { $0 + 480 > first } ?? sorted.count
            while index < sorted.count && sorted[index] - 480 < last {
                let edge = sorted[index]
                var samples = windows[edge] ?? []
                for n in max(0, edge - 480 - first)..<min(block.count / 2, edge + 480 - first) {
                    samples.append(block[2 * n])
                }
                windows[edge] = samples
                index += 1
            }
        }
        var checked = 0
        for edge in sorted {
            guard let samples = windows[edge], samples.count == 960 else { continue }
            let steps = zip(samples.dropFirst(), samples).map { abs($0 - $1) }
            let atEdge = max(steps[478], steps[479], steps[480])
            let around = (steps[..<470] + steps[490...]).max() ?? 0
            #expect(
                atEdge <= max(around * 1.5, 1e-4), "\(id): step \(atEdge) at frame \(edge) against \(around) around it")
            checked += 1
        }
        #expect(checked > 20)
    }

    /// The breathing pacer is loud enough to follow: over a paced set (no words), the pacer alone measures about
    /// 6 LU above the music alone, in the session as it plays (every trim and gain applied).
    @Test func thePacerStandsAboutSixLUAboveTheMusic() throws {
        // breathing-paced's own bed and pacer, in a session of one paced set: the same levels, 40 s to mix.
        let fixture = try Fixture()
        let session = try fixture.session(
            #""music": { "source": "audio:music/tide-pad.ogg", "gain": 0, "loop": true, "fadeIn": 6, "fadeOut": 8, "#
                + #""duck": 8 }, "steps": [{ "type": "silence", "seconds": 3 }, "#
                + #"{ "type": "breathing", "inhale": 4, "exhale": 6, "cycles": 4, "pacer": "swell" }]"#)
        let prepared = try fixture.prepare(session)
        let timeline = prepared.timeline
        let set = try #require(timeline.steps.first { $0.breath != nil })
        let pattern = try #require(set.breath)
        let span = pattern.firstCycle..<(pattern.firstCycle + pattern.cycleLength * pattern.cycles)
        func loudness(muting: [Bus]) throws -> Double {
            let (mixer, streamer) = prepared.makeEngine(mutedBuses: muting)
            var kept: [Float] = []
            var buffer = [Float](repeating: 0, count: 4_800 * 2)
            var done = 0
            while done < span.upperBound {
                let frames = min(4_800, span.upperBound - done)
                streamer.waitUntilReady(frames: frames + mixer.lookahead)
                buffer.withUnsafeMutableBufferPointer { mixer.render(interleavedInto: $0.baseAddress!, frames: frames) }
                for n in 0..<frames where span.contains(done + n) { kept += [buffer[2 * n], buffer[2 * n + 1]] }
                done += frames
            }
            return try kept.withUnsafeBufferPointer {
                try LoudnessMeter.measure(interleaved: $0, channels: 2, sampleRate: timeline.sampleRate).integrated
            }
        }
        let pacer = try loudness(muting: [.voice, .music])
        let music = try loudness(muting: [.voice, .cues])
        #expect((4.5...8).contains(pacer - music), "pacer \(pacer) LUFS, music \(music) LUFS")
    }

    /// Under narration the music sits at least the configured depth lower, and is back up within
    /// 1.5 s after the words end. Measured as the music stem's gain reduction: the same render with
    /// and without ducking, compared in 10 ms cells, so the bed's own rise and fall do not count.
    @Test(arguments: ids)
    func musicGivesWayToTheVoice(_ id: String) throws {
        let prepared = try shared(id)
        let duck = try #require(prepared.timeline.ducking)
        var undisturbed = prepared
        undisturbed.schedule.ducking = nil
        let window = 480
        let cells = prepared.timeline.duration / window + 1
        func energies(_ session: PreparedSession, muted: [Bus]) -> [Float] {
            var energy = [Float](repeating: 0, count: cells)
            _ = stream(session, mutedBuses: muted) { block, first in
                for n in 0..<(block.count / 2) {
                    let s = block[2 * n]
                    energy[(first + n) / window] += s * s
                }
            }
            return energy
        }
        let ducked = energies(prepared, muted: [.voice, .cues])
        let open = energies(undisturbed, muted: [.voice, .cues])
        let voice = energies(prepared, muted: [.music, .cues])
        func reduction(_ cell: Int) -> Double? {
            guard open[cell] > 1e-9, ducked[cell] > 0 else { return nil }
            return 10 * log10(Double(open[cell] / ducked[cell]))
        }
        let threshold = Float(window) * 0.01 * 0.01  // the ducker's -40 dBFS, as cell energy
        let rate = prepared.timeline.sampleRate
        let speech = prepared.timeline.sounds.filter { $0.bus == .voice }
        var measured = 0
        for (index, sentence) in speech.enumerated() where sentence.start > 3 * rate {
            let voiced = (sentence.start / window..<sentence.end / window).filter { voice[$0] > threshold }
            let reductions = voiced.compactMap(reduction).sorted()
            guard reductions.count > 20 else { continue }
            let median = reductions[reductions.count / 2]
            #expect(
                median >= duck.depth - 0.5,
                "\(id) at \(prepared.timeline.seconds(sentence.start)) s: music only \(median) dB down under the voice")
            // Back up 1.5 s after the words, unless more words come within 2 s.
            let next = index + 1 < speech.count ? speech[index + 1].start : prepared.timeline.duration
            let back = (sentence.end + rate * 3 / 2) / window
            if next > sentence.end + 2 * rate, back + 20 < cells {
                let after = (back..<(back + 20)).compactMap(reduction)
                #expect(
                    (after.max() ?? 0) < 0.5,
                    "\(id) at \(prepared.timeline.seconds(sentence.end)) s: music still \(after.max() ?? 0) dB down 1.5 s after the words"
                )
            }
            measured += 1
        }
        #expect(measured >= 5, "\(id): too few sentences to measure")
    }
}
