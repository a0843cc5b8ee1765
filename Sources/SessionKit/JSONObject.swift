/// A JSON object: its members in the order they were written, each key with its location.
///
/// Keys are unique: the parser rejects an object that repeats a key.
public struct JSONObject: Sendable, Equatable {
    /// One `"key": value` pair.
    public struct Member: Sendable, Equatable {
        public var key: String
        /// Where the key (its opening quote) was written.
        public var keyLocation: JSONLocation
        public var value: JSONValue

        public init(key: String, keyLocation: JSONLocation, value: JSONValue) {
            self.key = key
            self.keyLocation = keyLocation
            self.value = value
        }
    }

    /// Members in document order.
    public var members: [Member]

    public init(members: [Member] = []) {
        self.members = members
    }

    /// The member with this key, if any.
    public subscript(key: String) -> Member? {
        members.first { $0.key == key }
    }

    /// The keys in document order.
    public var keys: [String] { members.map(\.key) }
}
