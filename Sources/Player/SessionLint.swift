import Foundation
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
/// Pure: reads the prepared session and the bus targets only, so every rule is tested in memory.
public enum SessionLint {
    /// The most two sources of one bus may differ before a warning, in LU.
    public static let unevenSourcesLimit = 4.0
    /// The shortest music fade that does not click, in seconds.
    public static let shortestFade = 0.01
    /// How far under the voice the ducked music must sit to keep the words clear, in LU.
    public static let clearMargin = 10.0

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
        public enum Rule: String, Sendable, Equatable {
            case unevenSources, shortMusicFade, cueOverSpeech, musicOverVoice, musicNotDucked
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

    /// Runs every rule on `prepared` against the bus targets in `targets`.
    public static func check(_ prepared: PreparedSession, targets: Configuration.Loudness) -> Report {
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
            let span = timeline.steps[cue.step]
            let step = session.steps.first { $0.path == span.path }
            findings.append(
                Finding(
                    severity: .warning, rule: .cueOverSpeech,
                    message: "\(span.path): a cue at \(clock(timeline, cue.start)) sounds while narration speaks "
                        + "(\(clock(timeline, words.start))–\(clock(timeline, words.end))); move it into a pause",
                    place: step.map(session.place(of:)) ?? SessionPlace(path: span.path), step: cue.step))
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
        // Errors first, as `respite lint` has always printed them; the sort is stable within each group.
        let ordered = findings.filter { $0.severity == .error } + findings.filter { $0.severity == .warning }
        return Report(sources: sources, findings: ordered)
    }

    /// The source behind `sound`, named for a therapist, with its loudness before normalisation.
    static func describe(_ sound: ScheduledSound, _ prepared: PreparedSession) -> Source {
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
            return Source(bus: sound.bus, name: "breathing pacer (swell)", loudness: -.infinity)
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
