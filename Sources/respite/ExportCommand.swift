import ArgumentParser
import Foundation
import History
import SessionKit

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the history as CSV, one row per run with its ratings and their changes.",
        discussion: """
            RFC 4180 CSV in UTF-8 on standard output: one row per run, oldest first, with when it started (local \
            time and UTC), the session, how far it played and how it ended, and for each rating item before, \
            after, the change in points and in percent; for pain, whether it fell by at least 2 points or 30 %. \
            A declined rating is an empty cell, never 0. Text that begins like a spreadsheet formula is written \
            with a ' before it.

            Examples:
              respite export --csv > history.csv
              respite export --csv --from 2026-11-01 --to 2026-11-30
            """)

    @Flag(help: "Write CSV (the only format so far; it must be given, so that scripts stay right if another comes).")
    var csv = false

    @Option(help: ArgumentHelp("The history database.", valueName: "file"))
    var history: String?

    @Option(help: ArgumentHelp("The first day to include, in your local time.", valueName: "YYYY-MM-DD"))
    var from: String?

    @Option(help: ArgumentHelp("The last day to include, in your local time.", valueName: "YYYY-MM-DD"))
    var to: String?

    func validate() throws {
        guard csv else { throw ValidationError("Say which format: --csv.") }
        let range = try Self.range(from: from, to: to)
        if let start = range.start, let end = range.end, start >= end {
            throw ValidationError("--from is after --to; the first day comes first.")
        }
    }

    /// The instants `from` (its midnight) and `to` (the midnight after it) in the listener's zone (`TZ` in any
    /// form, as the history records it).
    static func range(from: String?, to: String?, zone: TimeZone = RunStart.localZone()) throws -> (
        start: Date?, end: Date?
    ) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        func day(_ text: String, option: String) throws -> Date {
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
                parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
                let year = Int(parts[0]), (1970...9998).contains(year), let month = Int(parts[1]),
                let dayNumber = Int(parts[2]),
                let date = calendar.date(from: DateComponents(year: year, month: month, day: dayNumber)),
                calendar.component(.day, from: date) == dayNumber, calendar.component(.month, from: date) == month
            else {
                throw ValidationError(
                    "\(option) '\(text.escapingInvisible)' is not a date from 1970 to 9998; write it as YYYY-MM-DD, "
                        + "e.g. 2026-11-30.")
            }
            return calendar.startOfDay(for: date)
        }
        let start = try from.map { try day($0, option: "--from") }
        let end = try to.map { try day($0, option: "--to") }.flatMap { calendar.date(byAdding: .day, value: 1, to: $0) }
        return (start, end)
    }

    func run() throws {
        let range = try Self.range(from: from, to: to)
        var runs: [RunSummary] = []
        if let store = try openHistory(history) {
            do {
                runs = try store.runs(limit: nil, from: range.start, to: range.end)
            } catch {
                report(error.description)
                throw ExitStatus.ioFailure
            }
        }
        // Pain and anxiety always have their columns, so that exports from different machines line up.
        let rated = RatingItem.rated(in: runs).map(\.key)
        let items = RatingItem.known.map(\.key).filter { RatingItem.defaultKeys.contains($0) || rated.contains($0) }
        // Checked like every output: a closed pipe or a full disk is said, with exit status 74, never a crash.
        StandardStreams.write(HistoryCSV.document(runs, items: items))
    }
}
