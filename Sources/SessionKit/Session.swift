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
    /// What the session helps with, in a listener's words ("anxiety", "pain", "sleep"), for `respite list`.
    public var helpsWith: [String]
    /// Rating items (``RatingItem`` keys) asked before and after this session besides the configuration's, such
    /// as `sleep` for a session for the night.
    public var ratings: [String]
    public var `protocol`: ProtocolInfo
    /// Shown (and announced to screen readers) before playing.
    public var safety: [String]
    public var voice: Voice
    public var parameters: Parameters
    public var music: Music?
    /// What the session lets a listener choose besides the built-in parameters (a scene, say), in order.
    public var choices: [SessionChoice]
    /// Named step lists, already expanded into `steps` by the loader; kept for display.
    public var blockNames: [String]
    public var steps: [Step]
    /// The folder holding the session file; relative sound references resolve against it.
    public var directory: String

    public init(
        format: Int = 1, id: String, title: String, description: String, language: String, author: String,
        version: String, tags: [String] = [], helpsWith: [String] = [], ratings: [String] = [],
        protocol: ProtocolInfo, safety: [String],
        voice: Voice = Voice(),
        parameters: Parameters = Parameters(), music: Music? = nil, choices: [SessionChoice] = [],
        blockNames: [String] = [], steps: [Step],
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
        self.helpsWith = helpsWith
        self.ratings = ratings
        self.protocol = `protocol`
        self.safety = safety
        self.voice = voice
        self.parameters = parameters
        self.music = music
        self.choices = choices
        self.blockNames = blockNames
        self.steps = steps
        self.directory = directory
    }
}

/// Something a session lets the listener choose, such as the scene of a safe-place imagery: steps that name it
/// in ``Step/only`` play only for the values they list. Chosen on the start screen or with `--set KEY=VALUE`.
public struct SessionChoice: Sendable, Equatable {
    /// One value and its words.
    public struct Option: Sendable, Equatable {
        /// A slug, as `--set` writes it (`beach`).
        public var value: String
        /// As the start screen shows it ("A quiet beach").
        public var label: String

        public init(value: String, label: String) {
            self.value = value
            self.label = label
        }
    }

    /// A slug, the `--set` key (`scene`); never one of ``Parameters/keys``.
    public var key: String
    /// What the start screen asks ("Your safe place").
    public var label: String
    /// At least two.
    public var options: [Option]
    /// The value used when the listener chooses nothing; one of the options.
    public var defaultValue: String

    public init(key: String, label: String, options: [Option], defaultValue: String) {
        self.key = key
        self.label = label
        self.options = options
        self.defaultValue = defaultValue
    }
}

/// What a session follows, who it is for, and the guideline grades that bear on what it delivers.
public struct ProtocolInfo: Sendable, Equatable {
    /// The protocol followed, e.g. "Abbreviated progressive muscle relaxation, 7 groups (Bernstein & Borkovec)".
    public var name: String
    /// Where the protocol's timings and wording come from (books, trials), for a clinician to check.
    public var source: String
    /// Who the session is written for, e.g. "adults living with cancer, at home or in clinic"; nil when unsaid.
    public var audience: String?
    /// The grades of the therapies this session delivers, each with how closely it delivers them; empty when
    /// the session says `"not graded"` (no guideline graded what it does).
    public var evidence: [EvidenceGrade]

    public init(name: String, source: String, audience: String? = nil, evidence: [EvidenceGrade] = []) {
        self.name = name
        self.source = source
        self.audience = audience
        self.evidence = evidence
    }

    /// True when the session carries at least one guideline grade (false for `"not graded"`).
    public var isGraded: Bool { !evidence.isEmpty }
}

/// One guideline's grade for one therapy and symptom (SIO–ASCO 2022 for pain, SIO–ASCO 2023 for anxiety and
/// depression), and how closely the session delivers that therapy.
public struct EvidenceGrade: Sendable, Equatable {
    /// The quality of the evidence, as the guideline rates it.
    public enum Quality: String, Sendable, CaseIterable { case high, intermediate, low }
    /// The strength of the recommendation, as the guideline rates it.
    public enum Strength: String, Sendable, CaseIterable { case strong, moderate, weak }
    /// How closely the session delivers the therapy that was graded.
    public enum Match: String, Sendable, CaseIterable {
        /// The session is the graded therapy, in the form the trials used.
        case full
        /// The session delivers part of it (muscle relaxation without the imagery, say).
        case partial
        /// The grade is for a neighbouring therapy or symptom, and is carried only as context.
        case extrapolated
    }

    /// The guideline, e.g. "SIO–ASCO 2022, integrative medicine for cancer pain".
    public var guideline: String
    /// The therapy the guideline graded, in its words, e.g. "relaxation therapies".
    public var therapy: String
    /// What it was graded for, e.g. "anxiety during active treatment".
    public var symptom: String
    public var quality: Quality
    public var strength: Strength
    public var match: Match
    /// Why the match is partial or extrapolated, in a sentence; nil when there is nothing to add.
    public var note: String?

    public init(
        guideline: String, therapy: String, symptom: String, quality: Quality, strength: Strength, match: Match,
        note: String? = nil
    ) {
        self.guideline = guideline
        self.therapy = therapy
        self.symptom = symptom
        self.quality = quality
        self.strength = strength
        self.match = match
        self.note = note
    }

    /// "low quality evidence, weak recommendation: guided imagery with progressive muscle relaxation for general
    /// cancer or musculoskeletal pain (SIO–ASCO 2022, …; partial match: …)", as the player shows it.
    public var summary: String {
        "\(quality.rawValue) quality evidence, \(strength.rawValue) recommendation: \(therapy) for \(symptom) "
            + "(\(guideline); \(match.rawValue) match\(note.map { ": \($0)" } ?? ""))"
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
    /// Breathing steps use their gentle pattern (``Breathing/gentle``).
    public var gentleBreathing: Bool
    /// The session's own choices (``Session/choices``) by key; a choice not here takes its default.
    public var choices: [String: String] = [:]

    /// The value of the session's choice `key`: the chosen one, else its default ("" when there is no such
    /// choice).
    public func choice(_ key: String, in session: Session) -> String {
        choices[key] ?? session.choices.first { $0.key == key }?.defaultValue ?? ""
    }

    public init(
        pace: Double = 1, music: MusicChoice = .session, skip: [String] = [], releaseOnly: Bool = false,
        musicGain: Double? = nil, gentleBreathing: Bool = false
    ) {
        self.pace = pace
        self.music = music
        self.skip = skip
        self.releaseOnly = releaseOnly
        self.musicGain = musicGain
        self.gentleBreathing = gentleBreathing
    }

    /// The names `--set` accepts.
    public static let keys = ["pace", "music", "skip", "releaseOnly", "musicGain", "gentleBreathing"]
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
    /// The step plays only when each named choice (``Session/choices``) has one of the listed values; empty:
    /// always.
    public var only: [String: [String]] = [:]
    /// Where the step was written, for messages: the JSON path (`steps[3]`, `blocks.arms[0]`).
    public var path: String
    /// 1-based line and column of the step's `{` in the session file; 0 when not loaded from a file. Not part
    /// of a step's equality: the same step written elsewhere is the same step.
    public var line = 0
    public var column = 0

    public static func == (lhs: Step, rhs: Step) -> Bool {
        (lhs.label, lhs.kind, lhs.cues, lhs.path) == (rhs.label, rhs.kind, rhs.cues, rhs.path) && lhs.only == rhs.only
    }

    public init(
        label: String? = nil, kind: Kind, cues: [Cue] = [], path: String = "", only: [String: [String]] = [:]
    ) {
        self.label = label
        self.kind = kind
        self.cues = cues
        self.path = path
        self.only = only
    }

    /// Whether the step plays with these choices (``Parameters/choices``, defaults from `session`).
    public func plays(in session: Session, parameters: Parameters) -> Bool {
        plays(choices: session.choices, parameters: parameters)
    }

    /// Whether the step plays with the choices in `parameters`, defaults taken from `choices`.
    public func plays(choices: [SessionChoice], parameters: Parameters) -> Bool {
        only.allSatisfy { key, values in
            values.contains(parameters.choices[key] ?? choices.first { $0.key == key }?.defaultValue ?? "")
        }
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
    /// The words said instead when the listener chose release-only relaxation (``ReleaseOnlyText/text``).
    public var releaseOnly: ReleaseOnlyText

    public init(
        text: String, audio: SoundReference? = nil, pause: Double = 1, gain: Double = 0,
        releaseOnly: ReleaseOnlyText = ReleaseOnlyText()
    ) {
        self.text = text
        self.audio = audio
        self.pause = pause
        self.gain = gain
        self.releaseOnly = releaseOnly
    }
}

/// A progressive muscle relaxation step: one muscle group prepared, tensed from a "now" for 5–7 s (Bernstein
/// and Borkovec), released all at once on a cue, then attended to while it relaxes.
public struct PMR: Sendable, Equatable {
    /// The group's name (`right-arm`), used by `skip`.
    public var group: String
    /// Said before tensing: what the listener will do, "In a moment, …". The hold is not timed from here.
    public var prepare: String
    /// Said at the moment the hold starts ("Now."); the tension is timed from its first frame. Empty when only
    /// ``nowCue`` marks the moment.
    public var now: String
    /// A sound at the moment the hold starts, with or without ``now``.
    public var nowCue: SoundReference?
    /// Seconds of tension, counted from the "now" to the release, 5…7. Pace stretches or shortens it only
    /// within 5…7 s (``tensionRange``): a longer hold brings cramp and pain.
    public var tense: Double
    public var releaseCue: SoundReference
    public var release: String
    /// Seconds from the release to the end of the step, 10…60 (30–40 is the protocol's).
    public var relax: Double
    public var relaxText: String?
    /// Spoken instead of the whole step when the group is skipped.
    public var rest: String?
    /// The wording used when the listener chose release-only relaxation (no tensing).
    public var releaseOnly: ReleaseOnlyText

    /// The tension any step may ask for at any pace, in seconds.
    public static let tensionRange = 5.0...7.0

    /// Seconds of tension at `pace`: ``tense`` scaled by pace, kept within ``tensionRange``.
    public func tension(pace: Double) -> Double {
        min(max(tense * pace, Self.tensionRange.lowerBound), Self.tensionRange.upperBound)
    }

    public static let defaultRelease = "And let go, all at once."
    /// The word said when a step gives no `now`, for sessions in English.
    public static let defaultNow = "Now."

    public init(
        group: String, prepare: String, now: String = PMR.defaultNow, nowCue: SoundReference? = nil, tense: Double,
        releaseCue: SoundReference = .builtin(.chime), release: String = PMR.defaultRelease, relax: Double,
        relaxText: String? = nil, rest: String? = nil, releaseOnly: ReleaseOnlyText = ReleaseOnlyText()
    ) {
        self.group = group
        self.prepare = prepare
        self.now = now
        self.nowCue = nowCue
        self.tense = tense
        self.releaseCue = releaseCue
        self.release = release
        self.relax = relax
        self.relaxText = relaxText
        self.rest = rest
        self.releaseOnly = releaseOnly
    }
}

/// Words used instead of a step's own when the listener chose release-only relaxation: attention and letting
/// go, with no tensing and no chime.
public struct ReleaseOnlyText: Sendable, Equatable {
    /// Replaces the step's main text (a PMR step's `prepare`, `now` and `release`; a narration's `text`). An
    /// empty text leaves a narration step out; nil keeps the step's own (a PMR step then says its `rest`).
    public var text: String?
    /// Replaces a PMR step's `relaxText`.
    public var relaxText: String?

    public init(text: String? = nil, relaxText: String? = nil) {
        self.text = text
        self.relaxText = relaxText
    }

    /// True when nothing is replaced.
    public var isEmpty: Bool { text == nil && relaxText == nil }
}

/// Paced breathing: `cycles` breaths of in, hold, out and rest, with a pacer to follow.
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
    /// The pattern breathed when the listener chose gentle breathing (``Parameters/gentleBreathing``), for
    /// breathlessness or dizziness: ``GentleBreathing/standard`` (3 s in, 4 s out, no hold) unless the step says.
    public var gentle: GentleBreathing

    public init(
        inhale: Double, hold: Double = 0, exhale: Double, rest: Double = 0, cycles: Int, pacer: Pacer = .swell,
        text: String? = nil, gentle: GentleBreathing = .standard
    ) {
        self.inhale = inhale
        self.hold = hold
        self.exhale = exhale
        self.rest = rest
        self.cycles = cycles
        self.pacer = pacer
        self.text = text
        self.gentle = gentle
    }

    /// Seconds of one cycle as written (before pace).
    public var cycleSeconds: Double { inhale + hold + exhale + rest }

    /// The step as it is breathed when gentle breathing is chosen: the gentle phases, never a hold, and as many
    /// cycles as keep the set about as long as written (at least one).
    public var gentled: Breathing {
        var result = self
        result.inhale = gentle.inhale
        result.hold = 0
        result.exhale = gentle.exhale
        result.rest = gentle.rest
        // The loader keeps each phase at 1 s or more; a pattern made in code is kept from dividing by zero.
        let each = max(gentle.cycleSeconds, 0.5)
        result.cycles = max(1, min(1000, Int((cycleSeconds * Double(cycles) / each).rounded())))
        if let text = gentle.text { result.text = text }
        return result
    }
}

/// A shorter, easier breathing pattern offered beside a step's own, for people who are short of breath.
public struct GentleBreathing: Sendable, Equatable {
    /// Seconds in, 1…10.
    public var inhale: Double
    /// Seconds out, 1…15.
    public var exhale: Double
    /// Seconds of rest after the out-breath, 0…10.
    public var rest: Double
    /// Said instead of the step's text; nil keeps it.
    public var text: String?

    public init(inhale: Double, exhale: Double, rest: Double = 0, text: String? = nil) {
        self.inhale = inhale
        self.exhale = exhale
        self.rest = rest
        self.text = text
    }

    /// About 3 s in and 4 s out, no hold: comfortable when short of breath.
    public static let standard = GentleBreathing(inhale: 3, exhale: 4)

    /// Seconds of one gentle cycle: in, out and rest.
    public var cycleSeconds: Double { inhale + exhale + rest }
}
