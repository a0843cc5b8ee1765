import Testing

@testable import Mixer

@Suite struct DuckerTests {
    /// The ducking rule, one frame at a time, with no shortcut: what ``Ducker`` must equal exactly.
    struct Reference {
        let settings: Ducking
        var gain: Float = 1
        var hold = 0

        mutating func gain(left: Float, right: Float, frame: Int) -> Float {
            let ahead = settings.windows.contains { $0.contains(frame) }
            if abs(left) > settings.threshold || abs(right) > settings.threshold {
                hold = settings.hold
            } else if hold > 0 {
                hold -= 1
            }
            if ahead || hold > 0 {
                gain = max(settings.depth, gain - (1 - settings.depth) / Float(settings.attack))
            } else {
                gain = min(1, gain + (1 - settings.depth) / Float(settings.release))
            }
            return gain
        }
    }

    /// A voice that talks like narration: syllables of noise above the threshold, short gaps between
    /// them (shorter and longer than the hold), and pauses between sentences; deterministic.
    static func voice(frames: Int) -> (left: [Float], right: [Float]) {
        var left = [Float](repeating: 0, count: frames)
        var right = [Float](repeating: 0, count: frames)
        var seed: UInt64 = 0x5EED
        func next() -> UInt64 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return seed >> 33
        }
        var frame = 0
        while frame < frames {
            let syllable = 2_000 + Int(next() % 9_000)
            for k in frame..<min(frames, frame + syllable) {
                let value = Float(Int(next() % 2_001) - 1_000) / 5_000  // ±0.2, often under the threshold
                left[k] = value
                right[k] = k % 7 == 0 ? -value : value * 0.5
            }
            frame += syllable
            // A gap: mostly a short one between words, sometimes a pause longer than hold and release.
            frame += next() % 5 == 0 ? 60_000 + Int(next() % 90_000) : Int(next() % 20_000)
        }
        return (left, right)
    }

    @Test("every shortcut leaves exactly the gains of the frame-by-frame rule, whatever the block sizes")
    func shortcutsEqualTheRule() {
        let frames = 48_000 * 60
        let (left, right) = Self.voice(frames: frames)
        let settings = Ducking(
            depth: 0.316, attack: 14_400, hold: 28_800, release: 38_400, threshold: 0.01,
            windows: [0..<4_800, 700_000..<714_400, 1_500_000..<1_530_000, 2_800_000..<2_900_000])
        var reference = Reference(settings: settings)
        let expected = (0..<frames).map { reference.gain(left: left[$0], right: right[$0], frame: $0) }
        #expect(expected.contains(1) && expected.contains(settings.depth), "the voice moves the gain both ways")

        for blocks in [[64], [256, 1_000, 7, 4_096], [48_000]] {
            var ducker = Ducker(settings)
            var gains = [Float](repeating: -1, count: frames)
            var start = 0
            var index = 0
            left.withUnsafeBufferPointer { l in
                right.withUnsafeBufferPointer { r in
                    gains.withUnsafeMutableBufferPointer { g in
                        while start < frames {
                            let count = min(blocks[index % blocks.count], frames - start)
                            index += 1
                            ducker.gains(
                                voiceLeft: l.baseAddress! + start, voiceRight: r.baseAddress! + start, frames: count,
                                from: start, into: g.baseAddress! + start)
                            start += count
                        }
                    }
                }
            }
            let first = gains.indices.first { gains[$0] != expected[$0] }
            #expect(first == nil, "blocks \(blocks): first difference at frame \(first ?? -1)")
        }
    }
}
