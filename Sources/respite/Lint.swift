import ArgumentParser
import Foundation
import Player
import SessionKit

struct Lint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check how a session will sound: loudness of every source, fades, cues over speech, music over voice.",
        discussion: """
            Prints the loudness of each source and then any problems: sources of one kind that differ \
            by more than 4 LU (Respite evens them out, but a listener may still hear the difference in \
            the recordings), music fades shorter than 10 ms, cues that sound while narration speaks, \
            and music that would not sit clearly under the voice after ducking.
            Exit status 0 with warnings only, 65 when there are errors.

            Example:
              respite lint my-session.json
            """)

    @Argument(help: "A session file or a bundled session id.")
    var session: String

    @OptionGroup var options: SessionOptions

    func run() throws {
        let catalog = SessionCatalog.locate()
        let prepared: PreparedSession
        let configuration: Configuration
        do {
            prepared = try options.prepare(session, catalog: catalog)
            configuration = try Configuration.load()
        } catch {
            throw fail(error, context: session)
        }
        let timeline = prepared.timeline
        var errors: [String] = []
        var warnings: [String] = []

        printLine("Sources (integrated loudness before Respite evens them out; bus targets: voice "
            + "\(configuration.loudness.voice), music \(configuration.loudness.music), cues \(configuration.loudness.cues) LUFS)")
        var byBus: [ScheduledSound.Bus: [(String, Double)]] = [:]
        var seen = Set<String>()
        for sound in timeline.sounds {
            let (name, level) = describe(sound, prepared)
            guard seen.insert("\(sound.bus)|\(name)").inserted else { continue }
            byBus[sound.bus, default: []].append((name, level))
            let shown = level.isFinite ? String(format: "%6.1f LUFS", level) : "  silent  "
            printLine("  \(String(describing: sound.bus).padding(toLength: 5, withPad: " ", startingAt: 0)) \(shown)  \(name)")
        }
        for (bus, sources) in byBus {
            let levels = sources.map(\.1).filter(\.isFinite)
            guard let low = levels.min(), let high = levels.max(), high - low > 4, bus != .cues else { continue }
            let quiet = sources.first { $0.1 == low }?.0 ?? ""
            let loud = sources.first { $0.1 == high }?.0 ?? ""
            warnings.append(
                "\(bus) sources differ by \(String(format: "%.1f", high - low)) LU (\(quiet) at \(String(format: "%.1f", low)), "
                    + "\(loud) at \(String(format: "%.1f", high))); they are evened out, but re-recording at a steadier level sounds more natural")
        }
        if let music = prepared.session.music {
            for (name, seconds) in [("fadeIn", music.fadeIn), ("fadeOut", music.fadeOut)] where seconds < 0.01 {
                errors.append("music.\(name) is \(seconds) s; fades shorter than 10 ms click: use at least 0.5 s")
            }
        }
        let speech = timeline.sounds.filter { $0.bus == .voice }
        for cue in timeline.sounds where cue.bus == .cues {
            if case .breath = cue.source { continue }
            if let words = speech.first(where: { $0.start < cue.start && cue.start < $0.end - timeline.sampleRate / 10 }) {
                let step = timeline.steps[cue.step]
                warnings.append(
                    "\(step.path): a cue at \(clock(timeline.seconds(cue.start), tenths: true)) sounds while narration speaks "
                        + "(\(clock(timeline.seconds(words.start), tenths: true))–\(clock(timeline.seconds(words.end), tenths: true))); move it into a pause")
            }
        }
        if let music = prepared.session.music, let duck = timeline.ducking {
            let voiceLevel = configuration.loudness.voice + prepared.session.voice.gain
            let musicUnder = configuration.loudness.music + (prepared.parameters.musicGain ?? music.gain) - duck.depth
            let margin = voiceLevel - musicUnder
            if margin <= 0 {
                errors.append("music.gain: under the voice the music is \(String(format: "%.1f", -margin)) LU louder than the narration; lower music.gain or raise music.duck")
            } else if margin < 10 {
                warnings.append("music.gain: under the voice the music sits only \(String(format: "%.1f", margin)) LU below the narration; 15 or more keeps the words clear")
            }
        } else if prepared.session.music != nil, !speech.isEmpty, (prepared.session.music?.duck ?? 0) == 0 {
            warnings.append("music.duck is 0: the music is not lowered while narration speaks")
        }
        for line in errors { printLine("error: \(line)") }
        for line in warnings { printLine("warning: \(line)") }
        printLine("\(errors.count) error\(errors.count == 1 ? "" : "s"), \(warnings.count) warning\(warnings.count == 1 ? "" : "s")")
        if !errors.isEmpty { throw ExitStatus.invalidSession }
    }

    private func describe(_ sound: ScheduledSound, _ prepared: PreparedSession) -> (String, Double) {
        switch sound.source {
        case .media(let media, _):
            let level = prepared.sourceLoudness[media] ?? -.infinity
            switch media {
            case .speech(let text, _): return ("speech “\(text.prefix(48))\(text.count > 48 ? "…" : "")”", level)
            case .file(let reference): return (reference.description, level)
            }
        case .builtin(let builtin, _):
            return ("builtin:\(builtin.rawValue)", SessionPreparer.loudness(of: builtin))
        case .breath:
            return ("breathing pacer (swell)", -.infinity)
        }
    }
}
