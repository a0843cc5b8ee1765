import ArgumentParser
import Foundation
import Player
import SessionKit

struct Lint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Check how a session will sound: loudness of every source, fades, cues over speech, music over voice.",
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
        let targets = configuration.loudness
        let report = SessionLint.check(prepared, targets: targets)
        printLine(
            "Sources (integrated loudness before Respite evens them out; bus targets: voice "
                + "\(targets.voice), music \(targets.music), cues \(targets.cues) LUFS)")
        for source in report.sources {
            let shown = source.loudness.isFinite ? String(format: "%6.1f LUFS", source.loudness) : "  silent  "
            let bus = String(describing: source.bus).padding(toLength: 5, withPad: " ", startingAt: 0)
            printLine("  \(bus) \(shown)  \(source.name)")
        }
        for finding in report.findings { printLine("\(finding.severity): \(finding)") }
        let (errors, warnings) = (report.errors.count, report.warnings.count)
        printLine("\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
        if errors > 0 { throw ExitStatus.invalidSession }
    }
}
