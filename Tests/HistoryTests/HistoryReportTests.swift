import Foundation
import History
import SessionKit
import Testing

/// What the history's commands show: the CSV export (RFC 4180, safe in a spreadsheet), the chart, and the
/// ratings as `--before` and `--after` take them.
@Suite struct HistoryReportTests {
    static func run(
        _ id: RunID, day: Int, title: String = "Tense and let go", before: [Rating], after: [Rating],
        ending: RunEnding = .finished
    ) -> RunSummary {
        let start = Date(timeIntervalSince1970: 1_790_000_000 + Double(day) * 86_400)
        return RunSummary(
            id: id, sessionID: "pmr-short", source: "pmr-short", title: title, fileHash: "ab", parameters: [],
            device: "default", sampleRate: 48_000, length: 48_000 * 690, startedAt: start,
            timeZone: "America/New_York", utcOffset: -18_000, endedAt: start.addingTimeInterval(690), ending: ending,
            position: 48_000 * 690, step: StepPlace(number: 12, title: "Rest"), before: before, after: after)
    }

    /// Splits RFC 4180 text into records of fields, honouring quotes (a reader written from the RFC's grammar).
    static func records(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(text.unicodeScalars)[...]
        while let scalar = characters.popFirst() {
            if quoted {
                if scalar == "\"" {
                    if characters.first == "\"" {
                        field.unicodeScalars.append("\"")
                        characters.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(scalar)
                }
            } else if scalar == "\"" && field.isEmpty {
                quoted = true
            } else if scalar == "," {
                fields.append(field)
                field = ""
            } else if scalar == "\r" && characters.first == "\n" {
                characters.removeFirst()
                fields.append(field)
                records.append(fields)
                fields = []
                field = ""
            } else {
                #expect(scalar != "\n" && scalar != "\r" && scalar != "\"", "a bare \(scalar) outside quotes")
                field.unicodeScalars.append(scalar)
            }
        }
        #expect(fields.isEmpty && field.isEmpty, "the last record ends with CRLF")
        return records
    }

    @Test func theCSVIsRFC4180WithOneRowPerRunOldestFirst() throws {
        let runs = [
            Self.run(2, day: 1, title: "Line one\nline \"two\", and more", before: [], after: []),
            Self.run(
                1, day: 0, before: [Rating(item: "pain", value: 6), Rating(item: "anxiety", value: nil)],
                after: [Rating(item: "pain", value: 4), Rating(item: "anxiety", value: 3)]),
        ]
        let text = HistoryCSV.document(runs, items: ["pain", "anxiety"])
        #expect(text.hasSuffix("\r\n"))
        let records = Self.records(text)
        #expect(records.count == 3)
        #expect(Set(records.map(\.count)) == [records[0].count], "every record has the header's fields")
        let header = records[0]
        func cell(_ row: Int, _ name: String) -> String? { header.firstIndex(of: name).map { records[row][$0] } }
        #expect(cell(1, "run") == "1" && cell(2, "run") == "2")
        #expect(cell(2, "title") == "Line one\nline \"two\", and more", "quotes, commas and line ends survive")
        #expect(cell(1, "started_local") == "2026-09-21T10:13:20-04:00")
        #expect(cell(1, "started_utc") == "2026-09-21T14:13:20Z")
        #expect(cell(1, "pain_before") == "6" && cell(1, "pain_after") == "4" && cell(1, "pain_change") == "-2")
        #expect(cell(1, "pain_change_percent") == "-33.3")
        #expect(cell(1, "pain_fell_2_points_or_30_percent") == "yes")
        #expect(cell(1, "anxiety_before") == "", "declined: empty, never 0")
        #expect(cell(1, "anxiety_change") == "" && cell(1, "anxiety_after") == "3")
        #expect(cell(2, "pain_before") == "" && cell(2, "pain_fell_2_points_or_30_percent") == "")
        #expect(cell(1, "played_seconds") == "690.0" && cell(1, "step") == "12")
    }

    @Test func aCommaOrQuoteWithACombiningMarkIsStillQuoted() throws {
        let title = "Calm\u{301},\u{301} then rest\"\u{301} ok\u{200D}\n"
        let text = HistoryCSV.document([Self.run(1, day: 0, title: title, before: [], after: [])], items: ["pain"])
        let records = Self.records(text)
        #expect(records.count == 2 && records[1].count == records[0].count)
        let index = try #require(records[0].firstIndex(of: "title"))
        #expect(records[1][index] == title)
    }

    @Test(arguments: ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "=HYPERLINK(\"http://x\",\"y\")"])
    func textThatLooksLikeAFormulaIsWrittenAsText(_ title: String) throws {
        let text = HistoryCSV.document(
            [
                Self.run(
                    1, day: 0, title: title, before: [Rating(item: "pain", value: 6)],
                    after: [Rating(item: "pain", value: 3)])
            ],
            items: ["pain"])
        let records = Self.records(text)
        let header = records[0]
        let index = try #require(header.firstIndex(of: "title"))
        #expect(records[1][index] == "'" + title, "shown as the text it is, never run")
        for field in records[1] where !field.isEmpty {
            let first = field.unicodeScalars.first!
            // Only numbers Respite wrote may start with a minus: a change of -3 stays a number.
            if first == "-" { #expect(Double(field) != nil, "\(field)") }
            #expect(!"=+@\t\r".unicodeScalars.contains(first), "\(field)")
        }
        #expect(header.first { $0 == "pain_change" } != nil)
    }

    @Test(arguments: [
        (6, 4, true), (6, 5, false), (3, 2, true), (10, 7, true), (10, 8, true), (2, 2, false), (0, 0, false),
        (4, 6, false),
    ])
    func aMeaningfulFallIsTwoPointsOrThirtyPercent(_ before: Int, _ after: Int, _ meaningful: Bool) {
        let change = RatingChange(item: "pain", before: before, after: after)
        #expect(change.isMeaningfulFall == meaningful)
        #expect(change.change == after - before)
        if before == 0 { #expect(change.percentChange == nil) }
    }

    @Test func theChartDrawsEachRunBeforeAndAfterOnTheScale() throws {
        let runs = [
            Self.run(2, day: 1, before: [Rating(item: "pain", value: 2)], after: [Rating(item: "pain", value: nil)]),
            Self.run(1, day: 0, before: [Rating(item: "pain", value: 6)], after: [Rating(item: "pain", value: 3)]),
            Self.run(3, day: 2, before: [Rating(item: "anxiety", value: 5)], after: []),
        ]
        let pain = try #require(RatingItem.named("pain"))
        let chart = try #require(HistoryChart.chart(runs, item: pain, label: { "run \($0.id)" }))
        #expect(
            chart == """
                Pain: ○ before, ● after (0 = no pain, 10 = worst possible pain)
                run 1 │·  ·  ·  ●────────○  ·  ·  ·  ·│ 6 → 3
                run 2 │·  ·  ○  ·  ·  ·  ·  ·  ·  ·  ·│ 2 → –
                      └┴─────┴─────┴─────┴─────┴─────┴┘
                       0     2     4     6     8     10
                """)
        #expect(HistoryChart.chart(runs, item: try #require(RatingItem.named("sleep")), label: { "\($0.id)" }) == nil)
    }

    @Test func ratingsAreReadAsTheCommandLineGivesThem() throws {
        #expect(
            try parseRatings("pain=6, anxiety=-,sleep=0").get()
                == [
                    Rating(item: "pain", value: 6), Rating(item: "anxiety", value: nil),
                    Rating(item: "sleep", value: 0),
                ])
        for bad in [
            "pain=11", "pain=-1", "pain=-0", "pain=+3", "pain=007", "pain", "pain=6,pain=5", "ache=3", "pain=٣",
            "pain=3.5", "", "pain=6,",
        ] {
            #expect(throws: RatingSyntaxError.self, "\(bad)") { try parseRatings(bad).get() }
        }
    }
}
