import ArgumentParser
import Foundation
import Localization
import Player
import SessionKit

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the bundled sessions, then yours, with their id, duration, title and what they help with.",
        discussion: """
            Durations are at default settings. They are exact once a session's narration has been \
            spoken (by play, render or timeline: it is kept in the cache); until then they are marked \
            "about", estimated from the words and the speaking rate, because list never synthesises \
            speech. A session that cannot be loaded is reported and the others are still listed (exit \
            status 65). Your own sessions are the *.json files in $XDG_DATA_HOME/respite/sessions \
            (~/.local/share/respite/sessions); they are listed after the bundled ones.

            --json prints every session with its metadata: what it helps with, its protocol, who it is \
            for, and its evidence list (each guideline grade with how closely the session delivers the \
            therapy that was graded).

            Sessions are grouped by language (the `lang` column: the session's `language`); --lang shows one \
            language's only: `--lang es` lists the Spanish sessions, whatever their region (es-419, es-US).

            Example:
              respite list
              respite list --lang es
              respite list --json
            """)

    @OptionGroup var options: SessionOptions

    @Flag(help: "Print JSON with each session's protocol and evidence list instead of a table.")
    var json = false

    @Option(help: ArgumentHelp("Only the sessions in this language (en, es, zh, …).", valueName: "code"))
    var lang: String?

    /// One session as `--json` prints it.
    struct Entry: Encodable {
        struct Grade: Encodable {
            var guideline: String
            var therapy: String
            var symptom: String
            var quality: String
            var strength: String
            var match: String
            var note: String?
        }
        var id: String
        var title: String
        var description: String
        var language: String
        var file: String
        var durationSeconds: Double
        /// False while the narration has not been spoken yet: the duration is estimated from the words.
        var durationExact: Bool
        var helpsWith: [String]
        var tags: [String]
        var `protocol`: String
        var source: String
        var audience: String?
        /// Empty when the session is not graded.
        var evidence: [Grade]
        var graded: Bool
        var safety: [String]
    }

    func run() throws {
        let catalog = SessionCatalog.locate()
        let files = catalog.bundledFiles()
        if files.isEmpty {
            report(
                "No bundled sessions found in \(catalog.sessionsFolder). Set RESPITE_HOME to the folder that holds Sessions/ and Audio/."
            )
            throw ExitStatus.notFound
        }
        var rows: [(id: String, language: String, duration: String, title: String, helps: String)] = []
        let bundledCount = files.count
        var yours: Set<Int> = []  // the rows of the listener's own sessions
        var entries: [Entry] = []
        var failure: ExitCode?
        catalog.shadowWarnings().forEach(report)
        for (index, file) in (files + catalog.userFiles()).enumerated() {
            do {
                // Lengths only, from the cache or estimated: listing must answer at once, and never speaks.
                let layout = try options.layout(file, catalog: catalog, speech: .cachedOrEstimated)
                let seconds = layout.timeline.seconds(layout.timeline.duration)
                let duration =
                    layout.isExact ? clock(seconds) : Interface.text.about + " " + clock(Self.rounded(seconds))
                let session = layout.session
                if let lang, !Language.tag(session.language, isIn: lang) { continue }
                if index >= bundledCount { yours.insert(rows.count) }
                rows.append(
                    (session.id, session.language, duration, session.title, session.helpsWith.joined(separator: ", ")))
                entries.append(
                    Entry(
                        id: session.id, title: session.title, description: session.description,
                        language: session.language, file: file, durationSeconds: (seconds * 10).rounded() / 10,
                        durationExact: layout.isExact, helpsWith: session.helpsWith, tags: session.tags,
                        protocol: session.protocol.name, source: session.protocol.source,
                        audience: session.protocol.audience,
                        evidence: session.protocol.evidence.map {
                            Entry.Grade(
                                guideline: $0.guideline, therapy: $0.therapy, symptom: $0.symptom,
                                quality: $0.quality.rawValue, strength: $0.strength.rawValue, match: $0.match.rawValue,
                                note: $0.note)
                        }, graded: session.protocol.isGraded, safety: session.safety))
            } catch {
                // One broken file must not hide the others: report it, list the rest, and fail at the end.
                failure = fail(error, context: file)
            }
        }
        defer { if failure != nil { report("Some sessions could not be listed; see above.") } }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            printLine(String(decoding: try encoder.encode(entries), as: UTF8.self))
            if let failure { throw failure }
            return
        }
        if rows.isEmpty, let lang {
            report("No session is in '\(lang)'. `respite list` shows every session with its language.")
            if let failure { throw failure }
            return
        }
        // The bundled sessions, then the listener's own, each grouped by language in the order the languages
        // first come (English first).
        let primary = { (tag: String) in Language.subtags(tag).first ?? "" }
        var order: [String] = []
        for row in rows where !order.contains(primary(row.language)) { order.append(primary(row.language)) }
        let key = { (offset: Int) in
            (yours.contains(offset) ? 1 : 0, order.firstIndex(of: primary(rows[offset].language)) ?? 0, offset)
        }
        let grouped = rows.indices.sorted { key($0) < key($1) }.map { rows[$0] }
        // Columns by display width: a Chinese title's characters take two columns each.
        let pad = { (text: String, width: Int) in DisplayText.padded(text, to: width) }
        let idWidth = max(2, rows.map { DisplayText.columns($0.id) }.max() ?? 0)
        let languageWidth = max(4, rows.map { DisplayText.columns($0.language) }.max() ?? 0)
        let durationWidth = max(8, rows.map { DisplayText.columns($0.duration) }.max() ?? 0)
        let titleWidth = max(5, rows.map { DisplayText.columns($0.title) }.max() ?? 0)
        func row(_ id: String, _ language: String, _ duration: String, _ title: String, _ helps: String) {
            let line =
                "\(pad(id, idWidth))  \(pad(language, languageWidth))  \(DisplayText.padded(duration, to: durationWidth, leading: true))  "
                + (helps.isEmpty ? title : pad(title, titleWidth) + "  " + helps)
            printLine(line)
        }
        let headings = Interface.text.listHeadings
        row(headings[0], headings[1], headings[2], headings[3], headings[4])
        for entry in grouped { row(entry.id, entry.language, entry.duration, entry.title, entry.helps) }
        if rows.contains(where: { $0.duration.first?.isNumber == false }) {
            printLine(Interface.text.listAboutNote)
        }
        if let failure { throw failure }
    }

    /// An estimated duration to the nearest 10 seconds, so it does not look exact.
    static func rounded(_ seconds: Double) -> Double { (seconds / 10).rounded() * 10 }
}
