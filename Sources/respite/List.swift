import ArgumentParser
import Foundation
import Player
import SessionKit

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the bundled sessions, then yours, with their id, title and duration.",
        discussion: """
            Durations are at default settings. They are exact once a session's narration has been \
            spoken (by play, render or timeline: it is kept in the cache); until then they are marked \
            "about", estimated from the words and the speaking rate, because list never synthesises \
            speech. A session that cannot be loaded is reported and the others are still listed (exit \
            status 65). Your own sessions are the *.json files in $XDG_DATA_HOME/respite/sessions \
            (~/.local/share/respite/sessions); they are listed after the bundled ones.

            Example:
              respite list
            """)

    @OptionGroup var options: SessionOptions

    func run() throws {
        let catalog = SessionCatalog.locate()
        let files = catalog.bundledFiles()
        if files.isEmpty {
            report(
                "No bundled sessions found in \(catalog.sessionsFolder). Set RESPITE_HOME to the folder that holds Sessions/ and Audio/."
            )
            throw ExitStatus.notFound
        }
        var rows: [(String, String, String)] = []
        var failure: ExitCode?
        catalog.shadowWarnings().forEach(report)
        for file in files + catalog.userFiles() {
            do {
                // Lengths only, from the cache or estimated: listing must answer at once, and never speaks.
                let layout = try options.layout(file, catalog: catalog, speech: .cachedOrEstimated)
                let seconds = layout.timeline.seconds(layout.timeline.duration)
                let duration = layout.isExact ? clock(seconds) : "about " + clock(Self.rounded(seconds))
                rows.append((layout.session.id, duration, layout.session.title))
            } catch {
                // One broken file must not hide the others: report it, list the rest, and fail at the end.
                failure = fail(error, context: file)
            }
        }
        defer { if failure != nil { report("Some sessions could not be listed; see above.") } }
        let idWidth = max(2, rows.map(\.0.count).max() ?? 0)
        let durationWidth = max(8, rows.map(\.1.count).max() ?? 0)
        func row(_ id: String, _ duration: String, _ title: String) {
            let padded = id.padding(toLength: idWidth, withPad: " ", startingAt: 0)
            printLine("\(padded)  \(duration.leftPadded(durationWidth))  \(title)")
        }
        row("id", "duration", "title")
        for (id, duration, title) in rows { row(id, duration, title) }
        if rows.contains(where: { $0.1.hasPrefix("about") }) {
            printLine("(\"about\": narration not spoken yet, estimated from its words; exact after the first play.)")
        }
        if let failure { throw failure }
    }

    /// An estimated duration to the nearest 10 seconds, so it does not look exact.
    static func rounded(_ seconds: Double) -> Double { (seconds / 10).rounded() * 10 }
}
