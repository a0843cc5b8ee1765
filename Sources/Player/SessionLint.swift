import Foundation
import Localization
import Mixer
import SessionKit

/// How a prepared session will sound, checked before anyone hears it: the loudness of every source, and the
/// problems a therapist can fix in the session file (what `respite lint` prints).
///
/// The rules, each a ``Finding/Rule``:
/// - recordings on the voice or music bus whose loudness differs by more than ``unevenSourcesLimit`` (4 LU): a
///   warning (Respite evens them out, but a listener may still hear it in the recordings). Synthesised
///   narration is left out: each clip is measured and brought to the voice target, and its spread (a short
///   "And release." is quieter than a long sentence, by 5 LU with the neural voice) is nothing to re-record;
/// - a music fade shorter than ``shortestFade`` (10 ms): an error, it clicks;
/// - a cue that starts while narration speaks (more than 0.1 s before the words end): a warning;
/// - music that, ducked, is not at least ``clearMargin`` (10 LU) under the voice: a warning, or an error when it
///   is as loud as the voice or louder;
/// - music with narration but no ducking: a warning.
///
/// And the rules of clinical fidelity (`../shared/CLINICAL.md`, checked on what the timeline says and does):
/// - a cue placed past the end of its step: an error (it would play in the next step);
/// - a first word spoken under the session's fade-in (``MixPlan/sessionFadeInSeconds``): a warning, it is
///   6–15 dB down;
/// - a description whose stated minutes differ from the timeline by more than 10 %: a warning;
/// - a PMR relaxation shorter than 30 s, or a "now" long enough to reach into the hold's second half: warnings;
/// - release-only words (what a session says when the listener chose not to tense) that speak of tensing or of
///   a chime that will not play: a warning;
/// - safety notes with command syntax, or, in English, Spanish or Chinese, without the uneasy-when-relaxing note
///   (every session) or the breathlessness and light-headedness notes (sessions with paced breathing): warnings;
/// - a breathing pacer less than ``pacerMargin`` (4 LU) above the music bed: a warning, it is hard to follow;
/// - in a session not in English, a PMR step without a `label` (the screen would name it by its group's key):
///   a warning.
///
/// Words (tensing, minutes, the safety notes) are looked for in the session's language (``SpokenPhrases``).
///
/// Pure: reads the prepared session and the bus targets only, so every rule is tested in memory.
public enum SessionLint {
    /// The most two sources of one bus may differ before a warning, in LU.
    public static let unevenSourcesLimit = 4.0
    /// The shortest music fade that does not click, in seconds.
    public static let shortestFade = 0.01
    /// How far under the voice the ducked music must sit to keep the words clear, in LU.
    public static let clearMargin = 10.0
    /// How far above the music bed a breathing pacer must sit to be followed, in LU (sessions aim for 6).
    public static let pacerMargin = 4.0
    /// The shortest relaxation after a release, seconds at pace 1 (Bernstein & Borkovec: 30–40).
    public static let shortestRelax = 30.0
    /// How far a description's minutes may be from the timeline, as a fraction.
    public static let descriptionTolerance = 0.1
    /// Words that speak of tensing or of the release chime, in English: none may be said when the listener chose
    /// release-only.
    public static let tensingWords = SpokenPhrases.english.tensingWords

    /// The tensing words of a session in `language` (its tag, `es-419`): that language's, and English ones as
    /// well (a session may quote an English word); English alone for a language Respite has no words in.
    public static func tensingWords(language: String) -> [String] {
        guard let phrases = SpokenPhrases(tag: language), phrases.language != .english else { return tensingWords }
        return phrases.tensingWords + tensingWords
    }

    /// Everything lint found about one session.
    public struct Report: Sendable, Equatable {
        /// Every distinct source once, in the order it first sounds.
        public var sources: [Source]
        /// Errors first, then warnings; each group in the order the rules run.
        public var findings: [Finding]

        /// The findings that are errors.
        public var errors: [Finding] { findings.filter { $0.severity == .error } }
        /// The findings that are warnings.
        public var warnings: [Finding] { findings.filter { $0.severity == .warning } }
    }

    /// One source as lint measured it.
    public struct Source: Sendable, Equatable {
        /// The bus it plays on.
        public var bus: ScheduledSound.Bus
        /// What it is: a file reference, `speech “…”` (the first 48 characters), `builtin:NAME`, or the pacer.
        public var name: String
        /// Integrated loudness before Respite evens it out, in LUFS; -infinity when silent or not measured.
        public var loudness: Double
        /// Whether it is narration a speech engine synthesised (not a recording).
        public var isSynthesised = false
    }

    /// One problem, with where it was written when that is known.
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        /// How bad it is: an error makes `respite lint` exit 65.
        public enum Severity: String, Sendable, Equatable { case error, warning }

        /// Which rule found it (see ``SessionLint``).
        public enum Rule: String, Sendable, Equatable, CaseIterable {
            case unevenSources, shortMusicFade, cueOverSpeech, musicOverVoice, musicNotDucked
            case cuePastStep, speechUnderFadeIn, descriptionLength, shortRelax, longNow, tensingInReleaseOnly
            case safetyNotes, pacerUnderMusic, untitledStep

            /// The rules about how the mix sounds.
            public static let sound: Set<Rule> = [
                .unevenSources, .shortMusicFade, .cueOverSpeech, .musicOverVoice, .musicNotDucked,
            ]
        }

        public var severity: Severity
        public var rule: Rule
        /// What is wrong, where (by JSON path) and what to do, as one line.
        public var message: String
        /// Where: the JSON path (`steps[0]`, `music.fadeIn`), with the line and column when known; nil when the
        /// finding is about the whole session.
        public var place: SessionPlace?
        /// The step it concerns, as an index into ``Timeline/steps``; nil when it concerns no one step.
        public var step: Int?

        /// The message, with ` (line L)` after it when the line is known.
        public var description: String {
            guard let place, place.line > 0 else { return message }
            return "\(message) (line \(place.line))"
        }
    }

    /// What lint reads: a session laid out at some parameters, and the loudness of its sources as measured.
    public struct Subject: Sendable {
        /// The session as loaded.
        public var session: Session
        /// The settings it is laid out at (choices, pace, release-only…).
        public var parameters: Parameters
        /// The session laid out at those settings, in frames; its `steps` are the session's expanded steps.
        public var timeline: Timeline
        /// Integrated loudness of each media before normalisation, LUFS; a media not here is not measured.
        public var sourceLoudness: [Media: Double]

        public init(
            session: Session, parameters: Parameters, timeline: Timeline, sourceLoudness: [Media: Double] = [:]
        ) {
            self.session = session
            self.parameters = parameters
            self.timeline = timeline
            self.sourceLoudness = sourceLoudness
        }

        public init(_ prepared: PreparedSession) {
            self.init(
                session: prepared.session, parameters: prepared.parameters, timeline: prepared.timeline,
                sourceLoudness: prepared.sourceLoudness)
        }
    }

    /// Runs the rules in `rules` (all of them unless told) on `prepared` against the bus targets in `targets`.
    public static func check(
        _ prepared: PreparedSession, targets: Configuration.Loudness,
        rules: Set<Finding.Rule> = Set(Finding.Rule.allCases)
    ) -> Report {
        check(Subject(prepared), targets: targets, rules: rules)
    }

    /// Runs the rules in `rules` on a session laid out without being prepared (its lengths known or estimated):
    /// the rules on loudness see only the sources in ``Subject/sourceLoudness``.
    public static func check(
        _ prepared: Subject, targets: Configuration.Loudness, rules: Set<Finding.Rule> = Set(Finding.Rule.allCases)
    ) -> Report {
        let timeline = prepared.timeline
        let session = prepared.session
        var findings: [Finding] = []
        var sources: [Source] = []
        var seen = Set<String>()
        for sound in timeline.sounds {
            let source = describe(sound, prepared)
            guard seen.insert("\(sound.bus)|\(source.name)").inserted else { continue }
            sources.append(source)
        }

        for bus in [ScheduledSound.Bus.voice, .music] {
            let measured = sources.filter { $0.bus == bus && $0.loudness.isFinite && !$0.isSynthesised }
            guard let quiet = measured.min(by: { $0.loudness < $1.loudness }),
                let loud = measured.max(by: { $0.loudness < $1.loudness }),
                loud.loudness - quiet.loudness > unevenSourcesLimit
            else { continue }
            findings.append(
                Finding(
                    severity: .warning, rule: .unevenSources,
                    message: "\(bus) sources differ by \(tenths(loud.loudness - quiet.loudness)) LU (\(quiet.name) at "
                        + "\(tenths(quiet.loudness)), \(loud.name) at \(tenths(loud.loudness))); they are evened out, "
                        + "but re-recording at a steadier level sounds more natural"))
        }
        if let music = session.music {
            for (name, seconds) in [("fadeIn", music.fadeIn), ("fadeOut", music.fadeOut)] where seconds < shortestFade {
                findings.append(
                    Finding(
                        severity: .error, rule: .shortMusicFade,
                        message: "music.\(name) is \(seconds) s; fades shorter than 10 ms click: use at least 0.5 s",
                        place: SessionPlace(path: "music.\(name)")))
            }
        }
        let speech = timeline.sounds.filter { $0.bus == .voice }
        for cue in timeline.sounds where cue.bus == .cues {
            if case .breath = cue.source { continue }
            guard
                let words = speech.first(where: {
                    $0.start < cue.start && cue.start < $0.end - timeline.sampleRate / 10
                })
            else { continue }
            guard timeline.steps.indices.contains(cue.step) else { continue }
            let span = timeline.steps[cue.step]
            findings.append(
                Finding(
                    severity: .warning, rule: .cueOverSpeech,
                    message: "\(span.path): a cue at \(clock(timeline, cue.start)) sounds while narration speaks "
                        + "(\(clock(timeline, words.start))–\(clock(timeline, words.end))); move it into a pause",
                    place: place(of: cue.step, prepared), step: cue.step))
        }
        if let music = session.music, let duck = timeline.ducking {
            let voiceLevel = targets.voice + session.voice.gain
            let musicUnder = targets.music + (prepared.parameters.musicGain ?? music.gain) - duck.depth
            let margin = voiceLevel - musicUnder
            if margin <= 0 {
                findings.append(
                    Finding(
                        severity: .error, rule: .musicOverVoice,
                        message:
                            "music.gain: under the voice the music is \(tenths(-margin)) LU louder than the narration; "
                            + "lower music.gain or raise music.duck",
                        place: SessionPlace(path: "music.gain")))
            } else if margin < clearMargin {
                findings.append(
                    Finding(
                        severity: .warning, rule: .musicOverVoice,
                        message:
                            "music.gain: under the voice the music sits only \(tenths(margin)) LU below the narration; "
                            + "15 or more keeps the words clear",
                        place: SessionPlace(path: "music.gain")))
            }
        } else if let music = session.music, !speech.isEmpty, music.duck == 0 {
            findings.append(
                Finding(
                    severity: .warning, rule: .musicNotDucked,
                    message: "music.duck is 0: the music is not lowered while narration speaks",
                    place: SessionPlace(path: "music.duck")))
        }
        findings += fidelity(prepared, targets: targets)
        findings.removeAll { !rules.contains($0.rule) }
        // Errors first, as `respite lint` has always printed them; the sort is stable within each group.
        let ordered = findings.filter { $0.severity == .error } + findings.filter { $0.severity == .warning }
        return Report(sources: sources, findings: ordered)
    }

    /// Where the timeline's step `index` was written: its line and column when known, else its path; nil for an
    /// index the timeline does not have.
    static func place(of index: Int, _ prepared: Subject) -> SessionPlace? {
        guard prepared.timeline.steps.indices.contains(index) else { return nil }
        let path = prepared.timeline.steps[index].path
        let session = prepared.session
        return session.steps.first { $0.path == path }.map(session.place(of:)) ?? SessionPlace(path: path)
    }

    /// The rules of clinical fidelity, on the prepared session's timeline and texts.
    static func fidelity(_ prepared: Subject, targets: Configuration.Loudness) -> [Finding] {
        let timeline = prepared.timeline
        let session = prepared.session
        var findings: [Finding] = []
        func place(_ step: Int) -> SessionPlace? { Self.place(of: step, prepared) }
        for entry in timeline.entries where entry.kind == .cue {
            guard timeline.steps.indices.contains(entry.step) else { continue }
            let span = timeline.steps[entry.step]
            guard entry.frame >= span.end else { continue }
            findings.append(
                Finding(
                    severity: .error, rule: .cuePastStep,
                    message: "\(span.path): a cue at \(clock(timeline, entry.frame)) is past the end of its step "
                        + "(\(clock(timeline, span.start))–\(clock(timeline, span.end))) and would sound in the next "
                        + "one; give it an 'at' below \(tenths(timeline.seconds(span.end - span.start))) s",
                    place: place(entry.step), step: entry.step))
        }
        let fadeIn = MixPlan.fadeInFrames(sampleRate: timeline.sampleRate)
        if let first = timeline.sounds.first(where: { $0.bus == .voice }), first.start < fadeIn,
            timeline.steps.indices.contains(first.step)
        {
            findings.append(
                Finding(
                    severity: .warning, rule: .speechUnderFadeIn,
                    message: "\(timeline.steps[first.step].path): the first words start at "
                        + "\(clock(timeline, first.start)), under the session's \(tenths(MixPlan.sessionFadeInSeconds)) s "
                        + "fade-in, and are heard quieter; start with a bell or a silence of 3 s",
                    place: place(first.step), step: first.step))
        }
        if let stated = statedMinutes(session.description, language: session.language) {
            let minutes = timeline.seconds(timeline.duration) / 60
            let low = stated.lowerBound * (1 - descriptionTolerance)
            let high = stated.upperBound * (1 + descriptionTolerance)
            if minutes < low || minutes > high {
                let said =
                    stated.lowerBound == stated.upperBound
                    ? tenths(stated.lowerBound) : "\(tenths(stated.lowerBound))–\(tenths(stated.upperBound))"
                findings.append(
                    Finding(
                        severity: .warning, rule: .descriptionLength,
                        message: "description: it says \(said) minutes, but the session lasts "
                            + "\(clock(timeline, timeline.duration)) at its own settings; say about "
                            + "\(Int(minutes.rounded())) minutes",
                        place: SessionPlace(path: "description")))
            }
        }
        findings += pmrFindings(prepared, place: place)
        findings += safetyFindings(session)
        findings += pacerFindings(prepared, targets: targets, place: place)
        return findings
    }

    /// Short relaxations, long "now"s, and tensing words in what release-only says.
    static func pmrFindings(_ prepared: Subject, place: (Int) -> SessionPlace?) -> [Finding] {
        let session = prepared.session
        var findings: [Finding] = []
        var releaseOnly = prepared.parameters
        releaseOnly.releaseOnly = true
        let offersReleaseOnly = session.steps.contains { if case .pmr = $0.kind { true } else { false } }
        // A step in a block used twice, or in a repeat, is written once: it is reported once.
        var seen: Set<String> = []
        for (index, step) in session.steps.enumerated() where seen.insert(step.path).inserted {
            let stepPlace = session.place(of: step)
            if case .pmr(let pmr) = step.kind {
                if step.label == nil, let language = Language(tag: session.language), language != .english {
                    // Its title on the screen and the start screen's "leave out" would be the group's key.
                    findings.append(
                        Finding(
                            severity: .warning, rule: .untitledStep,
                            message: "\(step.path): no 'label', so the screen names this step by its group, "
                                + "'\(pmr.group)', which is not in the session's language; add a label",
                            place: stepPlace, step: index))
                }
                if pmr.relax < shortestRelax {
                    findings.append(
                        Finding(
                            severity: .warning, rule: .shortRelax,
                            message: "\(step.path).relax: \(tenths(pmr.relax)) s of relaxation after the release; "
                                + "the protocol gives 30–40 s to notice the feeling of letting go",
                            place: stepPlace, step: index))
                }
                let timeline = prepared.timeline
                if let hold = timeline.entries.first(where: { $0.step == index && $0.kind == .tense }),
                    let now = timeline.sounds.first(where: {
                        $0.step == index && $0.bus == .voice && $0.start == hold.frame
                    }),
                    now.length > hold.length / 2
                {
                    findings.append(
                        Finding(
                            severity: .warning, rule: .longNow,
                            message: "\(step.path).now: the \"now\" lasts \(tenths(timeline.seconds(now.length))) s, "
                                + "more than half the hold; say one word, and put the rest in 'prepare'",
                            place: stepPlace, step: index))
                }
            }
            guard offersReleaseOnly, step.plays(in: session, parameters: releaseOnly) else { continue }
            for text in Compiler.texts(of: step, parameters: releaseOnly) {
                let found = tensingWords(language: session.language).filter { contains(text, word: $0) }
                guard !found.isEmpty else { continue }
                findings.append(
                    Finding(
                        severity: .warning, rule: .tensingInReleaseOnly,
                        message: "\(step.path): when the listener chooses release-only it still says "
                            + found.map { "\"\($0)\"" }.joined(separator: ", ") + " (\"\(text.prefix(48))…\"); give "
                            + "the step a releaseOnly text that speaks of noticing and softening",
                        place: stepPlace, step: index))
            }
        }
        return findings
    }

    /// Safety notes that read like a command line, and, in English, the notes every session (and every paced
    /// breathing session) owes its listener.
    static func safetyFindings(_ session: Session) -> [Finding] {
        var findings: [Finding] = []
        for (index, note) in session.safety.enumerated()
        where ["--", "`", "=", "respite "].contains(where: { note.lowercased().contains($0) }) {
            findings.append(
                Finding(
                    severity: .warning, rule: .safetyNotes,
                    message: "safety[\(index)]: a safety note is advice for the listener, not command syntax; "
                        + "say it in plain words (choices belong on the start screen)",
                    place: SessionPlace(path: "safety[\(index)]")))
        }
        guard let phrases = session.language.isEmpty ? SpokenPhrases.english : SpokenPhrases(tag: session.language)
        else { return findings }
        let notes = session.safety.joined(separator: " ").lowercased()
        let english = phrases.language == .english
        /// The advice, in the session's own words when it is not English.
        func advice(_ sentence: String, _ words: [String]) -> String {
            english ? sentence : "add a note in the session's language (with \"\(words[0])…\")"
        }
        if !phrases.unease.contains(where: { notes.contains($0) }) {
            findings.append(
                Finding(
                    severity: .warning, rule: .safetyNotes,
                    message: "safety: no note for people who feel uneasy when relaxing; "
                        + advice(
                            "add \"Some people feel uneasy when relaxing. If that happens, open your eyes and stop.\"",
                            phrases.unease),
                    place: SessionPlace(path: "safety")))
        }
        let breathes = session.steps.contains {
            if case .breathing(let breathing) = $0.kind { breathing.pacer != .none } else { false }
        }
        if breathes && !phrases.breathlessness.contains(where: { notes.contains($0) }) {
            findings.append(
                Finding(
                    severity: .warning, rule: .safetyNotes,
                    message: "safety: the session paces breathing but says nothing for people who are short of "
                        + "breath; "
                        + advice(
                            "add \"If you feel breathless, breathe at whatever pace is comfortable and let the sound "
                                + "play in the background.\"", phrases.breathlessness),
                    place: SessionPlace(path: "safety")))
        }
        if breathes && !phrases.lightHeadedness.contains(where: { notes.contains($0) }) {
            findings.append(
                Finding(
                    severity: .warning, rule: .safetyNotes,
                    message: "safety: the session paces breathing but says nothing about light-headedness; "
                        + advice(
                            "add \"If you feel light-headed or dizzy, stop following the sound and breathe normally.\"",
                            phrases.lightHeadedness),
                    place: SessionPlace(path: "safety")))
        }
        return findings
    }

    /// A breathing pacer that does not stand clear of the music bed.
    static func pacerFindings(
        _ prepared: Subject, targets: Configuration.Loudness, place: (Int) -> SessionPlace?
    ) -> [Finding] {
        let timeline = prepared.timeline
        guard let music = timeline.sounds.first(where: { $0.bus == .music }) else { return [] }
        let musicLevel = targets.music + music.gain
        var findings: [Finding] = []
        var reported = Set<Int>()
        // The pacer's own sounds: the swell, and the chimes that ring on an in- or out-breath (not the step's cues).
        let breaths = Set(
            timeline.entries.filter { $0.kind == .inhale || $0.kind == .exhale }.map { "\($0.step):\($0.frame)" })
        for sound in timeline.sounds where sound.bus == .cues && !reported.contains(sound.step) {
            guard timeline.steps.indices.contains(sound.step), timeline.steps[sound.step].breath != nil else {
                continue
            }
            var isPacer = breaths.contains("\(sound.step):\(sound.start)")
            if case .breath = sound.source { isPacer = true }
            guard isPacer else { continue }
            let margin = targets.cues + sound.gain - musicLevel
            guard margin < pacerMargin else { continue }
            reported.insert(sound.step)
            findings.append(
                Finding(
                    severity: .warning, rule: .pacerUnderMusic,
                    message: "\(timeline.steps[sound.step].path): the breathing pacer sits only \(tenths(margin)) LU "
                        + "above the music; lower music.gain so it stands about 6 LU clear",
                    place: place(sound.step), step: sound.step))
        }
        return findings
    }

    /// The minutes a description states, as a range ("about 12 minutes" → 12…12, "10 to 12 minutes" → 10…12,
    /// "De 20 a 22 minutos", "约5分钟"): the first mention of minutes, in digits or (English and Spanish) words, in
    /// the session's `language`; nil when it states none.
    public static func statedMinutes(_ description: String, language: String = "en") -> ClosedRange<Double>? {
        let phrases = SpokenPhrases(tag: language) ?? .english
        if phrases.language == .chinese { return chineseMinutes(description) }
        // Digits stand apart from the letters around them: "约5分钟" is "约 5 分钟".
        var spaced = ""
        var previous: Character?
        for character in description.lowercased() {
            if let previous, previous.isNumber != character.isNumber, previous != ".", character != "." {
                spaced.append(" ")
            }
            spaced.append(character)
            previous = character
        }
        let words = spaced.replacingOccurrences(of: "–", with: " to ")
            .replacingOccurrences(of: "-", with: " ")
            .split { !$0.isLetter && !$0.isNumber && $0 != "." }
            .map { $0.hasSuffix(".") ? String($0.dropLast()) : String($0) }
        let units = Set(phrases.minuteWords + SpokenPhrases.english.minuteWords)
        guard let unit = words.firstIndex(where: { units.contains($0) }) else { return nil }
        var numbers: [Double] = []
        var index = unit - 1
        while index >= 0 {
            let word = words[index]
            if let value = number(word) {
                if index > 0, let tens = number(words[index - 1]), tens >= 20,
                    tens.truncatingRemainder(dividingBy: 10) == 0,
                    value < 10
                {
                    numbers.insert(tens + value, at: 0)
                    index -= 2
                } else {
                    numbers.insert(value, at: 0)
                    index -= 1
                }
            } else if ["to", "or", "and", "a", "o", "y", "到", "至", "或"].contains(word) {
                index -= 1
            } else {
                break
            }
        }
        guard let low = numbers.first, let high = numbers.last, low > 0, high >= low else { return nil }
        return low...high
    }

    /// The minutes a Chinese description states: the figures before the first 分钟, in digits or characters
    /// ("约5分钟", "十五分钟左右", "十到十二分钟", "20-22 分钟").
    static func chineseMinutes(_ description: String) -> ClosedRange<Double>? {
        guard let unit = description.range(of: "分钟") else { return nil }
        let digits: [Character: Int] = [
            "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
        ]
        /// A number written in characters up to 99 (十五, 二十, 二十五) or in digits.
        func value(_ text: Substring) -> Double? {
            if let number = Double(text) { return number }
            /// One numeral character's value; nil for more than one.
            func single(_ part: Substring) -> Int? { part.count == 1 ? part.first.flatMap { digits[$0] } : nil }
            if let digit = single(text) { return Double(digit) }
            guard let ten = text.firstIndex(of: "十") else { return nil }
            let before = text[..<ten]
            let after = text[text.index(after: ten)...]
            let tens = before.isEmpty ? 1 : single(before)
            let units = after.isEmpty ? 0 : single(after)
            guard let tens, let units else { return nil }
            return Double(tens * 10 + units)
        }
        let numeral = { (character: Character) in character.isNumber || digits[character] != nil || character == "十" }
        var numbers: [Double] = []
        var end = unit.lowerBound
        while end > description.startIndex {
            var start = end
            while start > description.startIndex, description[description.index(before: start)] == " " {
                start = description.index(before: start)
            }
            var first = start
            while first > description.startIndex, numeral(description[description.index(before: first)]) {
                first = description.index(before: first)
            }
            guard first < start, let number = value(description[first..<start]) else { break }
            numbers.insert(number, at: 0)
            guard first > description.startIndex,
                "到至-–~".contains(description[description.index(before: first)])
            else { break }
            end = description.index(before: first)
        }
        guard let low = numbers.first, let high = numbers.last, low > 0, high >= low else { return nil }
        return low...high
    }

    private static let numberWords: [String: Double] = [
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
        "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
        "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
        "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9,
        "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14, "quince": 15, "veinte": 20, "treinta": 30,
        "cuarenta": 40, "sesenta": 60,
    ]

    private static func number(_ word: String) -> Double? {
        if let value = Double(word), value.isFinite, value >= 0 { return value }
        return numberWords[word]
    }

    /// Whether `text` has `word` (one word or several) as whole words, ignoring case.
    ///
    /// A word in a script written without spaces (Chinese, Japanese) is looked for as it is written, anywhere.
    static func contains(_ text: String, word: String) -> Bool {
        if word.unicodeScalars.contains(where: { $0.properties.isIdeographic }) { return text.contains(word) }
        let words = text.lowercased().split { !$0.isLetter }.map(String.init)
        let wanted = word.split(separator: " ").map(String.init)
        guard !wanted.isEmpty, words.count >= wanted.count else { return false }
        for start in 0...(words.count - wanted.count) where Array(words[start..<(start + wanted.count)]) == wanted {
            return true
        }
        return false
    }

    /// The source behind `sound`, named for a therapist, with its loudness before normalisation.
    static func describe(_ sound: ScheduledSound, _ prepared: Subject) -> Source {
        switch sound.source {
        case .media(let media, _):
            let level = prepared.sourceLoudness[media] ?? -.infinity
            switch media {
            case .speech(let text, _):
                let name = "speech “\(text.prefix(48))\(text.count > 48 ? "…" : "")”"
                return Source(bus: sound.bus, name: name, loudness: level, isSynthesised: true)
            case .file(let reference):
                return Source(bus: sound.bus, name: reference.description, loudness: level)
            }
        case .builtin(let builtin, _):
            return Source(
                bus: sound.bus, name: "builtin:\(builtin.rawValue)", loudness: SessionPreparer.loudness(of: builtin))
        case .breath:
            // The swell's loudness is a property of the generator, measured for a 4 s in, 6 s out breath.
            return Source(bus: sound.bus, name: "breathing pacer (swell)", loudness: BuiltinLoudness.breath())
        }
    }

    /// `12.3`: one decimal, as every figure in lint's messages.
    static func tenths(_ value: Double) -> String { String(format: "%.1f", value) }

    /// `M:SS.t` (or `H:MM:SS.t`) for a frame of `timeline`, the tenth truncated, as `respite timeline` shows it.
    static func clock(_ timeline: Timeline, _ frame: Int) -> String {
        let seconds = timeline.seconds(frame)
        let whole = Int(seconds)
        let (h, m, s) = (whole / 3600, whole % 3600 / 60, whole % 60)
        let text = h > 0 ? "\(h):\(twoDigits(m)):\(twoDigits(s))" : "\(m):\(twoDigits(s))"
        return text + ".\(Int((seconds - Double(whole)) * 10))"
    }

    private static func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
