/// Where a value sits in a JSON document, written the way therapists read it: `steps[3].tense`,
/// `protocol.evidence`, `blocks.arms[1]`.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    /// One step down into a document.
    public enum Component: Sendable, Hashable {
        /// A key of an object.
        case key(String)
        /// A 0-based position in an array.
        case index(Int)
    }

    public var components: [Component]

    public init(_ components: [Component] = []) {
        self.components = components
    }

    /// The whole document.
    public static let root = JSONPath()

    /// This path, one key further down.
    public func appending(_ key: String) -> JSONPath {
        JSONPath(components + [.key(key)])
    }

    /// This path, one array element further down.
    public func appending(_ index: Int) -> JSONPath {
        JSONPath(components + [.index(index)])
    }

    /// `steps[3].tense`; keys that are not plain names are quoted: `blocks["two words"]`, with
    /// invisible characters escaped (``Swift/String/escapingInvisible``); empty for the root.
    public var description: String {
        var text = ""
        for component in components {
            switch component {
            case .index(let index):
                text += "[\(index)]"
            case .key(let key):
                if Self.isPlainName(key) {
                    text += text.isEmpty ? key : ".\(key)"
                } else {
                    text += "[\"\(key.escapingInvisible)\"]"
                }
            }
        }
        return text
    }

    private static func isPlainName(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return key.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_", "-": true
            default: false
            }
        }
    }
}
