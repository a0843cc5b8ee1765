import Foundation
import Testing

@testable import Mixer

/// The master trim's move (``TrimRamp``): how a session that starts before its programme loudness
/// is known settles its level before the first word, the same in a render and in playback.
@Suite struct TrimRampTests {
    let rate = 48_000

    /// A steady tone over 3 s, no limiter, untrimmed before frame 48 000 and at `target` from 60 000.
    func schedule(ramp: TrimRamp?) -> Schedule {
        var schedule = Schedule(
            length: 144_000,
            voices: [
                VoiceEvent(start: 0, length: 144_000, source: .generator(.tone(pitch: 440)), bus: .cues, gain: 0.5)
            ])
        schedule.trimRamp = ramp
        return schedule
    }

    let ramp = TrimRamp(start: 48_000, length: 12_000, target: 0.5)

    @Test func theLevelMovesOnlyInsideTheRampAndSmoothly() {
        let plain = renderAll(Mixer(schedule: schedule(ramp: nil), sampleRate: rate, ceiling: nil), frames: 144_000)
        let moved = renderAll(Mixer(schedule: schedule(ramp: ramp), sampleRate: rate, ceiling: nil), frames: 144_000)
        let before = plain.left[..<48_000] == moved.left[..<48_000]
        #expect(before, "before the ramp the trim is the schedule's own")
        let after = (60_000..<144_000).allSatisfy { moved.left[$0] == plain.left[$0] * 0.5 }
        #expect(after, "after the ramp the trim is its target")
        // Inside, the ratio falls from 1 to 0.5 without a step: no two neighbouring ratios differ by more than
        // a straight line's 2 × 0.5 / 12 000 (a smoothstep's steepest slope is 1.5 times the line's).
        var ratios: [Float] = []
        for n in 48_000..<60_000 where abs(plain.left[n]) > 0.05 { ratios.append(moved.left[n] / plain.left[n]) }
        #expect(ratios.count > 5_000)
        #expect(ratios.first.map { $0 > 0.99 } == true && ratios.last.map { $0 < 0.51 } == true)
        #expect(zip(ratios, ratios.dropFirst()).allSatisfy { $1 <= $0 + 1e-6 }, "the trim only falls")
    }

    /// Any block size, and the ramp sent as a command at any moment before it starts, give the same samples as the
    /// schedule carrying it from the start: what keeps play equal to render.
    @Test(arguments: [64, 97, 1_000])
    func blocksAndLateCommandsChangeNothing(block: Int) {
        let whole = renderAll(Mixer(schedule: schedule(ramp: ramp), sampleRate: rate), frames: 144_000, block: 256)
        let split = renderAll(Mixer(schedule: schedule(ramp: ramp), sampleRate: rate), frames: 144_000, block: block)
        let sameSplit = whole.left == split.left && whole.right == split.right
        #expect(sameSplit, "\(block)-frame blocks")
        // Live: the mixer starts without the ramp; it arrives after 40 000 frames, before its start.
        let live = Mixer(schedule: schedule(ramp: nil), sampleRate: rate)
        let first = renderAll(live, frames: 40_000, block: block)
        live.commands.push(.setTrimRamp(ramp))
        let rest = renderAll(live, frames: 104_000, block: block)
        let sameLive = first.left + rest.left == whole.left && first.right + rest.right == whole.right
        #expect(sameLive, "the ramp sent as a command at frame 40 000")
    }
}
