import Foundation
import SessionKit
import Testing

/// Inputs the fuzzers (Fuzz/, `make fuzz`) found, reduced to their cause, so each failure stays fixed.
@Suite struct FuzzRegressionTests {
    /// A key holding a control character through an escape, then a missing ':'. The message quoted the key, and
    /// so printed a raw tab, line break or ESC (an escape sequence a terminal obeys). Found by fuzz-json,
    /// fuzz-session and fuzz-configuration alike.
    static let escapedKeys: [(input: String, shown: String)] = [
        (#"{"s\t"cycles": 1}"#, #"'s\u{9}'"#),
        (#"{"avidenc\n"strong"u"#, #"'avidenc\u{A}'"#),
        (#"{ "\u001b[2J""steps": [] }"#, #"'\u{1B}[2J'"#),
        (#"{ "\u202Eevil" 1 }"#, #"'\u{202E}evil'"#),
    ]

    @Test(arguments: escapedKeys)
    func theParserNeverPrintsAControlCharacter(_ input: String, _ shown: String) throws {
        let error = try #require(throws: JSONError.self) { try JSONParser().parse(Array(input.utf8)) }
        #expect(error.description.contains(shown), "\(error)")
        #expect(!error.description.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{202E}" })
    }

    @Test(arguments: escapedKeys)
    func theLoaderNeverPrintsAControlCharacter(_ input: String, _ shown: String) throws {
        let loader = SessionLoader(audioRoot: nil, fileExists: { _ in true })
        let errors = try #require(throws: SessionErrors.self) {
            try loader.load(bytes: Array(input.utf8), file: "fuzz.json", directory: "/tmp")
        }
        #expect(errors.description.hasPrefix("fuzz.json:1:"))
        #expect(errors.description.contains(shown), "\(errors)")
        #expect(!errors.description.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{202E}" })
    }

    @Test func anUnknownKeyWithAnEscapeSequenceIsShownEscaped() throws {
        let input = #"{ "format": 1, "\u001b]0;owned\u0007": 2 }"#
        let errors = try #require(throws: SessionErrors.self) {
            try SessionLoader(audioRoot: nil, fileExists: { _ in true }).load(
                bytes: Array(input.utf8), file: "s.json", directory: "/tmp")
        }
        #expect(errors.description.contains(#"unknown key '\u{1B}]0;owned\u{7}'"#), "\(errors)")
        #expect(!errors.description.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    }
}
