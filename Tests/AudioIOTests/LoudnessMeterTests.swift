import Foundation
import Testing

@testable import AudioIO

/// EBU Tech 3341's minimum requirements, generated in the test as the document describes the signals, plus the meter's
/// own contract (file streaming, mono, silence, errors).
@Suite("LoudnessMeter")
struct LoudnessMeterTests {
    typealias Segment = LoudnessTestSignals.Segment

    /// One EBU Tech 3341 integrated-loudness case: a stereo 1 kHz sine at 48 kHz whose level steps through segments.
    struct IntegratedCase: Sendable, CustomTestStringConvertible {
        let number: Int
        let segments: [(level: Double, seconds: Double)]
        let expected: Double

        var testDescription: String {
            let levels = segments.map { "\($0.level) dBFS \($0.seconds) s" }.joined(separator: ", ")
            return "Tech 3341 case \(number): \(levels) → \(expected) LUFS"
        }
    }

    static let integratedCases: [IntegratedCase] = [
        IntegratedCase(number: 1, segments: [(-23, 20)], expected: -23),
        IntegratedCase(number: 2, segments: [(-33, 20)], expected: -33),
        IntegratedCase(number: 3, segments: [(-36, 10), (-23, 60), (-36, 10)], expected: -23),
        IntegratedCase(number: 4, segments: [(-72, 10), (-36, 10), (-23, 60), (-36, 10), (-72, 10)], expected: -23),
        IntegratedCase(number: 5, segments: [(-26, 20), (-20, 20.1), (-26, 20)], expected: -23),
    ]

    @Test("integrated loudness is within ±0.1 LU", arguments: integratedCases)
    func integrated(_ testCase: IntegratedCase) throws {
        let segments = testCase.segments.map { Segment(level: $0.level, seconds: $0.seconds) }
        let signal = LoudnessTestSignals.sine(frequency: 1000, segments: segments)
        let loudness = try LoudnessTestSignals.measure(signal)
        print("Tech 3341 case \(testCase.number): \(loudness.integrated) LUFS, expected \(testCase.expected)")
        #expect(abs(loudness.integrated - testCase.expected) <= 0.1, "integrated \(loudness.integrated) LUFS")
        let loudest = segments.map(\.level).max() ?? 0
        #expect(abs(loudness.samplePeak - loudest) <= 0.01, "sample peak \(loudness.samplePeak) dBFS")
        // A 1 kHz sine at 48 kHz has 48 samples a cycle: its true peak is its sample peak, within a hair.
        #expect(abs(loudness.truePeak - loudest) <= 0.05, "true peak \(loudness.truePeak) dBTP")
        let seconds = segments.reduce(0) { $0 + $1.seconds }
        #expect(abs(loudness.duration - seconds) < 1e-9)

        // An integrated-only meter (the programme measurement's) reads the same, to the last bits of a double
        // (libebur128 sums in another order), and has no peaks to give.
        let only = try LoudnessAccumulator(channels: 2, sampleRate: 48_000, scope: .integratedOnly)
        try signal.withUnsafeBufferPointer { try only.add($0.baseAddress!, frames: signal.count / 2) }
        let integratedOnly = try only.integrated()
        #expect(abs(integratedOnly - loudness.integrated) < 1e-9, "\(integratedOnly) vs \(loudness.integrated)")
        #expect(throws: LoudnessError.self) { try only.result() }
    }

    /// One EBU Tech 3341 true-peak case: a stereo sine at 48 kHz whose samples miss its peaks.
    struct TruePeakCase: Sendable, CustomTestStringConvertible {
        let number: Int
        /// Hz: fs/4, fs/6 or fs/8 at 48 kHz.
        let frequency: Double
        /// Peak amplitude, linear (0.5 is -6.02 dBFS).
        let amplitude: Double
        /// Phase of the first sample, degrees.
        let phase: Double
        /// dBTP, to be met within +0.2/−0.4 dB.
        let expected: Double

        var testDescription: String {
            "Tech 3341 case \(number): \(frequency) Hz, amplitude \(amplitude), \(phase)° → \(expected) dBTP"
        }
    }

    static let truePeakCases: [TruePeakCase] = [
        TruePeakCase(number: 15, frequency: 12_000, amplitude: 0.5, phase: 0, expected: -6),
        TruePeakCase(number: 16, frequency: 12_000, amplitude: 0.5, phase: 45, expected: -6),
        TruePeakCase(number: 17, frequency: 8_000, amplitude: 0.5, phase: 60, expected: -6),
        TruePeakCase(number: 18, frequency: 6_000, amplitude: 0.5, phase: 67.5, expected: -6),
        TruePeakCase(number: 19, frequency: 12_000, amplitude: 1.41, phase: 45, expected: 3),
    ]

    @Test("true peak is within +0.2/−0.4 dB", arguments: truePeakCases)
    func truePeak(_ testCase: TruePeakCase) throws {
        let level = 20 * log10(testCase.amplitude)
        // 3341's signals are steady tones. A tone switched on or off abruptly really does overshoot between samples
        // (see `abruptOnsetOvershoots`), by up to 0.65 dB at fs/8, so the ends are faded over 10 ms, leaving the
        // steady tone's peak to be measured.
        let signal = LoudnessTestSignals.sine(
            frequency: testCase.frequency, segments: [Segment(level: level, seconds: 3)], phase: testCase.phase,
            fade: 0.010)
        let loudness = try LoudnessTestSignals.measure(signal)
        print(
            "Tech 3341 case \(testCase.number): true peak \(loudness.truePeak) dBTP, expected \(testCase.expected); "
                + "sample peak \(loudness.samplePeak) dBFS")
        #expect(loudness.truePeak >= testCase.expected - 0.4, "true peak \(loudness.truePeak) dBTP")
        #expect(loudness.truePeak <= testCase.expected + 0.2, "true peak \(loudness.truePeak) dBTP")
        // The samples themselves: the largest |sin| over one period, at the case's phase.
        let period = Int(48_000 / testCase.frequency)
        var largest = 0.0
        for index in 0..<period {
            let degrees: Double = testCase.phase + 360 * Double(index) / Double(period)
            largest = max(largest, abs(sin(degrees * Double.pi / 180)))
        }
        let expectedSamplePeak = 20 * log10(testCase.amplitude * largest)
        #expect(abs(loudness.samplePeak - expectedSamplePeak) <= 0.01, "sample peak \(loudness.samplePeak) dBFS")
    }

    @Test("a tone switched on abruptly overshoots between samples, and the true peak shows it")
    func abruptOnsetOvershoots() throws {
        // Case 18's tone without a fade: its first sample jumps from silence to 0.46, and the reconstructed
        // waveform rings above the tone's 0.5 peak, as a DAC's would. This is why Respite ramps every start.
        let signal = LoudnessTestSignals.sine(
            frequency: 6_000, segments: [Segment(level: 20 * log10(0.5), seconds: 3)], phase: 67.5)
        let loudness = try LoudnessTestSignals.measure(signal)
        #expect(loudness.truePeak > -5.8, "true peak \(loudness.truePeak) dBTP")
        #expect(loudness.samplePeak < -6.6, "sample peak \(loudness.samplePeak) dBFS")
    }

    @Test("a file streamed in blocks measures as the same samples in memory")
    func fileRoundTrip() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("programme.wav")
        // 12.345 s, not a whole number of read blocks, with the level moving so gating and range have work to do.
        let segments = [
            Segment(level: -30, seconds: 4), Segment(level: -18, seconds: 4.345), Segment(level: -40, seconds: 4),
        ]
        let signal = LoudnessTestSignals.sine(frequency: 1000, segments: segments)
        try LoudnessTestSignals.write(signal, to: path)

        let inMemory = try LoudnessTestSignals.measure(signal)
        let fromFile = try LoudnessMeter.measure(file: path)
        #expect(abs(fromFile.integrated - inMemory.integrated) <= 0.01, "\(fromFile) vs \(inMemory)")
        #expect(abs(fromFile.range - inMemory.range) <= 0.01)
        #expect(abs(fromFile.truePeak - inMemory.truePeak) <= 0.01)
        #expect(abs(fromFile.samplePeak - inMemory.samplePeak) <= 0.01)
        #expect(fromFile.duration == 12.345)
        #expect(inMemory.range > 1, "a 22 dB swing has a loudness range, got \(inMemory.range) LU")
    }

    @Test("mono is measured as dual mono, like the same signal on both channels")
    func monoIsDualMono() throws {
        let segments = [Segment(level: -23, seconds: 5)]
        let mono = try LoudnessTestSignals.measure(
            LoudnessTestSignals.sine(frequency: 1000, segments: segments, channels: 1), channels: 1)
        let stereo = try LoudnessTestSignals.measure(LoudnessTestSignals.sine(frequency: 1000, segments: segments))
        #expect(abs(mono.integrated - stereo.integrated) <= 0.01, "mono \(mono), stereo \(stereo)")
        #expect(abs(mono.integrated - -23) <= 0.1)
    }

    @Test("silence has no integrated loudness and no peak, and does not crash")
    func silence() throws {
        let loudness = try LoudnessTestSignals.measure([Float](repeating: 0, count: 5 * 48_000 * 2))
        #expect(loudness.integrated == -.infinity)
        #expect(loudness.truePeak == -.infinity)
        #expect(loudness.samplePeak == -.infinity)
        #expect(loudness.range == 0)
        #expect(loudness.duration == 5)

        let empty = try LoudnessTestSignals.measure([])
        #expect(
            empty
                == Loudness(
                    integrated: -.infinity, truePeak: -.infinity, samplePeak: -.infinity, range: 0,
                    duration: 0))
    }

    @Test("bad input is refused with the call, the place and what to do")
    func errors() throws {
        #expect(throws: LoudnessError.self) { try LoudnessTestSignals.measure([0, 0], channels: 0) }
        #expect(throws: LoudnessError.self) { try LoudnessTestSignals.measure([0, 0], channels: 2, sampleRate: 8) }
        #expect(throws: LoudnessError.self) { try LoudnessTestSignals.measure([0, 0, 0], channels: 2) }

        var samples = [Float](repeating: 0.1, count: 48_000 * 2)
        samples[24_000 * 2 + 1] = .nan
        let error = try #require(throws: LoudnessError.self) { try LoudnessTestSignals.measure(samples) }
        #expect(error.call == "ebur128_add_frames_float")
        #expect(error.description.contains("channel 2"), "\(error)")
        #expect(error.description.contains("0.500 s"), "\(error)")

        #expect(throws: AudioFileError.self) { try LoudnessMeter.measure(file: "/nonexistent/respite.wav") }
    }

    @Test("Codable writes -infinity as null and reads it back")
    func codable() throws {
        let silence = Loudness(
            integrated: -.infinity, truePeak: -.infinity, samplePeak: -.infinity, range: 0,
            duration: 1.5)
        let json = String(decoding: try JSONEncoder().encode(silence), as: UTF8.self)
        #expect(json.contains("\"integrated\":null"), "\(json)")
        #expect(try JSONDecoder().decode(Loudness.self, from: Data(json.utf8)) == silence)

        let music = Loudness(
            integrated: -23.0123456789, truePeak: -1.25, samplePeak: -1.5, range: 7.75,
            duration: 1800.02)
        #expect(try JSONDecoder().decode(Loudness.self, from: JSONEncoder().encode(music)) == music)

        let truncated = Data(#"{"truePeak":-1,"samplePeak":-1,"range":0,"duration":1}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Loudness.self, from: truncated) }
    }
}
