import ArgumentParser
import Foundation

/// `respite`: plays, checks and renders guided relaxation sessions.
@main
struct Respite: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Guided relaxation sessions: progressive muscle relaxation, imagery, paced breathing.",
        discussion: """
            Sessions are named by a file path or by the id of a bundled session (see `respite list`).
            Respite helps people cope with pain, anxiety and sleep; it does not treat illness or \
            replace advice from your care team.
            """,
        version: "0.1.0",
        subcommands: [Play.self, List.self, Validate.self, Lint.self, Timeline.self, Render.self, Devices.self])

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
        let status: Int32
        do {
            var command = try parseAsRoot()
            try command.run()
            status = 0
        } catch {
            if let failed = StandardStreams.finish() { Foundation.exit(failed) }
            exit(withError: error)
        }
        Foundation.exit(StandardStreams.finish() ?? status)
    }
}
