import Mixer
import SessionKit

#if canImport(Glibc)
    import Glibc
#endif

/// Translates a ``Timeline`` (SessionKit's words) into the ``Mixer``'s schedule and the
/// streamer's jobs. Pure: the same timeline gives the same plan.
public enum MixPlan {
    /// Voice-bus level above which narration counts as sounding, dBFS.
    public static let duckThreshold = -40.0
    /// Every session fades in over this long, whatever its sources do, seconds.
    public static let sessionFadeInSeconds = 2.0

    /// Cues from files up to this long (seconds) are held in memory instead of streamed.
    public static let inMemorySeconds = 20
    /// All the cues held in memory together take at most this many seconds of stereo audio at the engine rate
    /// (16 s is 5.9 MiB at 48 kHz); past it, cues stream like music, so a session with hundreds of distinct cue
    /// files plays in the same memory as one with a few.
    public static let inMemoryBudgetSeconds = 16

    /// - Parameter paths: absolute file for every media the timeline uses.
    /// - Returns: the schedule; per stream slot, the jobs the streamer decodes; and the short
    ///   sounds to decode into memory, indexed as the schedule's `.buffer(index:)` voices use them.
    ///   - normalisation: dB added to each sound's own gain to bring it to its bus's loudness target.
    public static func make(
        timeline: Timeline, paths: [Media: String], normalisation: (ScheduledSound) -> Double = { _ in 0 }
    ) -> (schedule: Schedule, jobs: [[StreamJob]], buffers: [StreamJob]) {
        var planner = Planner(sampleRate: timeline.sampleRate)
        let batch = planner.add(timeline.sounds, paths: paths, normalisation: normalisation)
        var jobs: [[StreamJob]] = Array(repeating: [], count: planner.slotCount)
        for (slot, job) in batch.jobs { jobs[slot].append(job) }
        let schedule = Schedule(
            length: timeline.duration, voices: batch.voices, ducking: ducking(timeline.ducking),
            fadeIn: fadeInFrames(sampleRate: timeline.sampleRate))
        return (schedule, jobs, batch.buffers)
    }

    /// The mixer's ducking for a timeline's plan.
    static func ducking(_ plan: DuckPlan?) -> Ducking? {
        plan.map {
            Ducking(
                depth: linear(-$0.depth), attack: $0.attack, hold: $0.hold, release: $0.release,
                threshold: linear(duckThreshold), windows: $0.windows)
        }
    }

    /// The whole session's fade-in, frames at `sampleRate`.
    static func fadeInFrames(sampleRate: Int) -> Int { Int(sessionFadeInSeconds * Double(sampleRate)) }

    /// Turns sounds into voices, stream jobs and in-memory sounds, in batches: a timeline's sounds
    /// given in one batch or in several, in the same order, give the same voices, slots and
    /// buffers (slots are coloured greedily and in-memory sounds indexed in order of first use).
    /// How a session that grows while it plays is planned alike with its complete plan.
    public struct Planner: Sendable {
        public let sampleRate: Int
        private var bufferIndex: [StreamJob: Int] = [:]
        private var bufferedFrames = 0
        /// Per slot, the frame after which it is free.
        private var slotFree: [Int] = []
        /// Voices planned so far.
        public private(set) var voiceCount = 0

        public init(sampleRate: Int) { self.sampleRate = sampleRate }

        /// Stream slots used so far.
        public var slotCount: Int { slotFree.count }
        /// In-memory sounds used so far.
        public var bufferCount: Int { bufferIndex.count }

        /// One batch's plan: its voices (in the sounds' order), its jobs with their slots, the
        /// in-memory sounds it uses first (indexed after the earlier batches'), and each voice's
        /// place in the whole schedule.
        public struct Batch: Sendable {
            public var voices: [VoiceEvent] = []
            public var jobs: [(slot: Int, job: StreamJob)] = []
            public var buffers: [StreamJob] = []
        }

        /// Plans `sounds`, which come after every sound planned before. A media without a path
        /// in `paths` is left out (as the complete plan leaves it out).
        public mutating func add(
            _ sounds: [ScheduledSound], paths: [Media: String], normalisation: (ScheduledSound) -> Double
        ) -> Batch {
            var batch = Batch()
            let budget = inMemoryBudgetSeconds * sampleRate
            for sound in sounds {
                let source: VoiceSource
                switch sound.source {
                case .media(let media, let loop):
                    guard let path = paths[media] else { continue }
                    let job = StreamJob(path: path, frames: sound.length, loop: false)
                    if sound.bus == .cues && !loop && sound.length <= inMemorySeconds * sampleRate
                        && (bufferIndex[job] != nil || bufferedFrames + sound.length <= budget)
                    {
                        // A short cue: decoded once, held in memory, shared by every use of it.
                        let index = bufferIndex[job] ?? bufferIndex.count
                        if bufferIndex[job] == nil {
                            batch.buffers.append(job)
                            bufferIndex[job] = index
                            bufferedFrames += sound.length
                        }
                        source = .buffer(index: index)
                    } else {
                        // Greedy interval colouring: reuse the slot that has been free the longest.
                        let slot: Int
                        if let free = slotFree.indices.filter({ slotFree[$0] <= sound.start }).min(by: {
                            slotFree[$0] < slotFree[$1]
                        }) {
                            slot = free
                        } else {
                            slot = slotFree.count
                            slotFree.append(0)
                        }
                        slotFree[slot] = sound.end
                        batch.jobs.append(
                            (slot, StreamJob(path: path, frames: sound.length, loop: loop, start: sound.start)))
                        source = .stream(slot: slot)
                    }
                case .builtin(let builtin, let ratio):
                    source = .generator(generator(builtin, pitchRatio: Float(ratio)))
                case .breath(let inhale, let hold, let exhale):
                    source = .generator(.swell(inhale: inhale, hold: hold, exhale: exhale))
                }
                batch.voices.append(
                    VoiceEvent(
                        start: sound.start, length: sound.length, source: source, bus: bus(sound.bus),
                        gain: linear(sound.gain + normalisation(sound)), fadeIn: sound.fadeIn,
                        fadeOut: sound.fadeOut))
                voiceCount += 1
            }
            return batch
        }
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
        case .rain: .rain
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
