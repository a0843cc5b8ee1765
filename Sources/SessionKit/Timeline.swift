/// A compiled session: every sound and every displayed event at an exact frame at the engine
/// rate, sorted, with the total duration known before a sample is rendered.
///
/// Made by ``Compiler/compile(_:parameters:sampleRate:lengths:)``; deterministic for the same
/// session, parameters, rate and media lengths.
public struct Timeline: Sendable, Equatable {
    /// Engine rate in Hz.
    public var sampleRate: Int
    /// Total length in frames; the render is exactly this long.
    public var duration: Int
    /// Rows for `respite timeline` and the player's captions, sorted by frame.
    public var entries: [Entry]
    /// What sounds, sorted by start frame (the music bed, if any, among them).
    public var sounds: [ScheduledSound]
    /// How the music gives way to narration; nil when there is no music or no narration.
    public var ducking: DuckPlan?
    /// Where each (expanded) step begins and ends, for "where am I" and skipping.
    public var steps: [StepSpan]

    /// Seconds for a frame count at this timeline's rate.
    public func seconds(_ frames: Int) -> Double { Double(frames) / Double(sampleRate) }

    /// The step sounding at `frame` (the last one when past the end), or nil if there are no steps. Steps that
    /// take no time (a choice's other scenes, a group left out without words) are never "at" a frame.
    public func step(at frame: Int) -> StepSpan? {
        let heard = steps.filter(\.isHeard)
        return heard.last { $0.start <= frame } ?? heard.first ?? steps.first
    }

    /// One displayed event.
    public struct Entry: Sendable, Equatable {
        /// Frame at which it happens.
        public var frame: Int
        /// How long it lasts in frames (0 for instants such as a cue).
        public var length: Int
        /// Index into ``Timeline/steps``.
        public var step: Int
        public var kind: Kind
        /// Words spoken (captions), or a short description.
        public var text: String

        public init(frame: Int, length: Int, step: Int, kind: Kind, text: String) {
            self.frame = frame
            self.length = length
            self.step = step
            self.kind = kind
            self.text = text
        }
    }

    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case narration, silence, bell, cue, tense, release, relax, rest, breathing, inhale, hold, exhale, music
    }
}

/// A step's place in time.
public struct StepSpan: Sendable, Equatable {
    /// 1-based position in the expanded step list.
    public var number: Int
    /// Where it was written in the file (`steps[3]`).
    public var path: String
    /// A short name: the step's label, or one made from its kind and content.
    public var title: String
    public var start: Int
    public var end: Int
    /// For breathing steps: the cycle's phases in frames (in, hold, out, rest), for a pacer display.
    public var breath: BreathPattern?

    /// False for a step that takes no time: one a choice leaves out, or a PMR group left out without words. It
    /// keeps its number, so numbers mean the same whatever is chosen, but is never announced or landed on.
    public var isHeard: Bool { end > start }

    public init(number: Int, path: String, title: String, start: Int, end: Int, breath: BreathPattern? = nil) {
        self.number = number
        self.path = path
        self.title = title
        self.start = start
        self.end = end
        self.breath = breath
    }
}

/// One breathing cycle in frames.
public struct BreathPattern: Sendable, Equatable {
    public var inhale: Int
    public var hold: Int
    public var exhale: Int
    public var rest: Int
    public var cycles: Int
    /// Where the first cycle starts.
    public var firstCycle: Int

    public var cycleLength: Int { inhale + hold + exhale + rest }
}

/// Something that needs decoding or synthesising before a timeline can be compiled: its length
/// in frames at the engine rate decides where everything after it goes.
public enum Media: Sendable, Hashable, CustomStringConvertible {
    /// Narration text to synthesise with a voice (`voice.name` resolved, never nil).
    case speech(text: String, voice: Voice)
    /// An audio file (a recorded narration, a cue or a music bed).
    case file(SoundReference)

    public var description: String {
        switch self {
        case .speech(let text, let voice): "speech (\(voice.name ?? "default")): \"\(text.prefix(40))\""
        case .file(let reference): reference.description
        }
    }

    /// How a message names it: "the narration \"Let your…\"" or "the sound file 'bell.wav'".
    public var spokenDescription: String {
        switch self {
        case .speech(let text, _):
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            return "the narration \"\(shown)\""
        case .file(let reference): return "the sound file '\(reference.description)'"
        }
    }
}

/// A sound at a place in the timeline.
public struct ScheduledSound: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// Decoded or synthesised media, streamed.
        case media(Media, loop: Bool)
        /// A sound the mixer synthesises; `pitchRatio` shifts it (1 = its natural pitch).
        case builtin(BuiltinSound, pitchRatio: Double)
        /// A breath of noise rising over `inhale` frames, holding, falling over `exhale` frames.
        case breath(inhale: Int, hold: Int, exhale: Int)
    }

    public enum Bus: Sendable, Equatable { case voice, music, cues }

    public var start: Int
    public var length: Int
    public var source: Source
    public var bus: Bus
    /// Gain in dB.
    public var gain: Double
    public var fadeIn: Int
    public var fadeOut: Int
    /// Index of the step that owns it.
    public var step: Int

    public var end: Int { start + length }
}

/// The music's ducking: lowered by `depth` dB while the voice sounds (measured on the voice bus
/// as it plays) and from `attack` frames before each narration starts, back up `hold` + `release`
/// frames after the voice falls quiet.
public struct DuckPlan: Sendable, Equatable {
    /// dB, 0…40.
    public var depth: Double
    public var attack: Int
    public var hold: Int
    public var release: Int
    /// Frames just before each narration starts, sorted.
    public var windows: [Range<Int>]
}
