extension DisplayText {
    /// The columns `character` takes on a terminal: 0, 1 or 2.
    ///
    /// A character is a grapheme cluster, as the listener sees it ("é" written as `e` + U+0301 is one column; a
    /// flag or a family emoji joined with U+200D is two). East Asian wide and fullwidth characters (CJK, kana,
    /// Hangul syllables, fullwidth forms) and emoji shown as pictures take two columns; a cluster that is only a
    /// mark or a format character (a zero-width space, a lone joiner) takes none. Ambiguous-width characters
    /// (`…`, `·`, `●`) count one, as terminals outside East Asian locales show them.
    public static func columns(of character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        let value = first.value
        if value < 0x300 { return value < 0x20 || (0x7F...0x9F).contains(value) ? 0 : 1 }
        if first.properties.isEmojiPresentation { return 2 }
        // U+FE0F asks for the picture form of a character that is text by default ("☺️").
        if scalars.count > 1, first.properties.isEmoji, scalars.contains("\u{FE0F}") { return 2 }
        if isWide(value) { return 2 }
        switch first.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: return 1
        }
    }

    /// The columns `text` takes on a terminal: the sum of ``columns(of:)`` over its characters.
    public static func columns(_ text: some StringProtocol) -> Int {
        var total = 0
        for character in text { total += columns(of: character) }
        return total
    }

    /// `text` with spaces after it (before it, with `leading`) to fill `columns` display columns, so columns of
    /// text line up in every script; `text` as it is when it is as wide or wider.
    public static func padded(_ text: String, to columns: Int, leading: Bool = false) -> String {
        let spaces = String(repeating: " ", count: max(0, columns - Self.columns(text)))
        return leading ? spaces + text : text + spaces
    }

    /// `text` broken into lines at most `width` columns wide, between words, by display width (``columns(_:)``).
    ///
    /// Every word is kept, in order: a word wider than a line is split between characters, never dropped or cut
    /// off. Runs of spaces and tabs between words become one space; a line break in `text` starts a new line.
    /// One wrapping rule for everything Respite shows (captions, safety notes, descriptions, messages).
    ///
    /// - Parameters:
    ///   - width: columns per line, 1 or more (a smaller value is taken as 1); nil keeps each line of `text` whole
    ///     (not a terminal: a log or a screen reader gets one line per paragraph).
    ///   - indent: put before the first line, e.g. `"  - "` for a note.
    ///   - hangingIndent: put before every later line, so the words line up under the first line's text
    ///     (`"    "` under `"  - "`); nil for as many spaces as `indent` has columns.
    /// - Returns: the lines, without line breaks; none for an empty or blank `text`.
    public static func wrapped(_ text: String, width: Int?, indent: String = "", hangingIndent: String? = nil)
        -> [String]
    {
        let hanging = hangingIndent ?? String(repeating: " ", count: columns(indent))
        var lines: [String] = []
        var line = ""
        var lineColumns = 0
        var prefix = indent
        var available = 0
        func startLine() {
            line = prefix
            lineColumns = 0
            available = width.map { max(1, $0 - columns(prefix)) } ?? Int.max
            prefix = hanging
        }
        func endLine() {
            lines.append(line)
        }
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let spaced = paragraph.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard !spaced.isEmpty else { continue }
            startLine()
            // Pieces a line may end after: words between spaces, and within them each Chinese, Japanese or
            // Korean character (written without spaces), kept with the punctuation that may not start a line.
            let words = spaced.flatMap { word in segments(word).enumerated().map { ($0.element, $0.offset == 0) } }
            for (word, spaceBefore) in words {
                let wordColumns = columns(word)
                let gap = spaceBefore ? 1 : 0
                if lineColumns > 0 {
                    if lineColumns + gap + wordColumns <= available {
                        line += (spaceBefore ? " " : "") + word
                        lineColumns += gap + wordColumns
                        continue
                    }
                    endLine()
                    startLine()
                }
                if wordColumns <= available {
                    line += word
                    lineColumns = wordColumns
                    continue
                }
                // Wider than a whole line: split between characters, filling each line.
                for character in word {
                    let characterColumns = columns(of: character)
                    if lineColumns > 0 && lineColumns + characterColumns > available {
                        endLine()
                        startLine()
                    }
                    line.append(character)
                    lineColumns += characterColumns
                }
            }
            endLine()
        }
        return lines
    }

    /// `word` (no spaces) cut where a line may break inside it: before and after each wide character (Chinese,
    /// Japanese, Korean), except before punctuation that may not start a line (，。」) and after punctuation that
    /// may not end one (「（), as CJK typesetting keeps them (a simplified UAX #14). A word of other scripts stays
    /// whole.
    static func segments(_ word: Substring) -> [Substring] {
        var pieces: [Substring] = []
        var start = word.startIndex
        var previous: Character?
        var index = word.startIndex
        while index < word.endIndex {
            let character = word[index]
            if let previous, index > start, mayBreak(between: previous, and: character) {
                pieces.append(word[start..<index])
                start = index
            }
            previous = character
            index = word.index(after: index)
        }
        pieces.append(word[start...])
        return pieces
    }

    private static func mayBreak(between before: Character, and after: Character) -> Bool {
        let wide = { (character: Character) in character.unicodeScalars.first.map { isWide($0.value) } ?? false }
        guard wide(before) || wide(after) else { return false }
        return !noLineStart.contains(after) && !noLineEnd.contains(before)
    }

    /// Closing punctuation, and marks that must follow what they belong to.
    private static let noLineStart: Set<Character> = Set("，。、！？；：）」』》〉】〕…‥・ー～,.!?;:)]}”’%々ぁぃぅぇぉっゃゅょァィゥェォッャュョ")
    /// Opening punctuation.
    private static let noLineEnd: Set<Character> = Set("（「『《〈【〔“‘([{")

    /// East Asian Width W or F (Unicode 15), by the first scalar of a character; emoji are found by their own
    /// property in ``columns(of:)``.
    private static func isWide(_ value: UInt32) -> Bool {
        guard value >= 0x1100 else { return false }
        for range in wideRanges {
            if value < range.lowerBound { return false }
            if value <= range.upperBound { return true }
        }
        return false
    }

    /// Sorted, for the early exit in ``isWide(_:)``.
    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F,  // Hangul Jamo leading consonants
        0x2329...0x232A,
        0x2E80...0x303E,  // CJK radicals, Kangxi, ideographic description, CJK symbols and punctuation
        0x3041...0x33FF,  // kana, Bopomofo, Hangul compatibility Jamo, Kanbun, CJK compatibility
        0x3400...0x4DBF,  // CJK extension A
        0x4E00...0x9FFF,  // CJK unified ideographs
        0xA000...0xA4CF,  // Yi
        0xA960...0xA97F,  // Hangul Jamo extended A
        0xAC00...0xD7A3,  // Hangul syllables
        0xF900...0xFAFF,  // CJK compatibility ideographs
        0xFE10...0xFE19,  // vertical forms
        0xFE30...0xFE6F,  // CJK compatibility forms, small form variants
        0xFF00...0xFF60,  // fullwidth forms
        0xFFE0...0xFFE6,
        0x16FE0...0x16FE4,
        0x17000...0x18CFF,  // Tangut
        0x1AFF0...0x1B2FF,  // kana supplement and extensions, Nüshu
        0x1F200...0x1F2FF,  // enclosed ideographic supplement
        0x20000...0x2FFFD,  // CJK extensions B–F
        0x30000...0x3FFFD,  // CJK extension G onwards
    ]
}
