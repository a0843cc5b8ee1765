import ArgumentParser
import Foundation
import History
import Localization
import Player
import SessionKit

/// Opens the history for reading commands, read-only (nothing is created, migrated or written; a run whose process
/// is gone shows as interrupted): `--history`, else the configuration's, else the listener's own. Nil (said)
/// when there is none yet; throws the exit status when it cannot be opened.
func openHistory(_ given: String?) throws -> HistoryStore? {
    if given?.isEmpty == true { throw ValidationError("--history needs a file's path.") }
    let configured = (try? Configuration.load())?.history
    guard let path = HistoryRecorder.path(given, configured: configured) else {
        report("There is no home folder to keep a history in; give one with --history FILE.")
        throw ExitStatus.notFound
    }
    guard FileManager.default.fileExists(atPath: path) else {
        if given != nil || configured != nil { report("note: there is no history at \(path) yet.") }
        return nil
    }
    do {
        return try HistoryStore(path: path, readOnly: true)
    } catch {
        report(error.description)
        throw ExitStatus.ioFailure
    }
}

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List the sessions you have played: when, how far, how they ended, and how you felt.",
        discussion: """
            Every play is recorded in the history database ($XDG_DATA_HOME/respite/history.sqlite, the \
            configuration's "history", or --history FILE): when it started (your local time), the session, \
            how far it played, how it ended (finished; stopped by you; the sound device was lost; ended by a \
            signal; or interrupted by a crash or power loss, found at the next start), and your ratings before \
            and after (before → after). Newest first. `respite resume RUN` continues a run that did not finish.

            Examples:
              respite history
              respite history --chart
              respite history --json --limit 500
            """)

    @Option(help: ArgumentHelp("The history database.", valueName: "file"))
    var history: String?

    @Option(help: ArgumentHelp("How many runs to show, newest first.", valueName: "count"))
    var limit: Int = 20

    @Flag(help: "Print JSON (every run with its ratings and their changes) instead of a table.")
    var json = false

    @Flag(help: "Draw the ratings before and after each session over time.")
    var chart = false

    @Flag(help: "With --chart: a plain table instead of the drawing (for screen readers).")
    var plain = false

    @Option(
        help: ArgumentHelp(
            "The language of the table: en, es or zh (default: from LANG, LC_MESSAGES or LC_ALL).", valueName: "code"))
    var lang: String?

    func validate() throws {
        guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be 1…100000.") }
        if json && chart { throw ValidationError("--json and --chart are two ways to show it; give one of them.") }
    }

    /// One run as `--json` prints it.
    struct Entry: Encodable {
        var id: Int64
        var session: String
        var source: String
        var title: String
        var startedAt: String
        var timeZone: String
        var endedAt: String?
        var ending: String
        var positionSeconds: Double
        var lengthSeconds: Double?
        var step: Int?
        var stepTitle: String?
        var parameters: [String]
        var device: String
        var before: [String: Int?]
        var after: [String: Int?]
        var change: [String: Int?]

        init(_ run: RunSummary) {
            let iso = ISO8601DateFormatter()
            iso.formatOptions = [.withInternetDateTime]
            iso.timeZone = run.zone
            id = run.id
            session = run.sessionID
            source = run.source
            title = run.title
            startedAt = iso.string(from: run.startedAt)
            timeZone = run.timeZone
            endedAt = run.endedAt.map(iso.string(from:))
            ending = run.ending.rawValue
            positionSeconds = (run.positionSeconds * 10).rounded() / 10
            lengthSeconds = run.lengthSeconds.map { ($0 * 10).rounded() / 10 }
            step = run.step?.number
            stepTitle = run.step?.title
            parameters = run.parameters
            device = run.device
            let changes = run.ratingChanges
            before = Dictionary(uniqueKeysWithValues: run.before.map { ($0.item, $0.value) })
            after = Dictionary(uniqueKeysWithValues: run.after.map { ($0.item, $0.value) })
            change = Dictionary(uniqueKeysWithValues: changes.map { ($0.item, $0.change) })
        }

        func encode(to encoder: any Encoder) throws {
            // Declined ratings are written as null, not left out: "asked and declined" is a result.
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(session, forKey: .session)
            try container.encode(source, forKey: .source)
            try container.encode(title, forKey: .title)
            try container.encode(startedAt, forKey: .startedAt)
            try container.encode(timeZone, forKey: .timeZone)
            try container.encode(endedAt, forKey: .endedAt)
            try container.encode(ending, forKey: .ending)
            try container.encode(positionSeconds, forKey: .positionSeconds)
            try container.encode(lengthSeconds, forKey: .lengthSeconds)
            try container.encode(step, forKey: .step)
            try container.encode(stepTitle, forKey: .stepTitle)
            try container.encode(parameters, forKey: .parameters)
            try container.encode(device, forKey: .device)
            try container.encode(before.mapValues(Nullable.init), forKey: .before)
            try container.encode(after.mapValues(Nullable.init), forKey: .after)
            try container.encode(change.mapValues(Nullable.init), forKey: .change)
        }

        enum CodingKeys: String, CodingKey {
            case id, session, source, title, startedAt, timeZone, endedAt, ending, positionSeconds, lengthSeconds
            case step, stepTitle, parameters, device, before, after, change
        }
    }

    /// An optional number that encodes as JSON null when absent.
    struct Nullable: Encodable {
        let value: Int?
        init(_ value: Int?) { self.value = value }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            if let value { try container.encode(value) } else { try container.encodeNil() }
        }
    }

    func run() throws {
        try Interface.choose(lang)
        guard let store = try openHistory(history) else {
            if json { printLine("[]") } else { printLine(Interface.text.history.none) }
            return
        }
        let runs: [RunSummary]
        do {
            runs = try store.runs(limit: limit)
        } catch {
            report(error.description)
            throw ExitStatus.ioFailure
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            printLine(String(decoding: try encoder.encode(runs.map(Entry.init)), as: UTF8.self))
            return
        }
        if runs.isEmpty {
            printLine(Interface.text.history.none)
            return
        }
        if chart {
            printLine(Self.chart(runs, plain: plain))
            return
        }
        printLine(Self.table(runs))
    }

    /// `2026-12-03 14:02`, in the zone the run was played in.
    static func localTime(_ run: RunSummary) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        formatter.timeZone = run.zone
        return formatter.string(from: run.startedAt)
    }

    /// The runs as a table, newest first, with a column for each item rated in any of them: "6 → 3".
    static func table(_ runs: [RunSummary]) -> String {
        let items = RatingItem.rated(in: runs)
        let text = Interface.text
        let words = text.history
        var rows =
            [
                [words.run, words.started, words.session, words.played, words.howItEnded]
                    + items.map { text.words($0).shortName }
            ]
        for run in runs {
            let played = clock(run.positionSeconds)
            let length = run.lengthSeconds.map { " \(words.of) " + clock($0) } ?? ""
            let changes = run.ratingChanges
            rows.append(
                [String(run.id), localTime(run), run.sessionID, played + length, Self.words(run)]
                    + items.map { item in
                        guard let change = changes.first(where: { $0.item == item.key }) else { return "" }
                        return "\(change.before.map(String.init) ?? "–") → \(change.after.map(String.init) ?? "–")"
                    })
        }
        var table = aligned(rows)
        if !items.isEmpty { table += "\n" + words.legend }
        if runs.contains(where: { [.stopped, .deviceLost, .signal, .crash, .failed].contains($0.ending) }) {
            table += "\n" + words.resumeHint
        }
        return table
    }

    /// Rows as columns two spaces apart, each as wide as its widest cell.
    static func aligned(_ rows: [[String]]) -> String {
        // By display width: a Chinese heading's characters take two columns each.
        let widths = (0..<(rows.first?.count ?? 0)).map { column in
            rows.map { DisplayText.columns($0[column]) }.max() ?? 0
        }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : DisplayText.padded(cell, to: widths[column])
            }.joined(separator: "  ").trimmingTrailingSpaces
        }.joined(separator: "\n")
    }

    /// The chart of each item rated in `runs`; with `plain`, a table of the same figures.
    static func chart(_ runs: [RunSummary], plain: Bool) -> String {
        let items = RatingItem.rated(in: runs)
        let text = Interface.text
        let words = text.history
        guard !items.isEmpty else { return words.noRatings }
        let label = { (run: RunSummary) in localTime(run) + " " + run.sessionID }
        if plain {
            // The chart's figures as a table, one for each item: a screen reader reads it row by row.
            var tables: [String] = []
            for item in items {
                var rows = [[words.started, words.session, words.before, words.after, words.change]]
                for run in runs.sorted(by: { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }) {
                    guard let change = run.ratingChanges.first(where: { $0.item == item.key }) else { continue }
                    rows.append([
                        localTime(run), run.sessionID, change.before.map(String.init) ?? words.notAnswered,
                        change.after.map(String.init) ?? words.notAnswered,
                        change.change.map { $0 > 0 ? "+\($0)" : String($0) } ?? "",
                    ])
                }
                let named = text.words(item)
                tables.append("\(named.name) (0 = \(named.low), 10 = \(named.high))\n" + aligned(rows))
            }
            return tables.joined(separator: "\n\n")
        }
        return items.compactMap { item in
            let named = text.words(item)
            return HistoryChart.chart(
                runs, item: item, label: label, heading: text.chartHeading(named.name, named.low, named.high))
        }.joined(separator: "\n\n")
    }

    /// How a run ended, in a listener's words.
    static func words(_ run: RunSummary) -> String {
        let words = Interface.text.history
        let atStep = run.step.map { words.inStep($0.number) } ?? ""
        switch run.ending {
        case .open: return words.playingNow
        case .finished: return words.finished
        case .stopped: return words.stoppedByYou + atStep
        case .deviceLost: return words.deviceLost + atStep
        case .signal: return words.signal + atStep
        case .failed: return words.failed + atStep
        case .crash: return words.crash + atStep
        }
    }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var text = Substring(self)
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
