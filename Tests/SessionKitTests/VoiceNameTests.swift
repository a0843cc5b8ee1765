import Testing

@testable import SessionKit

/// `voice.name` is checked for shape when the session loads, so `respite validate` reports a path-like, overlong or
/// garbled name at its line and column before anything could reach espeak-ng.
@Suite("Voice names in sessions")
struct VoiceNameTests {
    /// A session whose `voice.name` is `name` (JSON-escaped by the caller where needed), on line 7, column 20.
    static func session(voice name: String) -> String {
        TestSupport.session(
            steps: #"{ "type": "narration", "text": "Rest." }"#,
            extra: "\n\n\"voice\": { \"name\": \"\(name)\" },")
    }

    static let refused: [(json: String, problem: String)] = [
        ("../../../etc/passwd", "has more than one '/'"),
        ("en+../../x", "contains '.'"),
        ("/etc/passwd", "has more than one '/'"),
        ("/en", "has an empty part"),
        ("gmw/", "has an empty part"),
        ("a/b/c", "has more than one '/'"),
        ("..", "contains '.'"),
        ("en/..", "contains '.'"),
        ("en+" + String(repeating: "a", count: 300), "is 303 characters long"),
        (String(repeating: "e", count: 41), "is 41 characters long"),
        ("en+", "has an empty part"),
        ("+f3", "has an empty part"),
        ("en++f3", "has more than one '+'"),
        ("en+f3+m3", "has more than one '+'"),
        ("", "is empty"),
        ("en gb", "contains U+0020"),
        ("en.gb", "contains '.'"),
        ("en\\u0001", "contains U+0001"),
        ("en\\n", "contains U+000A"),
        ("en\\u007f", "contains U+007F"),
        ("\\u00e9n", "contains U+00E9"),
        ("en\\\\x", "contains '\\'"),
        ("en:gb", "contains ':'"),
        ("en%2f..", "contains '%'"),
        ("en*", "contains '*'"),
    ]

    @Test("a malformed voice name is an error at voice.name's line and column", arguments: refused)
    func refusesMalformed(json: String, problem: String) {
        let errors = TestSupport.errors(Self.session(voice: json))
        let voiceErrors = errors.filter { $0.path == "voice.name" }
        #expect(voiceErrors.count == 1, "\(errors)")
        guard let error = voiceErrors.first else { return }
        #expect(error.file == "test.json")
        #expect(error.line == 7 && error.column == 20, "\(error.line):\(error.column)")
        #expect(error.message.contains(problem), "\(error.message)")
        if !problem.hasPrefix("is empty") && !problem.hasPrefix("contains U+00") || problem.contains("E9") {
            #expect(error.suggestion?.contains("letters, digits, '-' and '_'") == true)
        }
        // The message stays printable and short whatever the name holds.
        #expect(error.description.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F })
        #expect(error.description.count < 400, "\(error.description.count) characters")
    }

    @Test(
        "well-formed voice names load (whether espeak-ng has them is checked when speaking)",
        arguments: ["en", "en-gb", "en-GB", "en-us+f3", "gmw/en-US", "de", "en+Alex", "mb-en1", "xx-nosuch", "a_b"])
    func acceptsWellFormed(name: String) throws {
        let session = try TestSupport.load(Self.session(voice: name))
        #expect(session.voice.name == name)
        #expect(session.voicePlace == SessionPlace(path: "voice.name", line: 7, column: 20))
    }

    @Test("without a voice name, the voice is the language's, placed at 'language'")
    func languagePlace() throws {
        let session = try TestSupport.load(TestSupport.session(steps: #"{ "type": "narration", "text": "Rest." }"#))
        #expect(session.voice.name == nil)
        #expect(session.voicePlace.path == "language" && session.voicePlace.line == 2)
    }

    @Test("a voice's place is not part of its equality, so speech media stay one per text")
    func placeIsNotIdentity() {
        var here = Voice(name: "en")
        here.line = 3
        let there = Voice(name: "en")
        #expect(here == there && here.hashValue == there.hashValue)
    }
}
