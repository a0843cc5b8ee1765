import ArgumentParser
import Foundation

/// `respite`: plays, checks and renders guided relaxation sessions.
@main
struct Respite: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Guided relaxation sessions: progressive muscle relaxation, imagery, paced breathing.",
        discussion: """
            Sessions are named by a file path or by the id of a bundled session (see `respite list`). \
            A session given where a command is expected is played: `respite pmr-short` is short for \
            `respite play pmr-short`. With no arguments at all, Respite says how to begin.
            Respite helps people cope with pain, anxiety and sleep; it does not treat illness or \
            replace advice from your care team.
            """,
        version: "0.1.0",
        subcommands: [
            Play.self, ResumeCommand.self, List.self, HistoryCommand.self, ExportCommand.self, Validate.self,
            Lint.self, Timeline.self, Render.self, Devices.self, Voices.self, ClinicCommand.self, CtlCommand.self,
        ])

    /// Runs the command with the standard streams made safe first and checked last (``StandardStreams``).
    static func main() {
        StandardStreams.prepare()
        if let message = MemoryLimits.problem() {
            report(message)
            Foundation.exit(ExitStatus.systemLimit.rawValue)
        }
        if let message = StandardStreams.invalidArgument() {
            report(message)
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        let arguments: [String]
        switch FirstWord.route(Array(CommandLine.arguments.dropFirst()), isSession: Self.namesSession) {
        case .arguments(let routed):
            arguments = routed
        case .welcome:
            printLine(FirstWord.welcomeText)
            Foundation.exit(StandardStreams.finish() ?? 0)
        case .unknown(let word):
            report(FirstWord.unknownText(word, sessionIDs: Self.sessionIDs()))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        let status: Int32
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            status = 0
        } catch {
            if let failed = StandardStreams.finish() { Foundation.exit(failed) }
            exit(withError: error)
        }
        Foundation.exit(StandardStreams.finish() ?? status)
    }

    /// Whether `word` is a session file or a session's id.
    private static func namesSession(_ word: String) -> Bool {
        (try? SessionCatalog.locate().file(for: word)) != nil
    }

    /// The sessions' ids (bundled, then the listener's own), for a suggestion.
    private static func sessionIDs() -> [String] {
        let catalog = SessionCatalog.locate()
        return (catalog.bundledFiles() + catalog.userFiles()).map {
            ($0 as NSString).lastPathComponent.replacingOccurrences(of: ".json", with: "")
        }
    }
}
