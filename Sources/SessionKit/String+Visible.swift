extension String {
    /// The text with every invisible character written as `\u{1B}`, for messages shown in a terminal.
    ///
    /// A key or value read from a file can hold control characters (an escape sequence could clear the screen or
    /// move the cursor), bidirectional overrides or zero-width characters (which make text read differently from
    /// what it is); a message quotes such text only through this.
    public var escapingInvisible: String {
        guard unicodeScalars.contains(where: \.isInvisibleInText) else { return self }
        var text = ""
        for scalar in unicodeScalars {
            if scalar.isInvisibleInText {
                text += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        return text
    }
}

extension Unicode.Scalar {
    /// True for a character that shows nothing, or changes how the text around it shows: control characters
    /// (C0, DEL, C1), format characters (bidirectional overrides, zero-width spaces, byte order marks), line and
    /// paragraph separators, and private-use characters.
    public var isInvisibleInText: Bool {
        switch properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned: true
        default: false
        }
    }
}
