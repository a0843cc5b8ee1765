/// A JSON value together with where it was written, so that every problem found in a session
/// can be reported at its line and column.
public struct JSONValue: Sendable, Equatable {
    /// What the value is.
    public enum Kind: Sendable, Equatable {
        case null
        case bool(Bool)
        case number(JSONNumber)
        case string(String)
        case array([JSONValue])
        case object(JSONObject)
    }

    public var kind: Kind
    /// Where the value starts: its first character (`{`, `[`, `"`, a digit, `-`, `t`, `f`, `n`).
    public var location: JSONLocation

    public init(_ kind: Kind, at location: JSONLocation) {
        self.kind = kind
        self.location = location
    }

    /// The kind of value in plain words, for messages: "a number", "text", "a list".
    public var kindDescription: String {
        switch kind {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .number(let number): "the number \(number.literal)"
        case .string(let text): "the text \"\(Self.abbreviated(text))\""
        case .array: "a list [ ]"
        case .object: "an object { }"
        }
    }

    private static func abbreviated(_ text: String) -> String {
        (text.count > 40 ? String(text.prefix(37)) + "..." : text).escapingInvisible
    }
}
