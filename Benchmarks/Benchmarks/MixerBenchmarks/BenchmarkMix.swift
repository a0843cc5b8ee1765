#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Mixer

/// The mix the render benchmarks play: a session-like schedule in which exactly `voices` voices sound
/// at every frame, for ten minutes, far longer than any benchmark renders.
///
/// Each voice is a *lane*: one kind of sound repeated back to back (a narration sentence after
/// another, a bell every 9 s…), so the voice count never dips between cues. Lanes start at staggered
/// phases, so voices end and start in different periods, as they do in a session. The first lanes
/// are what every session has; more voices add cues at other pitches, the stress case of many
/// overlapping bells and chimes:
///
/// | lanes | what | source | bus |
/// |---|---|---|---|
/// | 1 | narration, 5 s sentences | stream ring 0 | voice |
/// | 2 | music bed, the whole session | stream ring 1 | music |
/// | 3 | `ocean` bed | generator | music |
/// | 4 | `swell` breathing pacer (4 s in, 1 s hold, 5 s out) | generator | cues |
/// | 5–6 | `bell` (9 s), `chime` (4 s) | generator | cues |
/// | 7 | a recorded cue, 3 s | `SampleBuffer` 0 | cues |
/// | 8 | `bowl` (14 s) | generator | cues |
/// | 9–11 | `tone` (1.2 s), `drone` bed, `rain` bed | generator | cues, music, music |
/// | 12 | a recorded narration clip, 20 s | `SampleBuffer` 1 | voice |
/// | 13–32 | bell, chime, bowl, tone, swell and the recorded cue in turn, at other pitches | both | cues |
///
/// So 1 voice is narration alone (the fixed cost: ducker, bus mix, master, true-peak limiter);
/// 8 voices are a busy moment of a real session (narration over a streamed bed and the ocean, a
/// breathing pacer, a bell, a chime, a recorded cue and a bowl); 32 voices hold every kind of source.
///
/// Around the voices, everything a session's schedule has: the music bus is ducked under the voice
/// bus (`Ducking` as `MixPlan` sets it: -10 dB, 0.3 s attack with a window before each sentence,
/// 0.6 s hold, 0.8 s release, -40 dBFS threshold), the music bus also follows a ramp every 4 s, the
/// session fades in over 2 s, a loudness trim applies, and the default true-peak limiter (-1 dBTP)
/// runs on the master.
enum BenchmarkMix {
    /// Engine rate, Hz.
    static let rate = 48_000
    /// Length of the schedule: ten minutes, far more than warm-up plus the most iterations render.
    static let length = 10 * 60 * rate
    /// Frames the loader writes into a ring at a time (the streamer's chunk).
    static let chunkFrames = 4_096
    /// Frames each stream ring holds, as Respite's streamer allocates them (2¹⁶, about 1.4 s).
    static let ringFrames = 1 << 16

    /// One kind of sound, repeated back to back so that one voice of it always sounds.
    struct Lane {
        var source: VoiceSource
        var bus: Bus
        /// Linear gain.
        var gain: Float
        /// Seconds per voice; nil for a bed that lasts the whole session.
        var seconds: Double?
        var fadeIn: Int
        var fadeOut: Int
    }

    /// The first `voices` lanes of the table in the type's description.
    static func lanes(_ voices: Int) -> [Lane] {
        // Fades as the compiler writes them: 10 ms for speech, 50 ms at a cue's end, 4 s and 6 s for a bed.
        func speech(_ source: VoiceSource, _ gain: Float, seconds: Double) -> Lane {
            Lane(source: source, bus: .voice, gain: gain, seconds: seconds, fadeIn: rate / 100, fadeOut: rate / 100)
        }
        func bed(_ source: VoiceSource, _ gain: Float) -> Lane {
            Lane(source: source, bus: .music, gain: gain, seconds: nil, fadeIn: 4 * rate, fadeOut: 6 * rate)
        }
        func cue(_ source: VoiceSource, _ gain: Float, seconds: Double) -> Lane {
            Lane(source: source, bus: .cues, gain: gain, seconds: seconds, fadeIn: 0, fadeOut: rate / 20)
        }
        let breath = VoiceSource.generator(.swell(inhale: 4 * rate, hold: rate, exhale: 5 * rate))
        var lanes = [
            speech(.stream(slot: 0), 1, seconds: 5),
            bed(.stream(slot: 1), 0.5),
            bed(.generator(.ocean), 0.3),
            cue(breath, 0.6, seconds: 10),
            cue(.generator(.bell(pitch: 587.3)), 0.5, seconds: 9),
            cue(.generator(.chime(pitch: 1_174.7)), 0.5, seconds: 4),
            cue(.buffer(index: 0), 0.5, seconds: 3),
            cue(.generator(.bowl(pitch: 196)), 0.5, seconds: 14),
            cue(.generator(.tone(pitch: 392)), 0.4, seconds: 1.2),
            bed(.generator(.drone(root: 98)), 0.3),
            bed(.generator(.rain), 0.3),
            speech(.buffer(index: 1), 0.8, seconds: 20),
        ]
        var extra = 0
        while lanes.count < voices {
            // Semitones around the natural pitch: -3 … +3.
            let ratio = Float(exp2(Double(extra % 7 - 3) / 12))
            switch extra % 6 {
            case 0: lanes.append(cue(.generator(.bell(pitch: 587.3 * ratio)), 0.3, seconds: 9))
            case 1: lanes.append(cue(.generator(.chime(pitch: 1_174.7 * ratio)), 0.3, seconds: 4))
            case 2: lanes.append(cue(.generator(.bowl(pitch: 196 * ratio)), 0.3, seconds: 14))
            case 3: lanes.append(cue(.generator(.tone(pitch: 392 * ratio)), 0.3, seconds: 1.2))
            case 4: lanes.append(cue(breath, 0.3, seconds: 10))
            default: lanes.append(cue(.buffer(index: 0), 0.3, seconds: 3))
            }
            extra += 1
        }
        return Array(lanes.prefix(voices))
    }

    /// The schedule for `voices` simultaneous voices (1…64).
    static func schedule(voices: Int) -> Schedule {
        var events: [VoiceEvent] = []
        var sentenceStarts: [Int] = []
        for (index, lane) in lanes(voices).enumerated() {
            let voiceLength = lane.seconds.map { Int($0 * Double(rate)) } ?? length
            // Staggered: the first voice of each lane is cut short by a different amount.
            let phase = lane.seconds == nil ? 0 : (index * 7_919 * 13) % voiceLength
            var start = 0
            var next = voiceLength - phase
            while start < length {
                let count = min(next, length - start)
                events.append(
                    VoiceEvent(
                        start: start, length: count, source: lane.source, bus: lane.bus, gain: lane.gain,
                        fadeIn: lane.fadeIn, fadeOut: lane.fadeOut))
                if lane.bus == .voice { sentenceStarts.append(start) }
                start += count
                next = voiceLength
            }
        }
        let attack = rate * 3 / 10
        let ducking = Ducking(
            depth: 0.316, attack: attack, hold: rate * 6 / 10, release: rate * 8 / 10, threshold: 0.01,
            windows: sentenceStarts.map { max(0, $0 - attack)..<$0 })
        var schedule = Schedule(length: length, voices: events, ducking: ducking, fadeIn: 2 * rate)
        schedule.trim = 0.8
        return schedule
    }

    // MARK: - Material

    /// `frames` frames of narration-like sound, interleaved stereo: a voiced buzz on 140 Hz with eight
    /// harmonics, in 4 Hz syllables, 2.5 s phrases and 0.7 s breaths between them.
    static func narration(frames: Int) -> [Float] {
        var samples = [Float](repeating: 0, count: frames * 2)
        let phrase = rate * 32 / 10
        for n in 0..<frames {
            let t = Double(n) / Double(rate)
            let inPhrase = n % phrase < rate * 25 / 10
            let syllable = sin(Double.pi * 4 * t)
            var voiced = 0.0
            for k in 1...8 { voiced += sin(2 * Double.pi * 140 * Double(k) * t) / Double(k) }
            let value = inPhrase ? Float(0.2 * voiced * syllable * syllable) : 0
            samples[2 * n] = value
            samples[2 * n + 1] = value
        }
        return samples
    }

    /// `frames` frames of music-like sound, interleaved stereo: a slowly swaying G major chord, its sides a
    /// little apart.
    static func music(frames: Int) -> [Float] {
        var samples = [Float](repeating: 0, count: frames * 2)
        let pitches = [98.0, 146.8, 196.0, 246.9, 293.7]
        for n in 0..<frames {
            let t = Double(n) / Double(rate)
            var left = 0.0
            var right = 0.0
            for (k, pitch) in pitches.enumerated() {
                let sway = 0.5 + 0.5 * sin(2 * Double.pi * 0.1 * t + Double(k))
                left += sway * sin(2 * Double.pi * pitch * t)
                right += sway * sin(2 * Double.pi * pitch * 1.002 * t + 0.3)
            }
            samples[2 * n] = Float(0.06 * left)
            samples[2 * n + 1] = Float(0.06 * right)
        }
        return samples
    }

    /// A recorded cue: three seconds of a struck, decaying inharmonic sound, interleaved stereo.
    static func recordedCue() -> [Float] {
        let frames = 3 * rate
        var samples = [Float](repeating: 0, count: frames * 2)
        let partials = [(880.0, 1.0), (2_428.8, 0.5), (4_752.0, 0.25)]
        for n in 0..<frames {
            let t = Double(n) / Double(rate)
            var value = 0.0
            for p in 0..<partials.count {
                value += partials[p].1 * exp(-t * Double(p + 1) * 1.5) * sin(2 * Double.pi * partials[p].0 * t)
            }
            samples[2 * n] = Float(0.3 * value)
            samples[2 * n + 1] = Float(0.28 * value)
        }
        return samples
    }
}
