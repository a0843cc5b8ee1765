import AudioIO
import Foundation
import Mixer
import SessionKit
import Testing

@testable import Player

/// A first play starts before its programme loudness is measured (the whole session rendered
/// into a meter, seconds on a cold cache): the run measures it meanwhile and settles the trim
/// before the first word, so what the listener hears is still the render, sample for sample.
@Suite(.serialized) struct TrimWhilePlayingTests {
    /// A session that speaks first after a 5 s bell, over music: its trim moves at about 3.7 s.
    func session(_ fixture: Fixture) throws -> Session {
        try fixture.session(
            """
            "music": { "source": "audio:music/tide-pad.ogg", "gain": -10 },
            "steps": [
              { "type": "silence", "seconds": 5, "cues": [{ "at": 0.2, "sound": "builtin:bell" }] },
              { "type": "narration", "text": "Let your shoulders soften.", "pause": 1 },
              { "type": "narration", "text": "Breathe out slowly, and let the breath be long.", "pause": 1 }
            ]
            """)
    }

    /// A preparer as `respite` makes one, with its own empty programme cache.
    func preparer(_ fixture: Fixture) throws -> SessionPreparer {
        var preparer = SessionPreparer(
            sampleRate: 48_000, audioRoot: Fixture.audioRoot,
            synthesizer: try SpeechSynthesizer(cacheDirectory: fixture.cache, piper: .none),
            loudness: LoudnessCache(directory: fixture.cache + "-loudness"))
        preparer.programme = ProgramLoudness(directory: fixture.folder + "/programme")
        return preparer
    }

    /// Every sample of the offline render, interleaved stereo.
    func rendered(_ prepared: PreparedSession) -> [Float] {
        var samples: [Float] = []
        renderOffline(prepared) { samples.append(contentsOf: $0) }
        return samples
    }

    @Test func aPlayerStartsUntrimmedOnlyWhenTheProgrammeIsUnknownAndTheTrimMovesLate() throws {
        let fixture = try Fixture()
        let preparer = try preparer(fixture)
        let layout = try preparer.layout(session(fixture), parameters: session(fixture).parameters)
        let ramp = try #require(PreparedSession.trimRamp(to: 1, timeline: layout.timeline))

        let pending = try preparer.prepare(layout, playingFrom: 0)
        #expect(pending.trimPending)
        #expect(pending.schedule.trim == 1 && pending.schedule.trimRamp == nil)
        #expect(pending.programmeLoudness == nil)
        // Starting less than 3 s before the trim moves: measured first, as a render is.
        let late = try preparer.prepare(layout, playingFrom: ramp.start - 48_000)
        #expect(!late.trimPending && late.schedule.trimRamp != nil)

        let rendered = try preparer.prepare(layout)
        #expect(!rendered.trimPending)
        let trimmed = try #require(rendered.schedule.trimRamp)
        #expect(trimmed.start == ramp.start && trimmed.target != 1)
        // Measured once (by the prepares above), it is remembered: a player then starts trimmed.
        let again = try preparer.prepare(layout, playingFrom: 0)
        #expect(!again.trimPending && again.schedule.trimRamp == trimmed)
    }

    /// The real path: the run measures the programme on its own thread. The device here waits
    /// for the measurement after the first second (a real one, paced by the wall clock, gives it the 3.7 s of
    /// the opening; a virtual one would otherwise outrun any measurement).
    @Test func aTrimMeasuredWhilePlayingIsTheRenderSampleForSample() async throws {
        let fixture = try Fixture()
        let preparer = try preparer(fixture)
        let session = try session(fixture)
        let layout = try preparer.layout(session, parameters: session.parameters)
        let pending = try preparer.prepare(layout, playingFrom: 0)
        try #require(pending.trimPending)

        let box = RunBox()
        let outputs = Outputs()
        let (outcome, _) = try await SessionRunTests().play(pending) { clock in
            let output = VirtualOutput(clock: clock, keepSamples: true)
            outputs.add(output)
            return output
        } hold: { output, run in
            let deadline = ContinuousClock.now.advanced(by: .seconds(60))
            while output.frames > 48_000 && !run.hasTrim && ContinuousClock.now < deadline { usleep(1_000) }
        } started: { run in
            box.run = run
            run.settleTrim(with: preparer)
        }
        #expect(outcome == .finished)
        let run = try #require(box.run)

        let lead = try #require(run.stats.trimLeadFrames)
        #expect(lead >= 0, "the trim came \(-lead) frames late")
        // The programme was measured and remembered on the way: a render finds it and is trimmed.
        #expect(preparer.programme?.remembered(of: pending) != nil)
        let reference = try preparer.prepare(layout)
        #expect(reference.schedule.trimRamp != nil && reference.schedule.trimRamp?.target != 1)
        let live = try #require(outputs.all.first).samples
        let expected = rendered(reference)
        #expect(live.count >= expected.count)
        #expect(Array(live.prefix(expected.count)) == expected, "play differs from render")
        #expect(Array(live.prefix(expected.count)) != rendered(pending), "the trim changed nothing")
    }

    /// A trim that comes after its ramp should have started (a machine too slow, or a listener
    /// who skipped ahead) settles over the same second from just after the playhead: before it
    /// the sound is the untrimmed render's, after it the trimmed render's, and in between the gain
    /// moves smoothly from one to the other, never a step.
    @Test func aTrimThatComesLateSettlesFromThePlayheadWithoutAStep() async throws {
        let fixture = try Fixture()
        let preparer = try preparer(fixture)
        let session = try session(fixture)
        let layout = try preparer.layout(session, parameters: session.parameters)
        let trimmed = try preparer.prepare(layout)
        let ramp = try #require(trimmed.schedule.trimRamp)
        var untrimmed = trimmed
        untrimmed.schedule.trim = 1
        untrimmed.schedule.trimRamp = nil
        untrimmed.trimPending = true

        let outputs = Outputs()
        let box = RunBox()
        let (outcome, events) = try await SessionRunTests().play(untrimmed) { clock in
            let output = VirtualOutput(clock: clock, keepSamples: true)
            outputs.add(output)
            return output
        } react: { event, run, _ in
            // At the first word, the ramp (which should have started 1.3 s before) is handed over.
            if case .narration = event.kind, box.run == nil {
                box.run = run
                run.settleTrim(ramp)
            }
        }
        #expect(outcome == .finished)
        let run = try #require(box.run)
        let lead = try #require(run.stats.trimLeadFrames)
        #expect(lead < 0)

        let live = try #require(outputs.all.first).samples
        let before = rendered(untrimmed)
        let after = rendered(trimmed)
        #expect(live.count >= before.count)
        // The move began where the mixer was when the trim came: the first sample that differs from
        // the untrimmed render, after the first word (the ramp was handed over then), long after
        // the ramp should have started.
        let differs = try #require(before.indices.first { live[$0] != before[$0] })
        let start = differs / 2 - 1
        let word = try #require(events.first { if case .narration = $0.kind { true } else { false } })
        #expect(start >= word.frame, "\(start) \(word.frame)")
        #expect(start > ramp.start + ramp.length)
        #expect(start + ramp.length < untrimmed.timeline.duration)
        // Untouched up to the late ramp, in place after it (the limiter rests at these levels).
        let moved = 2 * start
        let settled = 2 * (start + ramp.length + 1)
        #expect(Array(live[settled..<after.count]) == Array(after[settled..<after.count]))
        // In between, the gain goes from 1 to the target without overshoot and without a step.
        let low = min(1, ramp.target) - 1e-4
        let high = max(1, ramp.target) + 1e-4
        var previous: Float?
        var largestStep: Float = 0
        for index in stride(from: moved, to: settled, by: 2) where abs(before[index]) > 1e-3 {
            let gain = live[index] / before[index]
            #expect(gain >= low && gain <= high, "gain \(gain) at frame \(index / 2)")
            if let previous { largestStep = max(largestStep, abs(gain - previous)) }
            previous = gain
        }
        #expect(largestStep < abs(ramp.target - 1) / 100 + 1e-4, "the gain stepped by \(largestStep)")
    }
}
