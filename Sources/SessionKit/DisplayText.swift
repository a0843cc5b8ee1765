/// The rule for text that Respite shows on a terminal or speaks: what a session may contain, and how anything
/// else is made harmless before it reaches a screen.
///
/// A terminal obeys control characters: an escape sequence inside a safety note could erase the note, move the
/// cursor over it, retitle the window or hide everything after it; a bidirectional override could show a
/// different order of words than the one spoken. Session text is for people to read and hear, so a session may
/// contain none of them (``SessionLoader`` reports each one at its line and column), and every message Respite
/// prints goes through ``sanitized(_:)`` as a second guard, because messages also quote file names and values.
public enum DisplayText {
    /// Whether `scalar` may appear in session text: not a C0 or C1 control (a line break and a tab excepted), not
    /// DEL, and not a bidirectional embedding, override or isolate (U+202A–U+202E, U+2066–U+2069).
    public static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: true
        case 0x00...0x1F, 0x7F...0x9F: false
        case 0x202A...0x202E, 0x2066...0x2069: false
        default: true
        }
    }

    /// The first scalar of `text` that session text may not contain, if any.
    public static func firstForbidden(in text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first { !isAllowed($0) }
    }

    /// `U+001B (escape)`: how a message names a forbidden scalar.
    public static func name(of scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        switch scalar.value {
        case 0x1B: return code + " (escape)"
        case 0x00: return code + " (NUL)"
        case 0x07: return code + " (bell)"
        case 0x08: return code + " (backspace)"
        case 0x0D: return code + " (carriage return)"
        case 0x7F: return code + " (delete)"
        case 0x202A...0x202E, 0x2066...0x2069: return code + " (a bidirectional text control)"
        default: return code + " (a control character)"
        }
    }

    /// `text` with every scalar that is not allowed replaced by a visible `\u{…}` form, so it can be printed on a
    /// terminal without effect; with `singleLine`, line breaks and tabs become spaces too.
    public static func sanitized(_ text: String, singleLine: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { !isAllowed($0) || (singleLine && ($0 == "\n" || $0 == "\t")) })
        else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if singleLine && (scalar == "\n" || scalar == "\t") {
                result.append(" ")
            } else if isAllowed(scalar) {
                result.append(scalar)
            } else {
                result.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            }
        }
        return String(result)
    }
}

extension SessionLoader {
    /// Reports every key and text value holding a scalar that ``DisplayText`` does not allow, at its place.
    static func displayTextErrors(in value: JSONValue, path: JSONPath, file: String) -> [SessionError] {
        func error(_ scalar: Unicode.Scalar, what: String, path: JSONPath, at location: JSONLocation) -> SessionError {
            SessionError(
                file: file, path: path.description, line: location.line, column: location.column,
                message: "\(what) contains \(DisplayText.name(of: scalar)), which a terminal would act on instead "
                    + "of showing",
                suggestion: "remove it: session text is plain words (line breaks and tabs are allowed)")
        }
        switch value.kind {
        case .string(let text):
            guard let scalar = DisplayText.firstForbidden(in: text) else { return [] }
            return [error(scalar, what: "this text", path: path, at: value.location)]
        case .array(let elements):
            return elements.enumerated().flatMap { index, element in
                displayTextErrors(in: element, path: path.appending(index), file: file)
            }
        case .object(let object):
            return object.members.flatMap { member in
                var found: [SessionError] = []
                if let scalar = DisplayText.firstForbidden(in: member.key) {
                    found.append(error(scalar, what: "this key", path: path, at: member.keyLocation))
                }
                return found + displayTextErrors(in: member.value, path: path.appending(member.key), file: file)
            }
        case .null, .bool, .number:
            return []
        }
    }
}
