import Foundation
import Testing

@testable import SessionKit

/// Every bad session in `Corpus/` must be rejected with exactly the errors its `.expected` file
/// lists, one per line as `path|line:column|text`, where `text` must occur in the error's
/// message and suggestion (`message; suggestion`). Lines starting with `#` are comments.
@Suite("Corpus of bad sessions")
struct CorpusTests {
    struct Expectation: CustomStringConvertible {
        var path: String
        var line: Int
        var column: Int
        var text: String
        var description: String { "\(path)|\(line):\(column)|\(text)" }
    }

    static func expectations(_ name: String) throws -> [Expectation] {
        let url = try #require(TestSupport.corpusURL).appendingPathComponent(name + ".expected")
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").filter { !$0.isEmpty && !$0.hasPrefix("#") }.map { line in
            let fields = line.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
            try #require(fields.count == 3, "bad line in \(name).expected: \(line)")
            let position = fields[1].split(separator: ":")
            try #require(position.count == 2, "bad position in \(name).expected: \(line)")
            return Expectation(
                path: String(fields[0]), line: try #require(Int(position[0])), column: try #require(Int(position[1])),
                text: String(fields[2]))
        }
    }

    @Test("the corpus holds enough cases")
    func corpusIsLarge() {
        #expect(TestSupport.corpusNames().count >= 24)
    }

    @Test("bad session is rejected with exactly the expected errors", arguments: TestSupport.corpusNames())
    func rejects(_ name: String) throws {
        let url = try #require(TestSupport.corpusURL).appendingPathComponent(name + ".json")
        let bytes = [UInt8](try Data(contentsOf: url))
        let expected = try Self.expectations(name)
        #expect(!expected.isEmpty, "\(name).expected lists no errors")
        var actual: [SessionError] = []
        do {
            let session = try TestSupport.loader.load(bytes: bytes, file: name + ".json", directory: "/sessions")
            Issue.record("\(name).json loaded, but should fail: \(session.id)")
        } catch {
            actual = error.errors
        }
        let actualLines = actual.map { "\($0.path)|\($0.line):\($0.column)|\($0.message)" }
        let matches =
            actual.count == expected.count
            && zip(actual, expected).allSatisfy { error, expectation in
                error.file == name + ".json" && error.path == expectation.path && error.line == expectation.line
                    && error.column == expectation.column
                    && (error.message + (error.suggestion.map { "; \($0)" } ?? "")).contains(expectation.text)
            }
        #expect(
            matches,
            """
            \(name).json
            expected:
            \(expected.map(\.description).joined(separator: "\n"))
            actual:
            \(actualLines.joined(separator: "\n"))
            full:
            \(actual.map(\.description).joined(separator: "\n"))
            """)
        // Errors come sorted by position.
        let positions = actual.map { [$0.line, $0.column] }
        #expect(positions == positions.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) })
    }
}
