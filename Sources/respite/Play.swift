import ArgumentParser
import AudioIO
import Foundation
import Player
import SessionKit

struct Play: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Play a session aloud.",
        discussion: """
            Shows the session's safety notes, then plays it. On a machine with no sound card the \
            session is rendered to a file instead (see --output), which any phone or computer can play.

            Examples:
              respite play pmr-short
              respite play breathing-paced --set pace=0.8
            """)

    @Argument(help: "A session file or a bundled session id.")
    var session: String = "pmr-short"

    @Option(help: ArgumentHelp("ALSA playback device (see `aplay -L`).", valueName: "name"))
    var device: String = "default"

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("Where to save the session when it cannot be played aloud (default: ID.flac here).", valueName: "file"))
    var output: String?

    @OptionGroup var options: SessionOptions

    func run() throws {
        let catalog = SessionCatalog.locate()
        let loaded: Session
        do {
            loaded = try catalog.load(session)
        } catch {
            throw fail(error, context: session)
        }
        print(loaded.title)
        print(loaded.description)
        print("Before you begin:")
        for note in loaded.safety { print("  - \(note)") }
        var reason: String?
        if !PlaybackDevices.hasSoundCard() {
            reason = "No sound card was found on this machine"
        } else {
            do {
                try PlaybackDevices.probe(device)
            } catch {
                reason = "The sound device '\(device)' cannot be opened (\(error.message))"
            }
        }
        let file = output ?? "\(loaded.id).flac"
        if let reason {
            report(
                "\(reason), so Respite cannot play aloud here. It is saving the session to \(file) instead: "
                    + "play that file on any phone or computer with speakers. To try another device, pass "
                    + "--device NAME (`aplay -L` lists them); to choose the file, pass --output or use `respite render`.")
            try renderSession(session, to: file, options: options, catalog: catalog)
            return
        }
        report(
            "Live playback on '\(device)' arrives with the terminal player; saving the session to \(file) meanwhile.")
        try renderSession(session, to: file, options: options, catalog: catalog)
    }
}
