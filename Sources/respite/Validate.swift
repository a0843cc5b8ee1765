import ArgumentParser
import SessionKit

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check session files and report every problem with its place.",
        discussion: """
            Each problem is reported as FILE:LINE:COLUMN: JSON.PATH: what is wrong; what to do.
            Exit status 0 when every file is valid, 65 when any is not.

            Example:
              respite validate Sessions/pmr-short.json my-session.json
            """)

    @Argument(help: "Session files or bundled session ids.")
    var sessions: [String]

    func run() throws {
        let catalog = SessionCatalog.locate()
        var failed = false
        for name in sessions {
            do {
                let session = try catalog.load(name)
                print("ok: \(name): \"\(session.title)\", \(session.steps.count) steps")
            } catch {
                _ = fail(error, context: name)
                failed = true
            }
        }
        if failed { throw ExitStatus.invalidSession }
    }
}
