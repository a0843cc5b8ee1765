/// The shape a speech-synthesis voice name must have before it goes anywhere near espeak-ng.
///
/// espeak-ng treats a voice name as a path under its data folder and copies it into fixed buffers: a long variant
/// overflows one, and a name such as `../../../etc/passwd` or `/etc/passwd` makes it read files outside its data.
/// So a name is checked here first, by the session loader (where it reports the file, line and JSON path) and again
/// by the synthesiser (which then also requires the voice to be one espeak-ng lists):
/// - at most ``maximumLength`` characters;
/// - a voice: one or two segments separated by `/` (`en`, `en-GB`, `gmw/en-US`);
/// - optionally `+` and one variant segment (`en+f3`);
/// - every segment non-empty and made of ASCII letters, digits, `-` and `_` only.
///
/// Thread safety: a value type; use anywhere.
public struct VoiceName: Sendable, Hashable, CustomStringConvertible {
    /// The longest name accepted, in characters: espeak-ng's longest voice and variant names fit with room to spare.
    public static let maximumLength = 40

    /// The voice part, before any `+`, e.g. `en-GB` or `gmw/en-US`.
    public let voice: String
    /// The variant after `+`, e.g. `f3`; nil when there is none.
    public let variant: String?

    /// Checks `text` against the rule.
    ///
    /// - Throws: ``VoiceNameError`` saying what is wrong with it.
    public init(_ text: String) throws(VoiceNameError) {
        if text.isEmpty { throw VoiceNameError(name: text, problem: "is empty") }
        if text.unicodeScalars.count > Self.maximumLength {
            throw VoiceNameError(
                name: text, problem: "is \(text.unicodeScalars.count) characters long; at most \(Self.maximumLength)")
        }
        let parts = text.split(separator: "+", omittingEmptySubsequences: false)
        if parts.count > 2 { throw VoiceNameError(name: text, problem: "has more than one '+'") }
        let segments = parts[0].split(separator: "/", omittingEmptySubsequences: false)
        if segments.count > 2 { throw VoiceNameError(name: text, problem: "has more than one '/'") }
        for segment in segments + parts.dropFirst() {
            if segment.isEmpty {
                throw VoiceNameError(name: text, problem: "has an empty part (before or after '/' or '+')")
            }
            if let bad = segment.unicodeScalars.first(where: { !Self.isAllowed($0) }) {
                throw VoiceNameError(name: text, problem: "contains \(Self.describe(bad))")
            }
        }
        voice = String(parts[0])
        variant = parts.count > 1 ? String(parts[1]) : nil
    }

    /// Whether the voice part names an MBROLA voice (`mb-…` or `mb/…`), which espeak-ng speaks by running a
    /// separate `mbrola` program.
    public var isMBROLA: Bool {
        let lower = voice.lowercased()
        return lower.hasPrefix("mb-") || lower.hasPrefix("mb/")
    }

    /// `voice+variant` as written.
    public var description: String { variant.map { voice + "+" + $0 } ?? voice }

    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "-", "_": true
        default: false
        }
    }

    /// A character named so it can be printed safely: control characters and the like by their code.
    static func describe(_ scalar: Unicode.Scalar) -> String {
        let digits = String(scalar.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        if scalar.isASCII && scalar.value >= 0x21 && scalar.value < 0x7F { return "'\(Character(scalar))' (\(code))" }
        return code
    }
}

/// A voice name that does not have the shape ``VoiceName`` requires.
public struct VoiceNameError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The name as given.
    public let name: String
    /// What is wrong, e.g. "contains '.' (U+002E)".
    public let problem: String
    /// What to write instead.
    public static let rule =
        "a voice name is letters, digits, '-' and '_', at most one '/' (e.g. \"gmw/en-US\") and one '+variant' "
        + "(e.g. \"en-gb+f3\"), at most \(VoiceName.maximumLength) characters"

    public init(name: String, problem: String) {
        self.name = name
        self.problem = problem
    }

    public var description: String { "the voice name \(Self.quoted(name)) \(problem)" }

    /// The name in quotes, cut to 48 characters and with anything unprintable escaped, so a hostile name cannot
    /// flood or drive the terminal.
    public static func quoted(_ name: String) -> String {
        var text = ""
        for scalar in name.unicodeScalars.prefix(48) {
            text +=
                scalar.isASCII && scalar.value >= 0x20 && scalar.value < 0x7F && scalar != "\""
                ? String(Character(scalar)) : "\\u{\(String(scalar.value, radix: 16))}"
        }
        return "\"" + text + (name.unicodeScalars.count > 48 ? "…" : "") + "\""
    }
}

extension VoiceName {
    /// Whether `name` can be a Piper model's name (`voice.model`): 1–80 characters of ASCII letters, digits, `-`,
    /// `_` and `.`, not starting with `.`, so it is one file name in a voices folder and never a path.
    public static func isPiperModel(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 80, !name.hasPrefix(".") else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "A"..."Z", "a"..."z", "0"..."9", "-", "_", ".": true
            default: false
            }
        }
    }
}
