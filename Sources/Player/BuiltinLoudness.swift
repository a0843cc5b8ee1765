import AudioIO
import Mixer
import SessionKit

/// The integrated loudness of each built-in sound at 0 dB gain, so built-ins are normalised
/// exactly like files.
///
/// The generators are deterministic, so their loudness is a property of the code: it is kept here
/// as a table rather than measured in every process (rendering and metering them took about a
/// tenth of a second, before the first frame could play). `BuiltinLoudnessTests` renders each one
/// through the mixer, meters it with libebur128, and fails with the new figure when a generator
/// changes and the table has not.
enum BuiltinLoudness {
    /// LUFS at 0 dB gain, by ``BuiltinSound`` raw value, plus `breath` for the pacer.
    static let table: [String: Double] = [
        "bell": -21.6178,
        "chime": -19.6421,
        "bowl": -21.5468,
        "tone": -6.6669,
        "drone": -12.8854,
        "ocean": -19.9473,
        "rain": -26.2153,
        "breath": -19.8768,
    ]

    /// LUFS of `sound` at 0 dB gain.
    static func integrated(_ sound: BuiltinSound) -> Double {
        table[sound.rawValue] ?? measure(sound)
    }

    /// LUFS of the breathing pacer's swell for a 4 s in, 6 s out breath.
    static func breath() -> Double {
        table["breath"] ?? measureBreath()
    }

    /// Measures `sound` as the table's figure was measured: rendered through the mixer at 48 kHz
    /// (a bed for 20 s, a cue for its natural length) and metered with libebur128.
    static func measure(_ sound: BuiltinSound) -> Double {
        let seconds = sound.isBed ? 20 : sound.naturalSeconds
        return measure(seconds: seconds, generator: MixPlan.generator(sound, pitchRatio: 1))
    }

    /// Measures the pacer's swell for a 4 s in, 6 s out breath.
    static func measureBreath() -> Double {
        let rate = 48_000
        return measure(seconds: 10, generator: .swell(inhale: 4 * rate, hold: 0, exhale: 6 * rate))
    }

    private static func measure(seconds: Double, generator: Generator) -> Double {
        let rate = 48_000
        let frames = Int(seconds * Double(rate))
        let mixer = Mixer(
            schedule: Schedule(
                length: frames,
                voices: [VoiceEvent(start: 0, length: frames, source: .generator(generator), bus: .cues)]),
            sampleRate: rate)
        var samples = [Float](repeating: 0, count: frames * 2)
        samples.withUnsafeMutableBufferPointer { buffer in
            if let base = buffer.baseAddress { mixer.render(interleavedInto: base, frames: frames) }
        }
        let loudness = samples.withUnsafeBufferPointer {
            try? LoudnessMeter.measure(interleaved: $0, channels: 2, sampleRate: rate)
        }
        return loudness?.integrated ?? -Double.infinity
    }
}
