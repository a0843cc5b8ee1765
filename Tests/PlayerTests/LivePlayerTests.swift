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

    init(
        sampleRate: Int = 48_000, periodFrames: Int = 256, faults: [Int: Int32] = [:], goneAfter: Int? = nil,
        paceMicroseconds: UInt32 = 40
    ) {
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
