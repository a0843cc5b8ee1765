import FileAccess
/// A guided relaxation session as a therapist wrote it: metadata and steps, with durations in
/// seconds as in the JSON file. `Compiler` turns it into a ``Timeline`` in integer frames.
///
/// A `Session` value is always valid: ``SessionLoader`` builds one only when every check passed.
public struct Session: Sendable, Equatable {
    public var format: Int
    public var id: String
    public var title: String
    public var description: String
    public var language: String
    public var author: String
    public var version: String
    public var tags: [String]
    public var `protocol`: ProtocolInfo
    /// Shown (and announced to screen readers) before playing.
    public var safety: [String]
    public var voice: Voice
    public var parameters: Parameters
    public var music: Music?
    /// Named step lists, already expanded into `steps` by the loader; kept for display.
    public var blockNames: [String]
    public var steps: [Step]
    /// The folder holding the session file; relative sound references resolve against it.
    public var directory: String

    public init(
        format: Int = 1, id: String, title: String, description: String, language: String, author: String,
        version: String, tags: [String] = [], protocol: ProtocolInfo, safety: [String], voice: Voice = Voice(),
        parameters: Parameters = Parameters(), music: Music? = nil, blockNames: [String] = [], steps: [Step],
        directory: String = "."
    ) {
        self.format = format
        self.id = id
        self.title = title
        self.description = description
        self.language = language
        self.author = author
        self.version = version
        self.tags = tags
        self.protocol = `protocol`
        self.safety = safety
        self.voice = voice
        self.parameters = parameters
        self.music = music
        self.blockNames = blockNames
        self.steps = steps
        self.directory = directory
    }
}

/// What a session follows and how strong the evidence for it is (ASCO–SIO 2022 grades).
public struct ProtocolInfo: Sendable, Equatable {
    public enum Evidence: String, Sendable, CaseIterable { case high, intermediate, low }
    public enum Recommendation: String, Sendable, CaseIterable { case strong, moderate, weak }
    public var name: String
    public var therapy: String
    public var evidence: Evidence
    public var recommendation: Recommendation
    public var source: String
    public var forWhat: String?

    public init(
        name: String, therapy: String, evidence: Evidence, recommendation: Recommendation, source: String,
        forWhat: String? = nil
    ) {
        self.name = name
        self.therapy = therapy
        self.evidence = evidence
        self.recommendation = recommendation
        self.source = source
        self.forWhat = forWhat
    }
}

/// The synthesised voice used for narration that has no recording.
public struct Voice: Sendable, Equatable, Hashable {
    /// The speech engines a session may ask for.
    public enum Engine: String, Sendable, CaseIterable {
        /// espeak-ng, in every language it knows: a clear formant voice, and always the fallback.
        case espeak
        /// Piper, a neural voice (`model`), when installed; espeak-ng (`name`) speaks where it is not.
        case piper
    }

    /// Which engine speaks; `nil` is espeak-ng, or Piper when a `model` is given.
    public var engine: Engine?
    /// The Piper model, by its file name without `.onnx` (e.g. "en_US-joe-medium"); `nil` picks an installed model
    /// of the session's language.
    public var model: String?
    /// espeak-ng voice name; `nil` means the session's language. With Piper, the voice that speaks when Piper or
    /// the model is missing.
    public var name: String?
    /// Words per minute, 80…260, pauses between phrases included, honoured by both engines.
    public var rate: Double
    /// espeak-ng pitch, 0…99 (Piper voices keep their own).
    public var pitch: Double
    /// Gain in dB applied to all narration, -60…+12.
    public var gain: Double
    /// How particular words are said, on top of the built-in entries (``Lexicon/builtin``).
    public var lexicon: Lexicon = .empty
    /// 1-based line and column of `voice.name` in the session file (of `language` when the name is not given), for
    /// messages about the voice found after loading; 0 when unknown. Not part of a voice's equality.
    public var line = 0
    public var column = 0
    /// 1-based line and column of `voice.model` (of `voice.engine`, or of `voice`, when no model is given); 0 when
    /// unknown. Not part of a voice's equality.
    public var modelLine = 0
    public var modelColumn = 0

    /// The engine that is asked for: `engine`, else Piper when a model is named, else espeak-ng.
    public var requestedEngine: Engine { engine ?? (model == nil ? .espeak : .piper) }

    public static func == (lhs: Voice, rhs: Voice) -> Bool {
        (lhs.requestedEngine, lhs.model, lhs.name, lhs.rate, lhs.pitch, lhs.gain)
            == (rhs.requestedEngine, rhs.model, rhs.name, rhs.rate, rhs.pitch, rhs.gain) && lhs.lexicon == rhs.lexicon
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(requestedEngine)
        hasher.combine(model)
        hasher.combine(name)
        hasher.combine(rate)
        hasher.combine(pitch)
        hasher.combine(gain)
        hasher.combine(lexicon)
    }

    public init(
        engine: Engine? = nil, model: String? = nil, name: String? = nil, rate: Double = 140, pitch: Double = 40,
        gain: Double = 0, lexicon: Lexicon = .empty
    ) {
        self.engine = engine
        self.model = model
        self.name = name
        self.rate = rate
        self.pitch = pitch
        self.gain = gain
        self.lexicon = lexicon
    }
}

/// Defaults a listener may override at play time with `--set key=value`.
public struct Parameters: Sendable, Equatable {
    /// Multiplies silences, pauses, holds and breath phases; 0.5…2.0.
    public var pace: Double
    /// Which music bed plays.
    public var music: MusicChoice
    /// PMR groups to leave out.
    public var skip: [String]
    /// PMR with no tensing at all.
    public var releaseOnly: Bool
    /// Music level in dB; `nil` keeps `music.gain`.
    public var musicGain: Double?

    public init(
        pace: Double = 1, music: MusicChoice = .session, skip: [String] = [], releaseOnly: Bool = false,
        musicGain: Double? = nil
    ) {
        self.pace = pace
        self.music = music
        self.skip = skip
        self.releaseOnly = releaseOnly
        self.musicGain = musicGain
    }

    /// The names `--set` accepts.
    public static let keys = ["pace", "music", "skip", "releaseOnly", "musicGain"]
}

/// The music bed a listener chose.
public enum MusicChoice: Sendable, Equatable {
    /// The session's own `music.source`.
    case session
    /// No music at all.
    case off
    /// Another sound instead of the session's.
    case source(SoundReference)
}

/// Where a sound comes from.
public enum SoundReference: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Synthesised by the mixer (`builtin:bell`).
    case builtin(BuiltinSound)
    /// A file under the bundled `Audio/` folder (`audio:music/tide.ogg`), path relative to it.
    case bundled(String)
    /// A file relative to the session's folder.
    case file(String)

    public var description: String {
        switch self {
        case .builtin(let sound): "builtin:\(sound.rawValue)"
        case .bundled(let path): "audio:\(path)"
        case .file(let path): path
        }
    }
}

/// Sounds the mixer synthesises itself, so a session needs no file for them.
public enum BuiltinSound: String, Sendable, CaseIterable, Hashable {
    /// A struck bell: inharmonic partials with long, unequal decays.
    case bell
    /// A small, bright chime; the default release cue.
    case chime
    /// A singing bowl: low partials with slow beating, a long ring.
    case bowl
    /// A soft pure-ish tone with a gentle attack, for pacers.
    case tone
    /// A warm, slowly moving drone (music bed).
    case drone
    /// Shaped noise like waves on a shore (music bed).
    case ocean
    /// Steady soft rain: band-passed noise with sparse droplets, spread in stereo (music bed).
    case rain
}

public struct Music: Sendable, Equatable {
    public var source: SoundReference
    /// dB, -60…+12.
    public var gain: Double
    public var loop: Bool
    /// Seconds.
    public var fadeIn: Double
    /// Seconds; the fade ends on the session's last frame.
    public var fadeOut: Double
    /// How far, in dB (0…40), the music is lowered while narration speaks.
    public var duck: Double

    public init(
        source: SoundReference, gain: Double = 0, loop: Bool = true, fadeIn: Double = 4, fadeOut: Double = 6,
        duck: Double = 10
    ) {
        self.source = source
        self.gain = gain
        self.loop = loop
        self.fadeIn = fadeIn
        self.fadeOut = fadeOut
        self.duck = duck
    }
}

/// A sound at an offset inside a step.
public struct Cue: Sendable, Equatable {
    /// Seconds from the start of the step; not scaled by pace.
    public var at: Double
    public var sound: SoundReference
    /// dB.
    public var gain: Double

    public init(at: Double, sound: SoundReference, gain: Double = -6) {
        self.at = at
        self.sound = sound
        self.gain = gain
    }
}

/// One step of a session, after blocks and repeats were expanded.
public struct Step: Sendable, Equatable {
    public var label: String?
    public var kind: Kind
    public var cues: [Cue]
    /// Where the step was written, for messages: the JSON path (`steps[3]`, `blocks.arms[0]`).
    public var path: String
    /// 1-based line and column of the step's `{` in the session file; 0 when not loaded from a file. Not part
    /// of a step's equality: the same step written elsewhere is the same step.
    public var line = 0
    public var column = 0

    public static func == (lhs: Step, rhs: Step) -> Bool {
        (lhs.label, lhs.kind, lhs.cues, lhs.path) == (rhs.label, rhs.kind, rhs.cues, rhs.path)
    }

    public init(label: String? = nil, kind: Kind, cues: [Cue] = [], path: String = "") {
        self.label = label
        self.kind = kind
        self.cues = cues
        self.path = path
    }

    public enum Kind: Sendable, Equatable {
        case narration(Narration)
        case silence(seconds: Double)
        case bell(sound: SoundReference, gain: Double, seconds: Double)
        case pmr(PMR)
        case breathing(Breathing)
    }
}

public struct Narration: Sendable, Equatable {
    public var text: String
    public var audio: SoundReference?
    /// Seconds after the speech, scaled by pace.
    public var pause: Double
    /// dB.
    public var gain: Double

    public init(text: String, audio: SoundReference? = nil, pause: Double = 1, gain: Double = 0) {
        self.text = text
        self.audio = audio
        self.pause = pause
        self.gain = gain
    }
}

public struct PMR: Sendable, Equatable {
    public var group: String
    public var instruction: String
    /// Seconds, 3…10.
    public var tense: Double
    public var releaseCue: SoundReference
    public var release: String
    /// Seconds, 10…60.
    public var relax: Double
    public var relaxText: String?
    /// Spoken instead of the whole step when the group is skipped.
    public var rest: String?

    public static let defaultRelease = "And let go, all at once."

    public init(
        group: String, instruction: String, tense: Double, releaseCue: SoundReference = .builtin(.chime),
        release: String = PMR.defaultRelease, relax: Double, relaxText: String? = nil, rest: String? = nil
    ) {
        self.group = group
        self.instruction = instruction
        self.tense = tense
        self.releaseCue = releaseCue
        self.release = release
        self.relax = relax
        self.relaxText = relaxText
        self.rest = rest
    }
}

public struct Breathing: Sendable, Equatable {
    public enum Pacer: String, Sendable, CaseIterable { case chime, swell, none }
    /// Seconds per phase.
    public var inhale: Double
    public var hold: Double
    public var exhale: Double
    public var rest: Double
    public var cycles: Int
    public var pacer: Pacer
    public var text: String?

    public init(
        inhale: Double, hold: Double = 0, exhale: Double, rest: Double = 0, cycles: Int, pacer: Pacer = .swell,
        text: String? = nil
    ) {
        self.inhale = inhale
        self.hold = hold
        self.exhale = exhale
        self.rest = rest
        self.cycles = cycles
        self.pacer = pacer
        self.text = text
    }
}
