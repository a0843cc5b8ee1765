/// A strict RFC 8259 JSON parser that remembers where every value and key was written.
///
/// Foundation's `JSONSerialization` and `JSONDecoder` report no line or column and accept input
/// a session must not contain, so Respite reads its files with this parser instead. On top of
/// RFC 8259 it rejects what would make a session ambiguous or a machine struggle:
/// - a key repeated inside one object;
/// - nesting deeper than ``maximumDepth`` levels;
/// - numbers longer than ``maximumNumberLength`` characters, or too large for a Double;
/// - text that is not UTF-8, and a byte order mark anywhere but at the very start.
///
/// A UTF-8 byte order mark at the very start is accepted and skipped, as RFC 8259 allows.
/// Every problem is a ``JSONError`` with a line, a column and a plain-language message; the
/// parser never traps and its recursion is bounded by ``maximumDepth``, so hostile input can
/// neither crash nor hang it. Time and memory are linear in the input size.
///
/// Thread safety: a value type with no shared state; parse on any thread.
public struct JSONParser: Sendable {
    /// Objects and arrays may nest at most this many levels deep (the top-level value is level 1).
    public static let maximumDepth = 64
    /// A number may be written with at most this many characters.
    public static let maximumNumberLength = 100

    /// What the document is, as messages name it: "session", "configuration".
    public var documentName: String

    /// - Parameter documentName: what the document is, for messages ("the end of the session").
    public init(documentName: String = "session") {
        self.documentName = documentName
    }

    /// Parses a whole document.
    ///
    /// - Parameter bytes: the file's contents, UTF-8, optionally starting with a byte order mark.
    /// - Returns: the top-level value with locations.
    /// - Throws: ``JSONError`` at the first problem.
    public func parse(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
        var reader = JSONReader(bytes: bytes, documentName: documentName)
        return try reader.readDocument()
    }
}

// MARK: - Reader

/// The parser's cursor: a position in the bytes with its line and column, plus the path of the
/// value being read (for messages).
private struct JSONReader {
    let bytes: [UInt8]
    let documentName: String
    var index = 0
    var line = 1
    var column = 1
    var path: [JSONPath.Component] = []

    init(bytes: [UInt8], documentName: String) {
        self.bytes = bytes
        self.documentName = documentName
    }

    var location: JSONLocation { JSONLocation(line: line, column: column) }
    var atEnd: Bool { index >= bytes.count }
    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    func error(_ message: String, suggestion: String? = nil, at location: JSONLocation? = nil) -> JSONError {
        JSONError(message, suggestion: suggestion, at: location ?? self.location, path: JSONPath(path))
    }

    /// Moves past one byte that is not a line break, keeping the column in characters.
    mutating func advance() {
        // UTF-8 continuation bytes (10xxxxxx) belong to the character already counted.
        if bytes[index] & 0xC0 != 0x80 { column += 1 }
        index += 1
    }

    // MARK: Document

    mutating func readDocument() throws(JSONError) -> JSONValue {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        try validateEncoding()
        skipWhitespace()
        if atEnd {
            throw error(
                "the file is empty", suggestion: "a \(documentName) is a JSON object that starts with '{'",
                at: .start)
        }
        let value = try readValue(depth: 0)
        let end = location
        skipWhitespace()
        if let byte = current {
            if byte == UInt8(ascii: "/") { throw commentError() }
            if byte == UInt8(ascii: ",") {
                throw error(
                    "a comma after the end of the \(documentName)",
                    suggestion: "the \(documentName) ended at line \(end.line), column \(end.column - 1); "
                        + "remove the comma")
            }
            throw error(
                "unexpected \(describeCharacter()) after the end of the \(documentName)",
                suggestion: "the \(documentName)'s closing '}' is at line \(end.line), column \(end.column - 1); "
                    + "remove what follows it, or check for a '}' too many")
        }
        return value
    }

    /// Checks the whole input is UTF-8 with no byte order mark after the start, so that the
    /// rest of the parser can treat bytes ≥ 0x80 as parts of valid characters.
    mutating func validateEncoding() throws(JSONError) {
        var position = index
        var line = 1
        var column = 1
        let count = bytes.count
        while position < count {
            let lead = bytes[position]
            if lead < 0x80 {
                if lead == 0x0A || (lead == 0x0D && (position + 1 == count || bytes[position + 1] != 0x0A)) {
                    line += 1
                    column = 1
                } else if lead != 0x0D {
                    column += 1
                }
                position += 1
                continue
            }
            let length: Int
            var secondRange: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; secondRange = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; secondRange = 0x80...0x9F
            case 0xF0: length = 4; secondRange = 0x90...0xBF
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; secondRange = 0x80...0x8F
            default: length = 0
            }
            var valid = length > 0 && position + length <= count
            if valid {
                valid = secondRange.contains(bytes[position + 1])
                var next = position + 2
                while valid && next < position + length {
                    valid = (0x80...0xBF).contains(bytes[next])
                    next += 1
                }
            }
            let here = JSONLocation(line: line, column: column)
            guard valid else {
                let hex = String(lead, radix: 16, uppercase: true)
                throw JSONError(
                    "the file is not valid UTF-8 text: byte 0x\(hex.count == 1 ? "0" + hex : hex) "
                        + "at byte offset \(position) does not start a valid character",
                    suggestion: "save the file as UTF-8 in your editor", at: here)
            }
            if length == 3 && lead == 0xEF && bytes[position + 1] == 0xBB && bytes[position + 2] == 0xBF {
                throw JSONError(
                    "a byte order mark (U+FEFF, an invisible character) in the middle of the file",
                    suggestion: "delete it; it is allowed only as the very first character of the file", at: here)
            }
            position += length
            column += 1
        }
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09:
                column += 1
                index += 1
            case 0x0A:
                line += 1
                column = 1
                index += 1
            case 0x0D:
                index += 1
                if index < bytes.count && bytes[index] == 0x0A { index += 1 }
                line += 1
                column = 1
            default:
                return
            }
        }
    }

    // MARK: Values

    mutating func readValue(depth: Int) throws(JSONError) -> JSONValue {
        guard let byte = current else {
            throw error("the file ends where a value was expected", suggestion: "is the end of the file missing?")
        }
        let start = location
        switch byte {
        case UInt8(ascii: "{"):
            return try readObject(depth: depth + 1)
        case UInt8(ascii: "["):
            return try readArray(depth: depth + 1)
        case UInt8(ascii: "\""):
            return JSONValue(.string(try readString()), at: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return JSONValue(.number(try readNumber()), at: start)
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
            return JSONValue(try readWord(), at: start)
        case UInt8(ascii: "/"):
            throw commentError()
        case UInt8(ascii: "'"):
            throw error(
                "text in single quotes", suggestion: "JSON text goes in double quotes: \"like this\"")
        case UInt8(ascii: "+"):
            throw error("a '+' before a number", suggestion: "write the number without '+'")
        case UInt8(ascii: "."):
            throw error("a number starting with '.'", suggestion: "write a 0 before the point, e.g. 0.5")
        case UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: ","), UInt8(ascii: ":"):
            throw error(
                "\(describeCharacter()) where a value was expected", suggestion: "is a value missing before it?")
        default:
            throw error("\(describeCharacter()) where a value was expected")
        }
    }

    mutating func readObject(depth: Int) throws(JSONError) -> JSONValue {
        let start = location
        try checkDepth(depth)
        advance()  // {
        var members: [JSONObject.Member] = []
        var seen: [String: JSONLocation] = [:]
        var lastComma: JSONLocation?
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            advance()
            return JSONValue(.object(JSONObject(members: members)), at: start)
        }
        while true {
            skipWhitespace()
            guard let byte = current else { throw unclosed("object", "}", start: start) }
            let keyLocation = location
            guard byte == UInt8(ascii: "\"") else {
                if byte == UInt8(ascii: "}"), let comma = lastComma {
                    throw error(
                        "a comma after the last member of an object",
                        suggestion: "JSON does not allow a trailing comma; remove it", at: comma)
                }
                if byte == UInt8(ascii: "/") { throw commentError() }
                if byte == UInt8(ascii: "'") {
                    throw error("a key in single quotes", suggestion: "JSON keys go in double quotes: \"key\"")
                }
                if Self.isWordStart(byte) {
                    throw error("a key without quotes", suggestion: "JSON keys go in double quotes: \"key\"")
                }
                throw error("\(describeCharacter()) where a key in double quotes was expected")
            }
            let key = try readString()
            if let first = seen[key] {
                path.append(.key(key))
                throw error(
                    "the key '\(key)' appears twice in this object (first at line \(first.line), "
                        + "column \(first.column))",
                    suggestion: "keep only one of them", at: keyLocation)
            }
            seen[key] = keyLocation
            skipWhitespace()
            guard current == UInt8(ascii: ":") else {
                if atEnd { throw unclosed("object", "}", start: start) }
                throw error(
                    "\(describeCharacter()) after the key '\(key)' where ':' was expected",
                    suggestion: "write a ':' between a key and its value")
            }
            advance()
            skipWhitespace()
            path.append(.key(key))
            let value = try readValue(depth: depth)
            path.removeLast()
            members.append(JSONObject.Member(key: key, keyLocation: keyLocation, value: value))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                lastComma = location
                advance()
            case UInt8(ascii: "}"):
                advance()
                return JSONValue(.object(JSONObject(members: members)), at: start)
            case nil:
                throw unclosed("object", "}", start: start)
            case UInt8(ascii: "/"):
                throw commentError()
            case UInt8(ascii: "\""):
                throw error(
                    "a comma is missing after the value of '\(key)'", suggestion: "separate members with ','")
            default:
                throw error(
                    "\(describeCharacter()) after the value of '\(key)'",
                    suggestion: "expected ',' before the next key or '}' to close the object")
            }
        }
    }

    mutating func readArray(depth: Int) throws(JSONError) -> JSONValue {
        let start = location
        try checkDepth(depth)
        advance()  // [
        var elements: [JSONValue] = []
        var lastComma: JSONLocation?
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            advance()
            return JSONValue(.array(elements), at: start)
        }
        while true {
            skipWhitespace()
            guard let byte = current else { throw unclosed("list", "]", start: start) }
            if byte == UInt8(ascii: "]"), let comma = lastComma {
                throw error(
                    "a comma after the last element of a list",
                    suggestion: "JSON does not allow a trailing comma; remove it", at: comma)
            }
            path.append(.index(elements.count))
            let value = try readValue(depth: depth)
            path.removeLast()
            elements.append(value)
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                lastComma = location
                advance()
            case UInt8(ascii: "]"):
                advance()
                return JSONValue(.array(elements), at: start)
            case nil:
                throw unclosed("list", "]", start: start)
            case UInt8(ascii: "/"):
                throw commentError()
            default:
                throw error(
                    "\(describeCharacter()) after an element of a list",
                    suggestion: "expected ',' before the next element or ']' to close the list")
            }
        }
    }

    func checkDepth(_ depth: Int) throws(JSONError) {
        if depth > JSONParser.maximumDepth {
            throw error(
                "objects and lists are nested more than \(JSONParser.maximumDepth) levels deep",
                suggestion: "a \(documentName) never needs this; check for a missing ']' or '}'")
        }
    }

    // MARK: Strings

    mutating func readString() throws(JSONError) -> String {
        let start = location
        advance()  // "
        var text: [UInt8] = []
        while true {
            guard let byte = current else {
                throw error(
                    "the file ends inside text that starts at line \(start.line), column \(start.column)",
                    suggestion: "close the text with '\"'")
            }
            switch byte {
            case UInt8(ascii: "\""):
                advance()
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try readEscape(into: &text)
            case 0x0A, 0x0D:
                throw error(
                    "a line break inside text that starts at line \(start.line), column \(start.column)",
                    suggestion: "close the text with '\"' before the line ends, or write \\n for a line break")
            case 0x09:
                throw error("a tab character inside text", suggestion: "write \\t instead, or use spaces")
            case 0x00..<0x20:
                throw error(
                    "an invisible control character (U+\(Self.hex4(UInt32(byte)))) inside text",
                    suggestion: "delete it")
            default:
                text.append(byte)
                advance()
            }
        }
    }

    mutating func readEscape(into text: inout [UInt8]) throws(JSONError) {
        let escapeLocation = location
        advance()  // backslash
        guard let byte = current else {
            throw error("the file ends inside an escape sequence", suggestion: "close the text with '\"'")
        }
        let simple: UInt8?
        switch byte {
        case UInt8(ascii: "\""): simple = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): simple = UInt8(ascii: "\\")
        case UInt8(ascii: "/"): simple = UInt8(ascii: "/")
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"): simple = nil
        default:
            throw error(
                "'\\' followed by \(describeCharacter()) is not an escape JSON knows",
                suggestion: "write \\\\ for a backslash; escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX",
                at: escapeLocation)
        }
        if let simple {
            advance()
            text.append(simple)
            return
        }
        advance()  // u
        let first = try readHex4(escapeLocation)
        var scalarValue = first
        if (0xDC00...0xDFFF).contains(first) {
            throw error(
                "\\u\(Self.hex4(first)) is the second half of a surrogate pair, without the first half",
                suggestion: "write the character itself instead of a \\u escape", at: escapeLocation)
        }
        if (0xD800...0xDBFF).contains(first) {
            let secondLocation = location
            guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u")
            else {
                throw error(
                    "\\u\(Self.hex4(first)) is the first half of a surrogate pair, without the second half",
                    suggestion: "write the character itself instead of a \\u escape", at: escapeLocation)
            }
            advance()
            advance()
            let second = try readHex4(secondLocation)
            guard (0xDC00...0xDFFF).contains(second) else {
                throw error(
                    "\\u\(Self.hex4(first)) is the first half of a surrogate pair, but \\u\(Self.hex4(second)) "
                        + "is not a second half",
                    suggestion: "write the character itself instead of a \\u escape", at: escapeLocation)
            }
            scalarValue = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        }
        // Surrogates were handled above, so the value is always a valid scalar.
        let scalar = Unicode.Scalar(scalarValue) ?? "\u{FFFD}"
        text.append(contentsOf: Array(String(Character(scalar)).utf8))
    }

    mutating func readHex4(_ escapeLocation: JSONLocation) throws(JSONError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = Self.hexValue(byte) else {
                throw error(
                    "\\u must be followed by four hexadecimal digits (0-9, A-F)",
                    suggestion: "e.g. \\u00e9 for é", at: escapeLocation)
            }
            value = value << 4 | UInt32(digit)
            advance()
        }
        return value
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    // MARK: Numbers

    mutating func readNumber() throws(JSONError) -> JSONNumber {
        let start = location
        let startIndex = index
        func isDigit(_ byte: UInt8?) -> Bool { byte.map { (0x30...0x39).contains($0) } ?? false }
        if current == UInt8(ascii: "-") { advance() }
        guard isDigit(current) else {
            throw error("a '-' that is not followed by a number", at: start)
        }
        if current == UInt8(ascii: "0") {
            advance()
            if isDigit(current) {
                throw error(
                    "a number with a leading zero", suggestion: "write it without the zero in front", at: start)
            }
        } else {
            while isDigit(current) { try advanceInNumber(startIndex, start) }
        }
        if current == UInt8(ascii: ".") {
            advance()
            guard isDigit(current) else {
                throw error(
                    "a number ends with '.'", suggestion: "write a digit after the point, e.g. 4.0, or drop it",
                    at: start)
            }
            while isDigit(current) { try advanceInNumber(startIndex, start) }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            advance()
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { advance() }
            guard isDigit(current) else {
                throw error("a number's exponent has no digits", suggestion: "e.g. 1e3 for 1000", at: start)
            }
            while isDigit(current) { try advanceInNumber(startIndex, start) }
        }
        if let byte = current, Self.isWordStart(byte) || byte == UInt8(ascii: ".") || isDigit(byte) {
            throw error(
                "\(describeCharacter()) right after a number",
                suggestion: "a number of seconds or decibels is written alone, e.g. 5, without units")
        }
        let literal = String(decoding: bytes[startIndex..<index], as: UTF8.self)
        guard literal.utf8.count <= JSONParser.maximumNumberLength else { throw tooLong(start) }
        guard let value = Double(literal), value.isFinite else {
            throw error(
                "the number \(Self.abbreviatedNumber(literal)) is too large",
                suggestion: "use an ordinary number", at: start)
        }
        return JSONNumber(literal: literal, value: value)
    }

    /// Moves past one digit, stopping early (in time and memory) at a number that is far too long.
    mutating func advanceInNumber(_ startIndex: Int, _ start: JSONLocation) throws(JSONError) {
        advance()
        if index - startIndex > JSONParser.maximumNumberLength { throw tooLong(start) }
    }

    func tooLong(_ start: JSONLocation) -> JSONError {
        error(
            "a number written with more than \(JSONParser.maximumNumberLength) characters",
            suggestion: "use an ordinary number", at: start)
    }

    static func abbreviatedNumber(_ literal: String) -> String {
        literal.count > 24 ? String(literal.prefix(20)) + "..." : literal
    }

    // MARK: Words

    static func isWordStart(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"): true
        default: false
        }
    }

    mutating func readWord() throws(JSONError) -> JSONValue.Kind {
        let start = location
        let startIndex = index
        while let byte = current, Self.isWordStart(byte) || (0x30...0x39).contains(byte) || byte == 0x2D {
            advance()
            if index - startIndex > 40 { break }
        }
        let word = String(decoding: bytes[startIndex..<index], as: UTF8.self)
        switch word {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "null": return .null
        case "True", "TRUE", "False", "FALSE", "Null", "NULL", "None", "none", "nil", "yes", "no":
            throw error(
                "'\(word)' is not a JSON value",
                suggestion: "JSON writes true, false and null in lower case; text goes in double quotes",
                at: start)
        case "NaN", "Infinity", "inf", "nan":
            throw error("'\(word)' is not a number JSON allows", suggestion: "use an ordinary number", at: start)
        default:
            throw error(
                "a word without quotes ('\(word)')", suggestion: "JSON text goes in double quotes: \"\(word)\"",
                at: start)
        }
    }

    // MARK: Messages

    func commentError() -> JSONError {
        error(
            "a comment; JSON does not allow comments",
            // A session has text fields for notes; other documents do not.
            suggestion: documentName == "session"
                ? "remove it, or put the note in a \"description\" or \"label\"" : "remove it")
    }

    func unclosed(_ what: String, _ closer: String, start: JSONLocation) -> JSONError {
        error(
            "the file ends before the \(what) that starts at line \(start.line), column \(start.column) is closed",
            suggestion: "is the end of the file missing? The \(what) needs a closing '\(closer)'")
    }

    /// The character at the cursor, for messages: `'x'`, or its code point when invisible.
    func describeCharacter() -> String {
        guard index < bytes.count else { return "the end of the file" }
        let byte = bytes[index]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        if byte < 0x80 { return "the invisible character U+\(Self.hex4(UInt32(byte)))" }
        var end = index + 1
        while end < bytes.count && bytes[end] & 0xC0 == 0x80 { end += 1 }
        let character = String(decoding: bytes[index..<end], as: UTF8.self)
        let scalar = character.unicodeScalars.first.map { Self.hex4($0.value) } ?? "?"
        return "'\(character)' (U+\(scalar))"
    }
}
