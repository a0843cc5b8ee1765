import Mixer
import SessionKit

#if canImport(Glibc)
import Glibc
#endif

/// Translates a ``Timeline`` (SessionKit's words) into the ``Mixer``'s schedule and the
/// streamer's jobs. Pure: the same timeline gives the same plan.
public enum MixPlan {
    /// - Parameter paths: absolute file for every media the timeline uses.
    public static func make(timeline: Timeline, paths: [Media: String]) -> (Schedule, [[StreamJob]]) {
        var voices: [VoiceEvent] = []
        var jobs: [[StreamJob]] = []
        var slotFree: [Int] = []  // frame after which each slot is free
        for sound in timeline.sounds {
            let source: VoiceSource
            switch sound.source {
            case .media(let media, let loop):
                guard let path = paths[media] else { continue }
                // Greedy interval colouring: reuse the slot that has been free the longest.
                let slot: Int
                if let free = slotFree.indices.filter({ slotFree[$0] <= sound.start }).min(by: { slotFree[$0] < slotFree[$1] }) {
                    slot = free
                } else {
                    slot = slotFree.count
                    slotFree.append(0)
                    jobs.append([])
                }
                slotFree[slot] = sound.end
                jobs[slot].append(StreamJob(path: path, frames: sound.length, loop: loop))
                source = .stream(slot: slot)
            case .builtin(let builtin, let ratio):
                source = .generator(generator(builtin, pitchRatio: Float(ratio)))
            case .breath(let inhale, let hold, let exhale):
                source = .generator(.swell(inhale: inhale, hold: hold, exhale: exhale))
            }
            voices.append(
                VoiceEvent(
                    start: sound.start, length: sound.length, source: source, bus: bus(sound.bus),
                    gain: linear(sound.gain), fadeIn: sound.fadeIn, fadeOut: sound.fadeOut))
        }
        let ramps = timeline.ducking.map {
            BusRamp(frame: $0.frame, bus: .music, target: linear($0.gain), duration: $0.duration)
        }
        return (Schedule(length: timeline.duration, voices: voices, ramps: ramps), jobs)
    }

    /// The mixer's generator for a built-in sound, at its natural pitch times `pitchRatio`.
    static func generator(_ sound: BuiltinSound, pitchRatio: Float) -> Generator {
        switch sound {
        case .bell: .bell(pitch: 587.3 * pitchRatio)  // D5 nominal: hum on D4
        case .chime: .chime(pitch: 1_174.7 * pitchRatio)  // D6
        case .bowl: .bowl(pitch: 196 * pitchRatio)  // G3
        case .tone: .tone(pitch: 392 * pitchRatio)  // G4
        case .drone: .drone(root: 98 * pitchRatio)  // G2
        case .ocean: .ocean
        }
    }

    static func bus(_ bus: ScheduledSound.Bus) -> Bus {
        switch bus {
        case .voice: .voice
        case .music: .music
        case .cues: .cues
        }
    }

    /// dB → linear gain, clamped to the mixer's 0…4.
    static func linear(_ decibels: Double) -> Float {
        Float(min(4, pow(10, decibels / 20)))
    }
}
