import AudioIO
import Foundation
import Mixer
import SessionKit

/// The integrated loudness of each built-in sound at 0 dB gain, measured once per process by
/// rendering it through the mixer and metering it with libebur128, so built-ins are normalised
/// exactly like files.
enum BuiltinLoudness {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var measured: [String: Double] = [:]

    /// LUFS of `sound` at 0 dB gain.
    static func integrated(_ sound: BuiltinSound) -> Double {
        let seconds = sound.isBed ? 20 : sound.naturalSeconds
        return measure(key: sound.rawValue, seconds: seconds, generator: MixPlan.generator(sound, pitchRatio: 1))
    }

    /// LUFS of the breathing pacer's swell for a 4 s in, 6 s out breath.
    static func breath() -> Double {
        let rate = 48_000
        return measure(key: "breath", seconds: 10, generator: .swell(inhale: 4 * rate, hold: 0, exhale: 6 * rate))
    }

    private static func measure(key: String, seconds: Double, generator: Generator) -> Double {
        lock.lock()
        if let known = measured[key] {
            lock.unlock()
            return known
        }
        lock.unlock()
        let rate = 48_000
        let frames = Int(seconds * Double(rate))
        let mixer = Mixer(
            schedule: Schedule(
                length: frames, voices: [VoiceEvent(start: 0, length: frames, source: .generator(generator), bus: .cues)]),
            sampleRate: rate)
        var samples = [Float](repeating: 0, count: frames * 2)
        samples.withUnsafeMutableBufferPointer { buffer in
            if let base = buffer.baseAddress { mixer.render(interleavedInto: base, frames: frames) }
        }
        let loudness = samples.withUnsafeBufferPointer {
            try? LoudnessMeter.measure(interleaved: $0, channels: 2, sampleRate: rate)
        }
        let value = loudness?.integrated ?? -Double.infinity
        lock.lock()
        measured[key] = value
        lock.unlock()
        return value
    }
}
