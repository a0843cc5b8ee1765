/// A position in a JSON document: 1-based line and column.
///
/// Columns count Unicode characters (not bytes), as editors do; a tab counts as one column.
/// Lines end at `\n`, `\r\n` or a lone `\r`.
public struct JSONLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// 1-based line number.
    public var line: Int
    /// 1-based column, in Unicode characters from the start of the line.
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// The first character of a document.
    public static let start = JSONLocation(line: 1, column: 1)

    public static func < (lhs: JSONLocation, rhs: JSONLocation) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    /// `line:column`.
    public var description: String { "\(line):\(column)" }
}
