import SessionKit

/// The player's panel as rows that fit a terminal: every line wrapped between words to the width, and the whole
/// no taller than the height.
///
/// When everything does not fit, the caption scrolls: it shows the rows around the words being spoken, with ↑ in
/// the margin of its first row when words are hidden above and ↓ in that of its last when words follow. When even
/// the other lines leave no room for two rows of caption, they give way one by one: the title first, then the
/// progress bar, the breathing indicator and the step; the keys' hint stays, for it says how to resume and stop.
struct PanelLayout {
    /// Words spoken now, and how far through them the voice is (0…1).
    struct Caption {
        var text: String
        var progress: Double
    }

    enum Role { case title, step, bar, breath, caption, hint }

    struct Row: Equatable {
        var role: Role
        var text: String
    }

    var title: String
    var step: String?
    var bar: String
    var breath: String?
    var caption: Caption?
    var hint: String

    /// The columns before each caption row: ↑, ↓ (↕ on a lone row with words both sides) or blank.
    static let captionMargin = 2

    /// The rows to draw, each at most `width` columns, at most `height` rows (a height under 2 is taken as 2).
    func rows(width: Int, height: Int) -> [Row] {
        let height = max(2, height)
        func lines(_ text: String?, _ role: Role) -> [Row] {
            guard let text else { return [] }
            // A line that fits is kept as it is (the breathing indicator's spacing lines its dots up).
            let wrapped = DisplayText.columns(text) <= width ? [text] : DisplayText.wrapped(text, width: width)
            return wrapped.map { Row(role: role, text: $0) }
        }
        var fixed: [Role: [Row]] = [
            .title: lines(title, .title), .step: lines(step, .step), .bar: lines(bar, .bar),
            .breath: lines(breath, .breath), .hint: lines(hint, .hint),
        ]
        let captionRows = caption.map { DisplayText.wrapped($0.text, width: max(1, width - Self.captionMargin)) } ?? []
        func fixedCount() -> Int { fixed.values.reduce(0) { $0 + $1.count } }
        for role in [Role.title, .bar, .breath, .step] where fixedCount() + min(captionRows.count, 2) > height {
            fixed[role] = []
        }
        let room = max(0, height - fixedCount())
        var rows = (fixed[.title] ?? []) + (fixed[.step] ?? []) + (fixed[.bar] ?? []) + (fixed[.breath] ?? [])
        rows += captionWindow(captionRows, room: room)
        rows += fixed[.hint] ?? []
        return Array(rows.prefix(height))
    }

    /// At most `room` caption rows around the words being spoken, with their margins.
    private func captionWindow(_ lines: [String], room: Int) -> [Row] {
        guard !lines.isEmpty, room > 0 else { return [] }
        let margin = String(repeating: " ", count: Self.captionMargin)
        guard lines.count > room else { return lines.map { Row(role: .caption, text: margin + $0) } }
        // The row holding the character the voice has reached, taking time through the words as even.
        let total = lines.reduce(0) { $0 + $1.count }
        let reached = Int(Double(total) * (caption?.progress ?? 0))
        var spoken = lines.count - 1
        var counted = 0
        for (index, line) in lines.enumerated() {
            counted += line.count
            if counted > reached {
                spoken = index
                break
            }
        }
        // One row of what was just said stays above, when there is room for more than two.
        let first = min(max(0, spoken - (room > 2 ? 1 : 0)), lines.count - room)
        let last = first + room - 1
        return (first...last).map { index in
            let above = index == first && first > 0
            let below = index == last && last < lines.count - 1
            let sign = above && below ? "↕ " : above ? "↑ " : below ? "↓ " : margin
            return Row(role: .caption, text: sign + lines[index])
        }
    }
}
