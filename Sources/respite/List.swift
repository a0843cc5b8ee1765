import ArgumentParser
import Foundation
import Player
import SessionKit

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the bundled sessions, then yours, with their id, title and duration.",
        discussion: """
            Durations are exact at default settings (narration is synthesised once and cached). A \
            session that cannot be loaded is reported and the others are still listed (exit status 65).
            Your own sessions are the *.json files in $XDG_DATA_HOME/respite/sessions (~/.local/share/respite/sessions).

            Example:
              respite list
            """)

    @OptionGroup var options: SessionOptions

    func run() throws {
        let catalog = SessionCatalog.locate()
        let files = catalog.bundledFiles()
        if files.isEmpty {
            report("No bundled sessions found in \(catalog.sessionsFolder). Set RESPITE_HOME to the folder that holds Sessions/ and Audio/.")
            throw ExitStatus.notFound
        }
        var rows: [(String, String, String)] = []
        var failure: ExitCode?
        catalog.shadowWarnings().forEach(report)
        for file in files + catalog.userFiles() {
            do {
                let prepared = try options.prepare(file, catalog: catalog)
                rows.append((prepared.session.id, clock(prepared.timeline.seconds(prepared.timeline.duration)), prepared.session.title))
            } catch {
                // One broken file must not hide the others: report it, list the rest, and fail at the end.
                failure = fail(error, context: file)
            }
        }
        defer { if failure != nil { report("Some bundled sessions could not be listed; see above.") } }
        let idWidth = max(2, rows.map(\.0.count).max() ?? 0)
        printLine("\("id".padding(toLength: idWidth, withPad: " ", startingAt: 0))  duration  title")
        for (id, duration, title) in rows {
            printLine("\(id.padding(toLength: idWidth, withPad: " ", startingAt: 0))  \(duration.leftPadded(8))  \(title)")
        }
        if let failure { throw failure }
    }
}
