import ArgumentParser
import SessionKit

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check session files and report every problem with its place.",
        discussion: """
            Each problem is reported as FILE:LINE:COLUMN: JSON.PATH: what is wrong; what to do.
            Exit status 0 when every file is valid, 65 when any is invalid, 66 when one is missing.

            Example:
              respite validate Sessions/pmr-short.json my-session.json
            """)

    @Argument(help: "Session files or bundled session ids.")
    var sessions: [String]

    func run() throws {
        let catalog = SessionCatalog.locate()
        var status: ExitCode?
        for name in sessions {
            do {
                let session = try catalog.load(name)
                print("ok: \(name): \"\(session.title)\", \(session.steps.count) steps")
            } catch {
                let code = fail(error, context: name)
                // A missing file outranks an invalid one: the command could not even check it.
                if status != ExitStatus.notFound { status = code }
            }
        }
        if let status { throw status }
    }
}
