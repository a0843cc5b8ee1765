import Foundation
import SessionKit

/// What the history's commands show of a run's ratings: before, after and the change, item by item.
public struct RatingChange: Sendable, Equatable {
    /// The ``RatingItem`` key.
    public var item: String
    /// 0–10; nil when declined or not asked.
    public var before: Int?
    public var after: Int?

    public init(item: String, before: Int?, after: Int?) {
        self.item = item
        self.before = before
        self.after = after
    }

    /// After minus before, in points; nil unless both were given.
    public var change: Int? {
        guard let before, let after else { return nil }
        return after - before
    }

    /// The change as a percentage of before, rounded to one decimal; nil unless both were given and before was
    /// above 0 (a change from 0 has no percentage).
    public var percentChange: Double? {
        guard let change, let before, before > 0 else { return nil }
        return (Double(change) / Double(before) * 1000).rounded() / 10
    }

    /// Pain fell by at least 2 points or at least 30 %: the usual threshold of a change that matters to a patient
    /// (IMMPACT). Nil unless both were given.
    public var isMeaningfulFall: Bool? {
        guard let change, let before else { return nil }
        return change <= -2 || (before > 0 && Double(-change) >= 0.3 * Double(before))
    }
}

extension RatingItem {
    /// The known items rated (or declined) in any of `runs`, in the order they are asked.
    public static func rated(in runs: [RunSummary]) -> [RatingItem] {
        let items = Set(runs.flatMap { $0.ratingChanges.map(\.item) })
        return known.filter { items.contains($0.key) }
    }
}

extension RunSummary {
    /// Every item rated before or after, in ``RatingItem/known`` order (items Respite no longer asks last).
    public var ratingChanges: [RatingChange] {
        let items = (before + after).map(\.item)
        var seen: [String] = []
        for item in RatingItem.known.map(\.key) + items where items.contains(item) && !seen.contains(item) {
            seen.append(item)
        }
        return seen.map { item in
            RatingChange(
                item: item, before: before.first { $0.item == item }?.value,
                after: after.first { $0.item == item }?.value)
        }
    }

    /// The zone it was played in: its IANA name, else (a name this system does not know) its UTC offset.
    public var zone: TimeZone { TimeZone(identifier: timeZone) ?? TimeZone(secondsFromGMT: utcOffset) ?? .gmt }

    /// Seconds played, from the start of the session.
    public var positionSeconds: Double { Double(position) / Double(sampleRate) }
    /// The session's length in seconds, when known.
    public var lengthSeconds: Double? { length.map { Double($0) / Double(sampleRate) } }
}

/// The history as CSV, RFC 4180: UTF-8, comma-separated, CRLF line ends, a header row, fields quoted when they
/// hold a comma, a double quote, CR or LF (a double quote doubled).
///
/// A text field that begins with `=`, `+`, `-`, `@`, a tab or a CR is written with a `'` before it, so that a
/// spreadsheet shows it as text rather than running it as a formula (a session's title is whatever its author
/// wrote). Numbers Respite writes itself (ratings, changes, seconds) are never changed: a change of -3 stays a
/// number a spreadsheet can add up.
public enum HistoryCSV {
    /// One row per run, oldest first, with a before, after, change, percentage change and (for pain) a
    /// meaningful-fall column for every item in `items`.
    public static func document(_ runs: [RunSummary], items: [String]) -> String {
        var header = [
            "run", "session", "title", "started_local", "time_zone", "started_utc", "ended_utc", "ending",
            "played_seconds", "length_seconds", "step", "step_title", "device", "choices",
        ]
        for item in items {
            header += ["\(item)_before", "\(item)_after", "\(item)_change", "\(item)_change_percent"]
            if item == "pain" { header.append("pain_fell_2_points_or_30_percent") }
        }
        var lines = [header.map(field).joined(separator: ",")]
        let utc = ISO8601DateFormatter()
        utc.formatOptions = [.withInternetDateTime]
        // One formatter a zone: making one a row is most of the time of a long export.
        var formatters: [String: DateFormatter] = [:]
        for run in runs.sorted(by: { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }) {
            let zone = run.zone
            let local =
                formatters[zone.identifier]
                ?? {
                    let formatter = DateFormatter()
                    formatter.locale = Locale(identifier: "en_US_POSIX")
                    formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssxxx"
                    formatter.timeZone = zone
                    formatters[zone.identifier] = formatter
                    return formatter
                }()
            var row: [String] = [
                String(run.id), text(run.sessionID), text(run.title), local.string(from: run.startedAt),
                text(run.timeZone), utc.string(from: run.startedAt), run.endedAt.map(utc.string(from:)) ?? "",
                run.ending.rawValue, seconds(run.positionSeconds), run.lengthSeconds.map(seconds) ?? "",
                run.step.map { String($0.number) } ?? "", text(run.step?.title ?? ""), text(run.device),
                text(run.parameters.joined(separator: " ")),
            ]
            let changes = run.ratingChanges
            for item in items {
                let change = changes.first { $0.item == item } ?? RatingChange(item: item, before: nil, after: nil)
                row += [
                    change.before.map(String.init) ?? "", change.after.map(String.init) ?? "",
                    change.change.map(String.init) ?? "", change.percentChange.map { String($0) } ?? "",
                ]
                if item == "pain" { row.append(change.isMeaningfulFall.map { $0 ? "yes" : "no" } ?? "") }
            }
            lines.append(row.map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Text from a run (a title, a device name): neutralised against formula injection.
    public static func text(_ value: String) -> String {
        guard let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return value }
        return "'" + value
    }

    /// One field, quoted when RFC 4180 needs it.
    /// Looked at scalar by scalar, not by character: a comma or quote followed by a combining mark is one
    /// character to Swift but still a comma or a quote to every CSV reader.
    public static func field(_ value: String) -> String {
        let special: Set<Unicode.Scalar> = [",", "\"", "\r", "\n"]
        guard value.unicodeScalars.contains(where: special.contains) else { return value }
        var quoted = String.UnicodeScalarView()
        quoted.append("\"")
        for scalar in value.unicodeScalars {
            quoted.append(scalar)
            if scalar == "\"" { quoted.append("\"") }
        }
        quoted.append("\"")
        return String(quoted)
    }

    static func seconds(_ value: Double) -> String { String(format: "%.1f", value) }
}

/// Before and after ratings over time, as a terminal chart: one row a run, oldest at the top, the 0–10 scale
/// across, `○` before and `●` after joined by a line, drawn with box-drawing characters and no colour (so it
/// reads the same with `NO_COLOR` and in a log).
public enum HistoryChart {
    /// Columns per point of the scale.
    static let step = 3

    /// The chart of `item` for `runs` (any order; drawn oldest first), or nil when no run has that item rated.
    ///
    /// - Parameter heading: the first line, in the reader's language; nil for the English one.
    public static func chart(
        _ runs: [RunSummary], item: RatingItem, label: (RunSummary) -> String, heading: String? = nil
    ) -> String? {
        let rows = runs.sorted(by: { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }).compactMap {
            run -> (String, RatingChange)? in
            guard let change = run.ratingChanges.first(where: { $0.item == item.key }),
                change.before != nil || change.after != nil
            else { return nil }
            return (label(run), change)
        }
        guard !rows.isEmpty else { return nil }
        let labelWidth = rows.map { $0.0.count }.max() ?? 0
        let width = 10 * step + 1
        var lines = [heading ?? "\(item.name): ○ before, ● after (0 = \(item.low), 10 = \(item.high))"]
        for (label, change) in rows {
            var cells = Array(repeating: Character(" "), count: width)
            for point in 0...10 { cells[point * step] = "·" }
            if let before = change.before, let after = change.after, before != after {
                for column in min(before, after) * step...max(before, after) * step { cells[column] = "─" }
            }
            if let before = change.before { cells[before * step] = "○" }
            if let after = change.after { cells[after * step] = "●" }
            let figures =
                "\(change.before.map(String.init) ?? "–") → \(change.after.map(String.init) ?? "–")"
            lines.append(
                label.padding(toLength: labelWidth, withPad: " ", startingAt: 0) + " │" + String(cells) + "│ "
                    + figures)
        }
        var axis = Array(repeating: Character("─"), count: width)
        var numbers = Array(repeating: Character(" "), count: width + 1)
        for point in stride(from: 0, through: 10, by: 2) {
            axis[point * step] = "┴"
            for (offset, digit) in String(point).enumerated() { numbers[point * step + offset] = digit }
        }
        let pad = String(repeating: " ", count: labelWidth)
        lines.append(pad + " └" + String(axis) + "┘")
        lines.append(pad + "  " + String(numbers).trimmingTrailingSpaces)
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var text = Substring(self)
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
