import AudioIO
import Foundation
import Mixer
import Testing

@testable import Player

/// Looping music beds: the file's end is crossfaded into its start with an equal-power law, in the
/// file's own rate, so a loop neither clicks nor dips in level at its seams.
@Suite struct LoopTests {
    /// File rate of the test beds: not the engine's, so the crossfade is shown to happen before
    /// resampling.
    static let fileRate = 44_100
    /// 4 s files: the crossfade is then a quarter of the file, 1 s, and the loop period 3 s.
    static let fileFrames = 4 * fileRate
    static let engineRate = 48_000
    static let seconds = 20

    /// A cosine at 0.5 fading to 0.1 over the file, so a plain loop jumps from 0.1 back to 0.5.
    /// 220.25 Hz puts the tail a quarter cycle from the head (220.25 × 3 s = 660.75 cycles), so
    /// their equal-power sum neither swells nor cancels: any excess step or dip is the loop's.
    static let tone: [Float] = (0..<fileFrames).map { n in
        let level = 0.5 - 0.4 * Double(n) / Double(fileFrames)
        return Float(level * cos(2 * .pi * 220.25 * Double(n) / Double(fileRate)))
    }

    /// White noise at a steady level: its tail and head are unrelated, as in most music, so only an
    /// equal-power law keeps the level through the seam (a linear crossfade dips 3 dB).
    static let noise: [Float] = {
        var state: UInt32 = 0x1234_5678
        return (0..<fileFrames).map { _ in
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return 0.35 * Float(Int32(bitPattern: state)) / 2_147_483_648
        }
    }()

    /// Where the loop's seams sound, in engine frames: the crossfades from 3 s, 6 s, … (1 s each)
    /// and, for a plain loop, the jumps at 4 s, 8 s, ….
    static let seamSeconds: [ClosedRange<Double>] = [3...4, 6...7, 9...10, 12...13, 15...16, 18...19]

    /// Loops `file` (mono, `fileRate`) as a session's music bed for 20 s and returns the left channel.
    func renderLoop(_ file: [Float]) throws -> [Float] {
        let fixture = try Fixture()
        let writer = try AudioFileWriter(
            path: fixture.folder + "/bed.wav", sampleRate: Self.fileRate, channels: 1, format: .wav(.float32))
        try file.withUnsafeBufferPointer { try writer.write(interleaved: $0.baseAddress!, frames: $0.count) }
        try writer.close()
        let session = try fixture.session(
            """
            "music": { "source": "bed.wav", "gain": 0, "loop": true, "fadeIn": 0, "fadeOut": 0, "duck": 0 },
            "steps": [{ "type": "silence", "seconds": \(Self.seconds) }]
            """)
        let prepared = try fixture.prepare(session, rate: Self.engineRate, normalised: false)
        #expect(prepared.jobs.flatMap { $0 }.contains { $0.loop })
        return leftChannel(OfflineRenderer.renderToMemory(prepared))
    }

    static func frame(_ seconds: Double) -> Int { Int(seconds * Double(engineRate)) }

    @Test func seamsDoNotClick() throws {
        let left = try renderLoop(Self.tone)
        #expect(left.count == Self.seconds * Self.engineRate)
        // The steady signal: the second pass, between its crossfade and the next, where the tone is
        // loudest after the session's fade-in (0.4 falling to 0.2).
        let steady = largestStep(left[Self.frame(4.05)..<Self.frame(5.95)])
        // Everything after the session's fade-in, until the end's fade: every seam is in there.
        let whole = largestStep(left[Self.frame(2.5)..<Self.frame(19.9)])
        #expect(steady > 0.005)
        #expect(whole <= steady * 1.1, "largest step \(whole), steady \(steady): \(whole / steady)×")
        // And no 50 ms window dips below the windows either side of it.
        let dip = largestDip(left, across: Self.seamSeconds, neighbours: .adjacent)
        #expect(dip < 1.5, "a window dips \(dip) dB below its neighbours")
    }

    @Test func seamsKeepTheirPower() throws {
        let left = try renderLoop(Self.noise)
        // Each window across a crossfade against the steady noise 250 ms either side of it.
        let dip = largestDip(left, across: Self.seamSeconds, neighbours: .outside)
        #expect(dip < 1.5, "a window dips \(dip) dB below the level either side of the seam")
        let swell = -smallestDip(left, across: Self.seamSeconds)
        #expect(swell < 1.5, "a window rises \(swell) dB above the level either side of the seam")
    }

    /// Without resampling, the looped stream is exactly the pattern: head, then per period the
    /// crossfade tail·cos + head·sin and the file's middle.
    @Test func theLoopFollowsItsPatternExactly() throws {
        let fixture = try Fixture()
        let length = 48_000
        let file = (0..<length).map { Float($0 % 1_000) / 1_000 - 0.5 }
        let path = fixture.folder + "/ramp.wav"
        let writer = try AudioFileWriter(path: path, sampleRate: 48_000, channels: 1, format: .wav(.float32))
        try file.withUnsafeBufferPointer { try writer.write(interleaved: $0.baseAddress!, frames: $0.count) }
        try writer.close()
        let crossfade = length / 4
        let period = length - crossfade
        let total = 4 * period + 5_000
        let left = stream(StreamJob(path: path, frames: total, loop: true))
        #expect(left.count == total)
        func expected(_ n: Int) -> Float {
            let m = n % period
            guard n >= period && m < crossfade else { return file[m] }
            let angle = Double.pi / 2 * Double(m) / Double(crossfade)
            return file[period + m] * Float(cos(angle)) + file[m] * Float(sin(angle))
        }
        let worst = (0..<total).map { abs(left[$0] - expected($0)) }.max() ?? 1
        #expect(worst < 1e-6, "largest difference from the pattern: \(worst)")

        // A job joined part-way (after a seek) lands on the same pattern, wherever it joins.
        for offset in [1_000, crossfade + 10, period + 3_000, 2 * period + crossfade + 7] {
            let joined = stream(StreamJob(path: path, frames: total, loop: true, offset: offset))
            #expect(joined.count == total - offset)
            let same = joined.elementsEqual(left[offset...])
            #expect(same, "joined at frame \(offset), the loop is out of place")
        }
    }

    /// The left channel of a job's frames at 48 kHz, as the streamer writes them to a ring.
    func stream(_ job: StreamJob) -> [Float] {
        let ring = RingBuffer(capacity: job.frames, channels: 2)
        let decoder = JobDecoder(job: job, engineRate: 48_000)
        _ = decoder.produce(into: ring)
        var samples = [Float](repeating: 0, count: ring.availableToRead * 2)
        samples.withUnsafeMutableBufferPointer { _ = ring.read(into: $0.baseAddress!, frames: $0.count / 2) }
        return leftChannel(samples)
    }

    enum Neighbours {
        /// The 50 ms windows just before and after.
        case adjacent
        /// The 250 ms of steady signal just before and just after the seam's span.
        case outside
    }

    /// The largest amount, dB, by which a 50 ms window across a seam falls below the mean (in dB)
    /// of its neighbours.
    func largestDip(_ x: [Float], across seams: [ClosedRange<Double>], neighbours: Neighbours) -> Double {
        var worst = -Double.infinity
        for seam in seams {
            for (level, reference) in windows(x, across: seam, neighbours: neighbours) {
                worst = max(worst, reference - level)
            }
        }
        return worst
    }

    /// The smallest such amount: negative when a window rises above its neighbours.
    func smallestDip(_ x: [Float], across seams: [ClosedRange<Double>]) -> Double {
        var best = Double.infinity
        for seam in seams {
            for (level, reference) in windows(x, across: seam, neighbours: .outside) {
                best = min(best, reference - level)
            }
        }
        return best
    }

    /// Each 50 ms window from 100 ms before `seam` to 100 ms after: its level and its reference, dB.
    func windows(_ x: [Float], across seam: ClosedRange<Double>, neighbours: Neighbours) -> [(Double, Double)] {
        let window = Self.frame(0.05)
        func level(_ start: Int, _ count: Int) -> Double { decibels(rms(x[start..<(start + count)])) }
        let first = Self.frame(seam.lowerBound - 0.1)
        let last = Self.frame(seam.upperBound + 0.1)
        let before = level(first - Self.frame(0.25), Self.frame(0.25))
        let after = level(last, Self.frame(0.25))
        var result: [(Double, Double)] = []
        var start = first
        while start + window <= last {
            let reference: Double
            switch neighbours {
            case .adjacent: reference = (level(start - window, window) + level(start + window, window)) / 2
            case .outside: reference = (before + after) / 2
            }
            result.append((level(start, window), reference))
            start += window
        }
        return result
    }

    func largestStep(_ x: ArraySlice<Float>) -> Float {
        var largest: Float = 0
        var previous = x.first ?? 0
        for v in x {
            largest = max(largest, abs(v - previous))
            previous = v
        }
        return largest
    }
}
