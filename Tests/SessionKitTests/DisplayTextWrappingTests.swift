import SessionKit
import Testing

@Suite struct DisplayTextWrappingTests {
    @Test func columnsCountWhatATerminalShows() {
        #expect(DisplayText.columns("left-arm") == 8)
        #expect(DisplayText.columns("café") == 4)
        #expect(DisplayText.columns("cafe\u{301}") == 4, "a combining accent shares its letter's column")
        #expect(DisplayText.columns("呼吸") == 4, "CJK ideographs are two columns each")
        #expect(DisplayText.columns("リラックス") == 10)
        #expect(DisplayText.columns("휴식") == 4)
        #expect(DisplayText.columns("ＡＢ") == 4, "fullwidth forms")
        #expect(DisplayText.columns("🌿") == 2)
        #expect(DisplayText.columns("👨‍👩‍👧") == 2, "a joined family is one picture")
        #expect(DisplayText.columns("🇫🇷") == 2)
        #expect(DisplayText.columns("☺\u{FE0F}") == 2)
        #expect(DisplayText.columns("a\u{200B}b") == 2, "a zero-width space takes no column")
        #expect(DisplayText.columns("breathe in… ●●··") == 16)
    }

    @Test func wrapsBetweenWordsAndKeepsEveryWord() {
        let text = "Gently lift your left arm, make a soft fist, and notice the warmth in your fingers and wrist."
        for width in [10, 17, 23, 40, 99] {
            let lines = DisplayText.wrapped(text, width: width)
            for line in lines { #expect(DisplayText.columns(line) <= width, "\(width): '\(line)'") }
            #expect(lines.joined(separator: " ") == text, "width \(width): no word lost, split or reordered")
        }
        #expect(
            DisplayText.wrapped(text, width: 30) == [
                "Gently lift your left arm,", "make a soft fist, and notice", "the warmth in your fingers and",
                "wrist.",
            ])
    }

    @Test func notesGetAHangingIndent() {
        let lines = DisplayText.wrapped(
            "If your left arm is swollen or sore, leave it out: choose the areas before you begin.", width: 40,
            indent: "  - ")
        #expect(
            lines == [
                "  - If your left arm is swollen or sore,", "    leave it out: choose the areas",
                "    before you begin.",
            ])
    }

    @Test func wideCharactersWrapByColumns() {
        let text = String(repeating: "深呼吸 ", count: 12)
        let lines = DisplayText.wrapped(text, width: 15)
        #expect(lines.allSatisfy { DisplayText.columns($0) <= 15 })
        #expect(lines.first == "深呼吸 深呼吸", "two words of 6 columns and a space fit; a third would make 20")
        // A line of CJK with no spaces at all is split between characters, at an even column.
        let unspaced = DisplayText.wrapped(String(repeating: "呼", count: 9), width: 5)
        #expect(unspaced == ["呼呼", "呼呼", "呼呼", "呼呼", "呼"])
    }

    @Test func aWordWiderThanTheLineIsSplitNotLost() {
        let lines = DisplayText.wrapped("see https://example.org/a-very-long-address-for-respite now", width: 12)
        #expect(lines.allSatisfy { DisplayText.columns($0) <= 12 })
        #expect(
            lines.joined().replacingOccurrences(of: " ", with: "")
                == "seehttps://example.org/a-very-long-address-for-respitenow")
        #expect(DisplayText.wrapped("abc", width: 0) == ["a", "b", "c"], "a width below 1 is taken as 1")
    }

    @Test func lineBreaksStartNewLinesAndNilWidthKeepsLinesWhole() {
        #expect(DisplayText.wrapped("one two\nthree", width: 40) == ["one two", "three"])
        #expect(DisplayText.wrapped("  - a long  note\twith spaces", width: nil) == ["- a long note with spaces"])
        #expect(DisplayText.wrapped("", width: 40).isEmpty)
        #expect(DisplayText.wrapped("   ", width: 40).isEmpty)
        #expect(DisplayText.wrapped("a b", width: 40, indent: "> ", hangingIndent: "  ") == ["> a b"])
    }
}
