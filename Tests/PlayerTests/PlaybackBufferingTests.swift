import AudioIO
import Foundation
import Mixer
import Testing

@testable import Player

/// The live-playback buffer sizes: keys within 150 ms, and enough slack that a busy machine does
/// not make the sound drop out. `scripts/measure-holes` measures both in real time; these guard
/// the arithmetic, and the underrun account, without waiting.
struct PlaybackBufferingTests {
    static let rates = [8_000, 11_025, 16_000, 22_050, 32_000, 44_100, 48_000, 88_200, 96_000, 192_000]

    /// What the sound server's monitor adds before a change can be seen there (a few ms of
    /// delivery), kept out of the budget so the measured figure has room.
    static let monitorAllowance = 0.02

    @Test(arguments: rates)
    func defaultsAnswerKeysWithin150Milliseconds(rate: Int) {
        let sizes = PlaybackBuffering.defaults(sampleRate: rate)
        #expect(sizes.problem == nil, "\(sizes)")
        #expect(
            sizes.worstKeyResponseSeconds <= PlaybackBuffering.keyResponseLimitSeconds - Self.monitorAllowance,
            "\(sizes): worst key response \(sizes.worstKeyResponseSeconds) s")
    }

    /// The old 256/1 024 frames left 16 ms: a busy machine dropped out 38 times in 20 s. The
    /// defaults leave the audio thread at least 80 ms to be late by, at every rate.
    @Test(arguments: rates)
    func defaultsLeaveABusyMachineEnoughSlack(rate: Int) {
        let sizes = PlaybackBuffering.defaults(sampleRate: rate)
        #expect(sizes.slackSeconds >= 0.08, "\(sizes): slack \(sizes.slackSeconds) s")
        #expect(sizes.bufferFrames >= 2 * sizes.periodFrames)
    }

    @Test func theOldDefaultsFailTheSlackTheyWereReplacedFor() {
        let old = PlaybackBuffering(periodFrames: 256, bufferFrames: 1_024, sampleRate: 48_000)
        #expect(old.slackSeconds < 0.02)
        #expect(
            PlaybackBuffering.defaults(sampleRate: 48_000)
                == PlaybackBuffering.resolve(period: nil, buffer: nil, sampleRate: 48_000))
        #expect(PlaybackBuffering.defaults(sampleRate: 48_000).periodFrames == 480)
        #expect(PlaybackBuffering.defaults(sampleRate: 48_000).bufferFrames == 4_800)
    }

    /// Sizes asked for explicitly are used as they are: small periods keep working.
    @Test(arguments: [(64, 1_024), (256, 1_024), (16, 32), (8_192, 16_384), (64, 128)])
    func explicitSizesAreKept(period: Int, buffer: Int) {
        let sizes = PlaybackBuffering.resolve(period: period, buffer: buffer, sampleRate: 48_000)
        #expect(sizes.periodFrames == period)
        #expect(sizes.bufferFrames == buffer)
        #expect(sizes.problem == nil)
    }

    @Test(arguments: [16, 64, 480, 4_096, 8_192])
    func aPeriodAloneKeepsAtLeastTheDefaultBuffer(period: Int) {
        let sizes = PlaybackBuffering.resolve(period: period, buffer: nil, sampleRate: 48_000)
        #expect(sizes.periodFrames == period)
        #expect(sizes.bufferFrames == max(4_800, 2 * period))
        #expect(sizes.problem == nil)
    }

    @Test(arguments: [32, 1_024, 4_800, 16_384])
    func aBufferAloneKeepsAPeriodThatFitsTwice(buffer: Int) {
        let sizes = PlaybackBuffering.resolve(period: nil, buffer: buffer, sampleRate: 48_000)
        #expect(sizes.bufferFrames == buffer)
        #expect(sizes.periodFrames == min(480, buffer / 2))
        #expect(sizes.problem == nil)
    }

    @Test(arguments: [
        (8, 1_024, "--period must be 16…8192"), (9_000, 20_000, "--period must be 16…8192"),
        (1_024, 1_024, "--buffer must be at least two periods (2048 frames)"),
        (256, 511, "--buffer must be at least two periods (512 frames)"),
    ])
    func unusableSizesAreNamed(period: Int, buffer: Int, message: String) {
        let sizes = PlaybackBuffering.resolve(period: period, buffer: buffer, sampleRate: 48_000)
        #expect(sizes.problem?.contains(message) == true, "\(sizes.problem ?? "nil")")
    }
}

/// The output's own account of the device playing dry.
struct UnderrunWatchTests {
    /// (frames queued after the write, nanoseconds until the next write, a hole?)
    @Test(arguments: [
        (4_800, 50_000_000, false),  // 100 ms queued, back after 50 ms
        (4_800, 101_000_000, false),  // 1 ms late: within the tolerance
        (4_800, 103_000_000, true),  // 3 ms late: a hole
        (1_024, 30_000_000, true),  // the old 21 ms buffer, 30 ms unscheduled
        (0, 3_000_000, true),  // nothing queued at all
        (48_000, 900_000_000, false),  // a second queued, back within it
    ])
    func aWriteAfterTheQueueRanOutIsAHole(queued: Int, gap: Int, hole: Bool) {
        var watch = UnderrunWatch(sampleRate: 48_000)
        watch.wrote(queued: queued, at: 1_000_000_000)
        #expect(watch.isLate(at: 1_000_000_000 + gap) == hole)
        // Counted once: the next check without a write in between finds nothing.
        #expect(watch.isLate(at: 1_000_000_000 + gap + 1_000_000_000) == false)
    }

    @Test func aDeviceNotRunningNeverPlaysDry() {
        var watch = UnderrunWatch(sampleRate: 48_000)
        #expect(watch.isLate(at: 5_000_000_000) == false, "before any write")
        watch.wrote(queued: nil, at: 0)
        #expect(watch.isLate(at: 5_000_000_000) == false, "not started yet")
        watch.wrote(queued: 480, at: 0)
        watch.reset()
        #expect(watch.isLate(at: 5_000_000_000) == false, "after a recovery the device counted it")
    }
}

/// A device that plays dry now and then without saying so, as ALSA's PulseAudio plugin does.
final class QuietlyDryingOutput: PCMOutput, @unchecked Sendable {
    let sampleRate = 48_000
    let periodFrames = 256
    private(set) var writes = 0
    /// Every `every`-th write finds the device had run dry.
    let every: Int
    private(set) var unreportedUnderruns = 0

    init(every: Int) { self.every = every }

    func write(_ samples: UnsafePointer<Float>, frames: Int) -> Int32 {
        writes += 1
        if writes % every == 0 { unreportedUnderruns += 1 }
        usleep(20)
        return 0
    }

    func recover(_ code: Int32) -> Int32 { 0 }
    func drain() {}
}

struct AudioThreadUnderrunTests {
    @Test(arguments: [7, 50])
    func underrunsTheDeviceDidNotReportAreCounted(every: Int) {
        // One second of a chime: 188 periods of 256 frames.
        let schedule = Schedule(
            length: 48_000,
            voices: [
                VoiceEvent(start: 0, length: 48_000, source: .generator(.chime(pitch: 880)), bus: .cues, gain: 0.5)
            ])
        let mixer = Mixer(schedule: schedule, sampleRate: 48_000)
        let output = QuietlyDryingOutput(every: every)
        let thread = AudioThread(output: output, mixer: mixer, priority: 0)
        thread.start()
        thread.join()
        #expect(thread.state == .finished)
        #expect(output.writes >= 188)
        #expect(thread.underruns == output.writes / every)
        #expect(thread.underruns > 0)
    }
}
