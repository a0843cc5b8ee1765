/// A JSON number: its value and the exact text it was written as (used in messages, so a
/// therapist sees `1e9`, not `1000000000.0`).
public struct JSONNumber: Sendable, Equatable {
    /// The number as written in the file.
    public var literal: String
    /// The nearest Double; always finite.
    public var value: Double

    public init(literal: String, value: Double) {
        self.literal = literal
        self.value = value
    }

    /// True when the value is a whole number (`3`, `3.0`, `3e2`).
    public var isWhole: Bool { value.rounded(.towardZero) == value }
}
