import AudioIO
import Foundation
import Mixer
import SessionKit
import Testing

@testable import Player

/// A sound device for tests: keeps what it is given, paces itself a little so the loader keeps
/// ahead as it would on real hardware, and fails on chosen writes.
final class FaultyOutput: PCMOutput, @unchecked Sendable {
    let sampleRate: Int
    let periodFrames: Int
    /// Write number (0-based) → the error that write returns.
    let faults: [Int: Int32]
    /// From this write on, every write fails with `-ENODEV` (a device that is gone).
    let goneAfter: Int?
    private(set) var samples: [Float] = []
    private(set) var writes = 0
    /// Called at the start of every write: a test that compares bytes makes the device wait here
    /// until the loader is ahead, as a real device paced at 1× always finds it. Without it, a test
    /// device running at over 100× real time on a loaded machine outruns the loader, and the late
    /// frames (played as silence, by design) would make the comparison fail for the wrong reason.
    var gate: (() -> Void)?
    private(set) var recoveries = 0
    private let pace: UInt32

    init(sampleRate: Int = 48_000, periodFrames: Int = 256, faults: [Int: Int32] = [:], goneAfter: Int? = nil, paceMicroseconds: UInt32 = 40) {
        self.sampleRate = sampleRate
        self.periodFrames = periodFrames
        self.faults = faults
        self.goneAfter = goneAfter
        pace = paceMicroseconds
        samples.reserveCapacity(sampleRate * 2 * 60 * 12)
    }

    func write(_ buffer: UnsafePointer<Float>, frames: Int) -> Int32 {
        gate?()
        defer { writes += 1 }
        if let goneAfter, writes >= goneAfter { return -ENODEV }
        if let fault = faults[writes] { return fault }
        samples.append(contentsOf: UnsafeBufferPointer(start: buffer, count: frames * 2))
        usleep(pace)
        return 0
    }

    func recover(_ code: Int32) -> Int32 {
        recoveries += 1
        return code == -EPIPE || code == -ESTRPIPE ? 0 : code
    }

    func drain() {}
}

@Suite(.serialized) struct LivePlayerTests {
    func prepared(rate: Int = 48_000) throws -> PreparedSession {
        let fixture = try Fixture()
        let session = try fixture.session(
            """
            "music": { "source": "audio:music/tide-pad.ogg", "gain": -10 },
            "steps": [
              { "type": "narration", "text": "Let your shoulders soften.", "pause": 1 },
              { "type": "silence", "seconds": 2, "cues": [{ "at": 0.5, "sound": "builtin:chime" }] },
              { "type": "narration", "text": "Breathe out slowly, and let the breath be long.", "pause": 1 },
              { "type": "breathing", "inhale": 2, "exhale": 3, "cycles": 2, "pacer": "swell" }
            ]
            """)
        return try fixture.prepare(session, rate: rate)
    }

    /// Makes `output` wait, before each write, until every stream has the next period ready.
    func keepBehindTheLoader(_ output: FaultyOutput, _ player: LivePlayer) {
        let streamer = player.streamer
        let frames = output.periodFrames + player.mixer.lookahead
        output.gate = { streamer.waitUntilReady(frames: frames) }
    }

    func waitForEnd(_ player: LivePlayer, seconds: Double = 60) {
        let deadline = Date().addingTimeInterval(seconds)
        while !player.isFinished && !player.isDeviceLost && Date() < deadline { usleep(5_000) }
    }

    @Test func livePlaybackWritesExactlyWhatTheOfflineRenderWrites() throws {
        let prepared = try prepared()
        let output = FaultyOutput()
        let player = LivePlayer(prepared: prepared, output: { output })
        keepBehindTheLoader(output, player)
        try player.start()
        waitForEnd(player)
        player.finish()
        #expect(player.isFinished)
        #expect(player.streamUnderruns == 0)
        let offline = OfflineRenderer.renderToMemory(prepared)
        // Live writes whole periods: the tail after the end is silence.
        #expect(output.samples.count >= offline.count)
        let same = Array(output.samples[..<offline.count]) == offline
        #expect(same, "live samples differ from the offline render")
        #expect(output.samples[offline.count...].allSatisfy { $0 == 0 })
    }

    @Test func underrunsAreRecoveredCountedAndLoseNothing() throws {
        let prepared = try prepared()
        let output = FaultyOutput(faults: [10: -EPIPE, 25: -EPIPE, 40: -ESTRPIPE])
        let player = LivePlayer(prepared: prepared, output: { output })
        keepBehindTheLoader(output, player)
        try player.start()
        waitForEnd(player)
        player.finish()
        #expect(player.isFinished)
        #expect(player.underruns == 3)
        #expect(output.recoveries == 3)
        let offline = OfflineRenderer.renderToMemory(prepared)
        #expect(player.streamUnderruns == 0)
        let same = Array(output.samples[..<offline.count]) == offline
        #expect(same, "a recovered underrun must not lose or repeat a period")
    }

    @Test func aLostDeviceIsReopenedAndTheSentenceStartsAgain() throws {
        let prepared = try prepared()
        // The first device vanishes 1.5 s in (mid first sentence); the next two opens fail; then it is back.
        let first = FaultyOutput(goneAfter: 280)
        let second = FaultyOutput()
        var opens = 0
        struct Unplugged: Error {}
        var options = LivePlayer.Options()
        options.reconnectInterval = 0.01
        options.reconnectTimeout = 5
        let player = LivePlayer(prepared: prepared, options: options) {
            opens += 1
            switch opens {
            case 1: return first
            case 2, 3: throw Unplugged()
            default: return second
            }
        }
        try player.start()
        waitForEnd(player)
        #expect(player.isDeviceLost)
        var events: [LivePlayer.Event] = []
        let resumed = player.reconnect { events.append($0) }
        let sentence = prepared.timeline.sounds.first { $0.bus == .voice }
        #expect(resumed == sentence?.start)
        #expect(events.count == 2)
        if case .deviceLost(let text) = events.first { #expect(text.contains("device")) }
        #expect(events.last == .reconnected(frame: sentence?.start ?? -1))
        waitForEnd(player)
        player.finish()
        #expect(player.isFinished)
        #expect(opens == 4)
        // The second device played from the sentence's start to the end, faded in.
        let expected = prepared.timeline.duration - (resumed ?? 0)
        #expect(second.samples.count / 2 >= expected && second.samples.count / 2 < expected + 256)
        #expect(second.samples[0] == 0)
        #expect(abs(second.samples[2 * 100]) < 0.01, "restart fades in")
    }

    @Test func aDeviceThatNeverReturnsEndsPlaybackWithinTheTimeout() throws {
        let prepared = try prepared()
        var options = LivePlayer.Options()
        options.reconnectInterval = 0.01
        options.reconnectTimeout = 0.2
        var opens = 0
        struct Unplugged: Error {}
        let player = LivePlayer(prepared: prepared, options: options) {
            opens += 1
            if opens == 1 { return FaultyOutput(goneAfter: 50) }
            throw Unplugged()
        }
        try player.start()
        waitForEnd(player)
        let started = Date()
        #expect(player.reconnect { _ in } == nil)
        #expect(Date().timeIntervalSince(started) < 2)
        #expect(opens > 3)
    }

    @Test func pauseHoldsThePositionAndSkipMovesToTheNextStep() throws {
        let prepared = try prepared()
        let output = FaultyOutput(paceMicroseconds: 500)
        let player = LivePlayer(prepared: prepared, output: { output })
        try player.start()
        // Waits are conditions with generous deadlines, never fixed sleeps: on a loaded machine
        // the audio thread may be late by a lot, and that is not what this test is about.
        func wait(_ condition: () -> Bool, seconds: Double = 10) {
            let deadline = Date().addingTimeInterval(seconds)
            while !condition() && Date() < deadline { usleep(1_000) }
        }
        wait { player.position > 0 }
        player.pause()
        wait { player.mixer.isPaused }
        #expect(player.mixer.isPaused)
        let held = player.position
        usleep(200_000)
        #expect(player.position == held)
        player.resume()
        wait { player.position > held }
        #expect(player.position > held)
        let step = prepared.timeline.step(at: player.position)
        player.nextStep()
        let next = prepared.timeline.steps.first { $0.start > (step?.start ?? 0) }
        // The seek takes effect at the audio thread's next period.
        wait { player.position >= next?.start ?? 0 }
        #expect(player.position >= next?.start ?? 0)
        #expect(prepared.timeline.step(at: player.position)?.number == next?.number)
        player.stop()
        #expect(player.isFinished)
        #expect(player.position < prepared.timeline.duration)
    }
}

@Suite struct RenderTimesTests {
    @Test func percentilesAreTheUpperEdgeOfTheBucketThatHoldsThem() {
        var counts = Array(repeating: 0, count: RenderTimes.buckets)
        counts[2] = 990  // 8…12 µs
        counts[10] = 9  // 40…44 µs
        counts[RenderTimes.buckets - 1] = 1  // the slow tail
        let times = RenderTimes(counts: counts)
        #expect(times.periods == 1_000)
        #expect(times.percentile(0.5) == 12_000)
        #expect(times.percentile(0.99) == 12_000)
        #expect(times.percentile(0.995) == 44_000)
        #expect(times.percentile(1) == RenderTimes.buckets * RenderTimes.bucketNanoseconds)
        #expect(RenderTimes().percentile(0.5) == 0)
        #expect(times.merging(times).periods == 2_000)
        #expect(times.merging(times).percentile(0.995) == 44_000)
    }

    @Test func aPlayedSessionCountsEveryPeriod() throws {
        let prepared = try LivePlayerTests().prepared()
        let output = FaultyOutput()
        let player = LivePlayer(prepared: prepared, output: { output })
        try player.start()
        LivePlayerTests().waitForEnd(player)
        player.finish()
        #expect(player.renderTimes.periods == output.writes)
        // The slowest period lies in the highest bucket counted (the last holds everything slower).
        let lastEdge = (RenderTimes.buckets - 1) * RenderTimes.bucketNanoseconds
        #expect(player.renderTimes.percentile(1) >= min(player.worstRenderNanoseconds, lastEdge))
    }
}
