import Foundation
import Player
import SessionKit

#if canImport(Glibc)
    import Glibc
#endif

/// The screen before a session plays, where the listener chooses what the session offers (``StartChoices``).
///
/// Two forms, both on an interactive terminal only:
/// - drawn in place: ↑/↓ or j/k move, space or Enter changes the highlighted line; the first line, "Begin",
///   is highlighted at first, so space begins at once; `b` begins from anywhere; q (or Ctrl-C) leaves;
/// - `--plain`, for screen readers: numbered lines, a number and Enter changes that line (which is printed
///   again with its new value), Enter alone begins, q and Enter leaves. Nothing is redrawn.
struct StartScreen {
    /// What the listener decided.
    enum Outcome: Equatable {
        case begin(StartChoices)
        case leave
    }

    let terminal: Terminal
    let signals: SignalWatcher
    let plain: Bool

    /// Shows the choices and waits for the listener.
    func run(_ choices: StartChoices) -> Outcome {
        plain ? runNumbered(choices) : runDrawn(choices)
    }

    // MARK: - Drawn in place

    private func runDrawn(_ start: StartChoices) -> Outcome {
        var choices = start
        var cursor = 0  // 0 is "Begin"; line i is at cursor i + 1
        var drawn: [Int] = []  // the columns of each row drawn last, to find its top again
        terminal.enterRawMode()
        defer {
            terminal.restore()
        }
        func draw() {
            // After a resize the terminal may have rewrapped the rows: count them at the new width.
            let width = terminal.width
            let up = drawn.reduce(0) { $0 + max(1, ($1 + width - 1) / width) }
            var text = "\u{1B}[?25l" + (up > 0 ? "\r\u{1B}[\(up)A\u{1B}[J" : "")
            let rows = Self.rows(
                choices, cursor: cursor, width: width, height: terminal.height, colour: terminal.colour)
            for row in rows { text += row + "\n" }
            drawn = rows.map {
                DisplayText.columns(
                    $0.replacingOccurrences(of: "\u{1B}[7m", with: "").replacingOccurrences(of: "\u{1B}[0m", with: ""))
            }
            terminal.write(text)
        }
        draw()
        while true {
            if signals.received != nil { return .leave }
            // Ctrl-Z and `fg`, a resize: drawn afresh (below what the shell wrote, after a stop).
            terminal.handlePendingJobControl(pausing: {}) { afterStop in
                if afterStop { drawn = [] }
                draw()
            }
            guard let key = terminal.readKey(timeout: 100) else { continue }
            switch key {
            case 27:
                // An arrow arrives as ESC [ A (or ESC O A in application mode).
                guard let second = terminal.readKey(timeout: 30),
                    second == UInt8(ascii: "[") || second == UInt8(ascii: "O"),
                    let third = terminal.readKey(timeout: 30)
                else { continue }
                if third == UInt8(ascii: "A") { cursor = max(0, cursor - 1) }
                if third == UInt8(ascii: "B") { cursor = min(choices.lines.count, cursor + 1) }
            case UInt8(ascii: "k"): cursor = max(0, cursor - 1)
            case UInt8(ascii: "j"), 9: cursor = min(choices.lines.count, cursor + 1)
            case UInt8(ascii: " "), 10, 13:
                if cursor == 0 { return .begin(choices) }
                choices.advance(cursor - 1)
            case UInt8(ascii: "b"), UInt8(ascii: "B"):
                return .begin(choices)
            case UInt8(ascii: "q"), UInt8(ascii: "Q"), 3, 4:
                return .leave
            default:
                continue
            }
            draw()
        }
    }

    /// The rows of the drawn screen, each shorter than `width`, at most `height - 1` of them: on a short terminal
    /// the lines scroll with the cursor.
    static func rows(_ choices: StartChoices, cursor: Int, width: Int, height: Int, colour: Bool) -> [String] {
        let text = Interface.text
        // Labels line up by display width: a Chinese label's characters take two columns each.
        // At most half the row: a long label ("Omitir: Pecho, hombros, espalda y vientre") is cut, not its value.
        let labelWidth = min((choices.lines.map { DisplayText.columns($0.label) }.max() ?? 0) + 2, max(8, width / 2))
        // Every row stays short of the last column, so the terminal never wraps one (the redraw counts on it).
        /// `text` in at most `columns` columns, ending in "…" when it was longer.
        func cut(_ text: String, to columns: Int) -> String {
            guard DisplayText.columns(text) > columns else { return text }
            var kept = ""
            var used = 0
            for character in text {
                let next = DisplayText.columns(of: character)
                if used + next > max(0, columns - 1) { break }
                kept.append(character)
                used += next
            }
            return kept + "…"
        }
        func fit(_ row: String) -> String {
            DisplayText.columns(row) < width ? row : cut(row, to: max(2, width - 1))
        }
        var rows = [fit(text.chooseHeading)]
        let items =
            [text.begin]
            + choices.lines.map { line in
                DisplayText.padded(cut(line.label, to: labelWidth - 2), to: labelWidth) + line.value
                    + (line.fixed ? "  " + text.setOnCommandLine : "")
            }
        // Room for the heading and the hint: the window of lines around the cursor.
        let room = max(1, height - 3)
        let first = min(max(0, cursor - room / 2), max(0, items.count - room))
        for (index, item) in items.enumerated() where index >= first && index < first + room {
            var row = fit((index == cursor ? "▶ " : "  ") + item)
            if index == cursor, colour { row = "\u{1B}[7m" + row + "\u{1B}[0m" }
            rows.append(row)
        }
        let hint = cursor == 0 ? text.startHintOnBegin : text.startHintOnChoice
        rows.append(fit(hint))
        return rows
    }

    // MARK: - Numbered, for screen readers

    private func runNumbered(_ start: StartChoices) -> Outcome {
        var choices = start
        let text = Interface.text
        terminal.printWrapped(text.plainChooseHeading)
        for index in choices.lines.indices { terminal.printWrapped(Self.numbered(choices, index), indent: "  ") }
        while true {
            terminal.printWrapped(text.plainChooseInstructions)
            guard let answer = terminal.readLine(stoppingOn: signals) else { return .leave }
            let typed = answer.trimmingCharacters(in: .whitespaces).lowercased()
            if typed.isEmpty || typed == "b" { return .begin(choices) }
            if typed == "q" { return .leave }
            guard let number = Int(typed), (1...choices.lines.count).contains(number) else {
                terminal.printWrapped(text.noSuchChoice(typed, choices.lines.count))
                continue
            }
            if choices.lines[number - 1].fixed {
                terminal.printWrapped(text.choiceFixed(choices.lines[number - 1].label))
                continue
            }
            choices.advance(number - 1)
            terminal.printWrapped(Self.numbered(choices, number - 1), indent: "  ")
        }
    }

    /// One line for a start without the screen (not a terminal, or `--yes`): what the session offers and how
    /// to set it with `--set`.
    static func summary(_ choices: StartChoices) -> String {
        let words = Interface.text.choices
        var parts: [String] = []
        let groups = choices.lines.compactMap { line -> String? in
            if case .skip(let group) = line.target { return group }
            return nil
        }
        if !groups.isEmpty {
            parts.append(words.areasToLeaveOut(groups.joined(separator: ",")))
        }
        for line in choices.lines {
            let values = line.options.map(\.value)
            switch line.target {
            case .skip: break
            case .releaseOnly: parts.append(words.releaseOnlySet)
            case .gentleBreathing: parts.append(words.gentleBreathingSet)
            case .choice(let key):
                parts.append("\(line.label.lowercased()) (--set \(key)=\(values.joined(separator: words.or)))")
            case .pace: parts.append(words.paceSet(values.first ?? "1", values.last ?? "1"))
            case .music:
                parts.append(
                    words.musicSet(
                        values.filter { $0 != line.options[0].value || $0 == "none" }.joined(separator: words.or)))
            case .musicGain:
                parts.append(words.musicLevelSet(line.options.count > 1 ? values[1] : values[0]))
            }
        }
        return words.lets(parts)
    }

    static func numbered(_ choices: StartChoices, _ index: Int) -> String {
        let line = choices.lines[index]
        return "\(index + 1). \(line.label): \(line.value)\(line.fixed ? " " + Interface.text.setOnCommandLine : "")"
    }
}
