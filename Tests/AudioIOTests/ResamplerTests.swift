import Testing

@testable import AudioIO

@Suite("StreamResampler")
struct ResamplerTests {
    /// Streams `input` through `resampler` in blocks of varying size, then flushes; returns everything produced.
    static func stream(_ input: [Float], through resampler: StreamResampler, channels: Int) -> [Float] {
        let blockSizes = [1, 7, 256, 1000, 4096, 33]
        var output: [Float] = []
        var scratch = [Float](repeating: 0, count: 2048 * channels)
        var offset = 0
        var block = 0
        let frames = input.count / channels
        input.withUnsafeBufferPointer { source in
            scratch.withUnsafeMutableBufferPointer { target in
                while offset < frames {
                    let count = min(blockSizes[block % blockSizes.count], frames - offset)
                    block += 1
                    var fed = 0
                    while fed < count {  // a small output buffer may take several calls per block
                        let (consumed, produced) = resampler.process(
                            input: source.baseAddress! + (offset + fed) * channels, inputFrames: count - fed,
                            output: target.baseAddress!, outputCapacity: 2048)
                        fed += consumed
                        output.append(contentsOf: target[0..<(produced * channels)])
                    }
                    offset += count
                }
                while true {
                    let (_, produced) = resampler.process(
                        input: nil, inputFrames: 0, output: target.baseAddress!, outputCapacity: 2048)
                    if produced == 0 { break }
                    output.append(contentsOf: target[0..<(produced * channels)])
                }
            }
        }
        return output
    }

    @Test("a 1 kHz sine at 22050 Hz keeps its frequency, level and length at 48000 Hz")
    func sine22050To48000() throws {
        let inFrames = 22_050 * 2
        let sine = Signal.sine(frequency: 1000, sampleRate: 22_050, frames: inFrames, amplitude: 0.5)
        let resampler = try StreamResampler(inputRate: 22_050, outputRate: 48_000, channels: 1)
        let output = Self.stream(sine, through: resampler, channels: 1)

        let expected = Int((Double(inFrames) * 48_000 / 22_050).rounded())
        #expect(abs(output.count - expected) <= 2, "got \(output.count), expected \(expected)")

        let middle = output[4800..<(output.count - 4800)]
        let frequency = Signal.frequencyByZeroCrossings(middle, sampleRate: 48_000)
        #expect(abs(frequency - 1000) < 0.05, "frequency \(frequency)")
        let level = Signal.amplitude(at: 1000, in: output[4800..<(4800 + 48_000)], sampleRate: 48_000)
        #expect(abs(Signal.decibels(level / 0.5)) < 0.1, "level \(level)")
        #expect(abs(Signal.decibels(Signal.rms(middle) * 2.squareRoot() / 0.5)) < 0.1)
        // Aligned: soxr removes its filter delay, so the output starts on the input's phase (sin 0 = 0, rising).
        let quarterCycle = 12  // 48000 / 1000 / 4
        #expect(abs(output[quarterCycle] - 0.5) < 0.01, "output[12] = \(output[quarterCycle])")
    }

    /// RMS difference, in dB relative to full scale, between `quality`'s 22050 → 48000 Hz conversion of a 1 kHz sine
    /// at -6 dBFS and the exact sine at 48 kHz, away from the ends.
    static func conversionError(_ quality: ResamplerQuality) throws -> Double {
        let sine = Signal.sine(frequency: 1000, sampleRate: 22_050, frames: 22_050 * 2, amplitude: 0.5)
        let resampler = try StreamResampler(inputRate: 22_050, outputRate: 48_000, channels: 1, quality: quality)
        let output = Self.stream(sine, through: resampler, channels: 1)
        let exact = Signal.sine(frequency: 1000, sampleRate: 48_000, frames: output.count, amplitude: 0.5)
        let middle = 4_800..<(output.count - 4_800)
        let difference = middle.map { output[$0] - exact[$0] }
        return Signal.decibels(Signal.rms(difference[...]))
    }

    @Test("each source gets the precision it carries: 16-bit and lossy sources the 16-bit recipe, more bits 20-bit")
    func qualityMatchesTheSource() throws {
        #expect(ResamplerQuality.matching(sourceBits: 16) == .sixteenBit)
        #expect(ResamplerQuality.matching(sourceBits: 8) == .sixteenBit)
        #expect(ResamplerQuality.matching(sourceBits: nil) == .sixteenBit)
        #expect(ResamplerQuality.matching(sourceBits: 24) == .high)
        #expect(ResamplerQuality.matching(sourceBits: 53) == .high)

        // The 16-bit recipe's error lies below a 16-bit source's own quantisation noise (2^-15 / √12, -101 dBFS);
        // the 20-bit recipe's lies lower still, for sources that have more to lose.
        let sixteen = try Self.conversionError(.sixteenBit)
        let twenty = try Self.conversionError(.high)
        #expect(sixteen < -101, "16-bit recipe: \(sixteen) dBFS")
        #expect(twenty < sixteen - 10, "20-bit recipe: \(twenty) dBFS, 16-bit recipe: \(sixteen) dBFS")
    }

    @Test("stereo channels stay apart and resampleAll matches streaming")
    func stereoAndOneShot() throws {
        let left = Signal.sine(frequency: 440, sampleRate: 44_100, frames: 44_100, amplitude: 0.5)
        let right = Signal.sine(frequency: 3000, sampleRate: 44_100, frames: 44_100, amplitude: 0.25)
        let interleaved = zip(left, right).flatMap { [$0, $1] }
        let streamed = Self.stream(
            interleaved, through: try StreamResampler(inputRate: 44_100, outputRate: 48_000, channels: 2), channels: 2)
        let oneShot = try StreamResampler.resampleAll(interleaved, channels: 2, inputRate: 44_100, outputRate: 48_000)
        #expect(streamed.count == oneShot.count)
        #expect(abs(oneShot.count / 2 - 48_000) <= 2)
        let worst = zip(streamed, oneShot).map { abs($0 - $1) }.max() ?? 1
        #expect(worst < 1e-6, "block size changed the result by \(worst)")

        let outLeft = Signal.channel(0, of: oneShot, channels: 2)
        let outRight = Signal.channel(1, of: oneShot, channels: 2)
        #expect(abs(Signal.amplitude(at: 440, in: outLeft[4800..<43_200], sampleRate: 48_000) - 0.5) < 0.01)
        #expect(Signal.amplitude(at: 3000, in: outLeft[4800..<43_200], sampleRate: 48_000) < 0.001)
        #expect(abs(Signal.amplitude(at: 3000, in: outRight[4800..<43_200], sampleRate: 48_000) - 0.25) < 0.01)
        #expect(Signal.amplitude(at: 440, in: outRight[4800..<43_200], sampleRate: 48_000) < 0.001)
    }

    @Test("equal rates return the input; bad configurations are errors")
    func edges() throws {
        let input: [Float] = [0.1, 0.2, 0.3]
        #expect(try StreamResampler.resampleAll(input, channels: 1, inputRate: 48_000, outputRate: 48_000) == input)
        #expect(try StreamResampler.resampleAll([], channels: 1, inputRate: 22_050, outputRate: 48_000).isEmpty)
        #expect(throws: ResamplerError.self) { _ = try StreamResampler(inputRate: 0, outputRate: 48_000, channels: 1) }
        #expect(throws: ResamplerError.self) {
            _ = try StreamResampler(inputRate: 48_000, outputRate: 44_100, channels: 0)
        }
    }

    @Test("reset starts a fresh signal")
    func reset() throws {
        let resampler = try StreamResampler(inputRate: 22_050, outputRate: 48_000, channels: 1, quality: .medium)
        let sine = Signal.sine(frequency: 1000, sampleRate: 22_050, frames: 22_050, amplitude: 0.5)
        let first = Self.stream(sine, through: resampler, channels: 1)
        try resampler.reset()
        let second = Self.stream(sine, through: resampler, channels: 1)
        #expect(first == second)
    }
}
