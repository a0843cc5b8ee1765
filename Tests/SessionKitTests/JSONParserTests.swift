import Testing

@testable import SessionKit

@Suite("JSONParser")
struct JSONParserTests {
    func parse(_ text: String) throws(JSONError) -> JSONValue {
        try JSONParser().parse(Array(text.utf8))
    }

    func failure(_ text: String) -> JSONError? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test("values and keys know their line and column, counted in characters")
    func locations() throws {
        let value = try parse("{\r\n  \"é\": [1,\n\t true, null],\r \"b\" : \"x\"\n}")
        guard case .object(let object) = value.kind else {
            Issue.record("not an object")
            return
        }
        #expect(value.location == JSONLocation(line: 1, column: 1))
        #expect(object.keys == ["é", "b"])
        #expect(object["é"]?.keyLocation == JSONLocation(line: 2, column: 3))
        #expect(object["é"]?.value.location == JSONLocation(line: 2, column: 8))
        guard case .array(let elements) = object["é"]?.value.kind else {
            Issue.record("not an array")
            return
        }
        #expect(
            elements.map(\.location) == [
                .init(line: 2, column: 9), .init(line: 3, column: 3), .init(line: 3, column: 9),
            ])
        #expect(elements.map(\.kind) == [.number(JSONNumber(literal: "1", value: 1)), .bool(true), .null])
        #expect(object["b"]?.keyLocation == JSONLocation(line: 4, column: 2))
        #expect(object["b"]?.value == JSONValue(.string("x"), at: JSONLocation(line: 4, column: 8)))
    }

    @Test("a byte order mark at the start is skipped and does not count as a column")
    func byteOrderMark() throws {
        let value = try JSONParser().parse([0xEF, 0xBB, 0xBF] + Array("[ 1]".utf8))
        guard case .array(let elements) = value.kind else {
            Issue.record("not an array")
            return
        }
        #expect(value.location == .start)
        #expect(elements.first?.location == JSONLocation(line: 1, column: 3))
    }

    @Test("escapes decode, including surrogate pairs")
    func escapes() throws {
        let value = try parse(#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\u0041""#)
        #expect(value.kind == .string("a\"\\/\u{8}\u{C}\n\r\té😀A"))
    }

    @Test(
        "numbers follow RFC 8259",
        arguments: [
            ("0", 0.0), ("-0.5e3", -500.0), ("1E2", 100.0), ("12.25", 12.25), ("1e-400", 0.0), ("-7", -7.0),
        ])
    func numbers(_ text: String, _ expected: Double) throws {
        #expect(try parse(text).kind == .number(JSONNumber(literal: text, value: expected)))
    }

    @Test(
        "malformed input fails with a located, plain message",
        arguments: [
            ("1.", "1:1", "a number ends with '.'"),
            (".5", "1:1", "a number starting with '.'"),
            ("+1", "1:1", "a '+' before a number"),
            ("01", "1:1", "a number with a leading zero"),
            ("1e", "1:1", "a number's exponent has no digits"),
            ("-", "1:1", "a '-' that is not followed by a number"),
            ("NaN", "1:1", "'NaN' is not a number JSON allows"),
            ("5s", "1:2", "'s' right after a number"),
            ("[1 2]", "1:4", "'2' after an element of a list"),
            ("{\"a\" 1}", "1:6", "'1' after the key 'a' where ':' was expected"),
            ("{\"a\": 1 \"b\": 2}", "1:9", "a comma is missing after the value of 'a'"),
            ("[1,]", "1:3", "a comma after the last element of a list"),
            ("{\"a\": 1,}", "1:8", "a comma after the last member of an object"),
            ("{\"a\": 1, \"a\": 2}", "1:10", "the key 'a' appears twice in this object (first at line 1, column 2)"),
            ("[1] /* c */", "1:5", "a comment; JSON does not allow comments"),
            ("\"\\ud800\"", "1:2", "\\uD800 is the first half of a surrogate pair, without the second half"),
            ("\"\\udc00\"", "1:2", "\\uDC00 is the second half of a surrogate pair, without the first half"),
            (
                "\"\\ud800\\u0041\"", "1:2",
                "\\uD800 is the first half of a surrogate pair, but \\u0041 is not a second half"
            ),
            ("\"\\u12G4\"", "1:2", "\\u must be followed by four hexadecimal digits (0-9, A-F)"),
            ("\"\\x\"", "1:2", "'\\' followed by 'x' is not an escape JSON knows"),
            ("\"a\u{1}\"", "1:3", "an invisible control character (U+0001) inside text"),
            ("\"a\nb\"", "1:3", "a line break inside text that starts at line 1, column 1"),
            ("[1", "1:3", "the file ends before the list that starts at line 1, column 1 is closed"),
            ("{", "1:2", "the file ends before the object that starts at line 1, column 1 is closed"),
            ("[1]]", "1:4", "unexpected ']' after the end of the session"),
            ("", "1:1", "the file is empty"),
            ("nul", "1:1", "a word without quotes ('nul')"),
            ("[é]", "1:2", "'é' (U+00E9) where a value was expected"),
        ])
    func malformed(_ text: String, _ position: String, _ message: String) {
        let error = failure(text)
        #expect(error?.location.description == position)
        #expect(error?.message == message)
    }

    @Test(
        "invalid UTF-8 is reported at the bad byte",
        arguments: [
            ([0x5B, 0x22, 0xC3, 0x28, 0x22, 0x5D], "1:3"),  // truncated two-byte sequence
            ([0x0A, 0x20, 0xED, 0xA0, 0x80], "2:2"),  // an encoded surrogate
            ([0x22, 0xE2, 0x82, 0xAC, 0xF5, 0x22], "1:3"),  // a byte never used in UTF-8, after '€'
            ([0xC0, 0x80], "1:1"),  // overlong encoding
            ([0x22, 0xF0, 0x9F, 0x98], "1:2"),  // ends mid-character
        ] as [([UInt8], String)])
    func invalidUTF8(_ bytes: [UInt8], _ position: String) {
        do {
            _ = try JSONParser().parse(bytes)
            Issue.record("parsed")
        } catch {
            #expect(error.location.description == position)
            #expect(error.message.hasPrefix("the file is not valid UTF-8 text"))
        }
    }

    @Test("64 levels of nesting are allowed, 65 are not")
    func depth() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try parse(ok)
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(failure(tooDeep)?.location == JSONLocation(line: 1, column: 65))
    }

    @Test("numbers too long or too large are rejected without converting them")
    func numberLimits() {
        let hundred = String(repeating: "1", count: 100)
        #expect(failure(hundred) == nil)
        #expect(failure(hundred + "1")?.message == "a number written with more than 100 characters")
        #expect(failure("-1e400")?.message == "the number -1e400 is too large")
        let megabyte = String(repeating: "9", count: 1 << 20)
        #expect(failure(megabyte)?.message == "a number written with more than 100 characters")
    }

    @Test("errors carry the path of the value being read")
    func errorPath() {
        #expect(failure(#"{"steps": [{"type": "bell"}, {"seconds": 1.}]}"#)?.path.description == "steps[1].seconds")
        #expect(failure(#"{"two words": [tru]}"#)?.path.description == #"["two words"][0]"#)
    }

    @Test("every prefix and many corruptions of a valid session fail cleanly, never crash")
    func robustness() throws {
        let bytes = Array(TestSupport.docExample.utf8)
        _ = try JSONParser().parse(bytes)
        for length in 0..<bytes.count {
            #expect(throws: JSONError.self) { try JSONParser().parse(Array(bytes[..<length])) }
        }
        // Deterministic pseudo-random corruptions through the whole loader.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        for _ in 0..<2_000 {
            var mutated = bytes
            for _ in 0...(next() % 3) {
                mutated[next() % mutated.count] = UInt8(truncatingIfNeeded: next())
            }
            _ = try? TestSupport.loader.load(bytes: mutated, file: "m.json", directory: "/sessions")
        }
    }
}
