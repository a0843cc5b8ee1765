import Foundation
import Player
import SessionKit

/// What the listener sees while a session plays: a redrawn panel on a terminal, or one plain
/// line per event (screen readers, logs, `--plain`).
final class PlayerScreen {
    let terminal: Terminal
    let plain: Bool
    let timeline: SessionKit.Timeline
    let title: String
    private var drawnLines = 0

    /// - Parameters:
    ///   - timeline: its texts and step titles are shown as single lines made safe for a terminal (``DisplayText``).
    init(terminal: Terminal, plain: Bool, timeline: SessionKit.Timeline, title: String) {
        self.terminal = terminal
        self.plain = plain
        var shown = timeline
        for index in shown.entries.indices {
            shown.entries[index].text = DisplayText.sanitized(shown.entries[index].text, singleLine: true)
        }
        for index in shown.steps.indices {
            shown.steps[index].title = DisplayText.sanitized(shown.steps[index].title, singleLine: true)
        }
        self.timeline = shown
        self.title = DisplayText.sanitized(title, singleLine: true)
    }

    /// A line that stays (above the panel): events, messages.
    func announce(_ text: String) {
        clearPanel()
        terminal.write(DisplayText.sanitized(text) + "\n")
    }

    /// Draws where the run is: the panel on a terminal; nothing in plain mode (its lines come from ``show(_:)``).
    func update(_ status: SessionRun.Status) {
        guard !plain else { return }
        drawPanel(position: status.position, paused: status.paused, volume: status.volume)
    }

    /// Plain mode: one line for each of the session's moments and the listener's actions, as they
    /// happen (a screen reader reads each once). The panel shows the same from ``update(_:)``.
    func show(_ event: SessionEvent) {
        guard plain else { return }
        let at = clock(timeline.seconds(event.frame))
        switch event.kind {
        case .stepStarted(let number, _):
            let title = timeline.steps.first { $0.number == number }?.title ?? ""
            terminal.write("\(at) step \(number) of \(timeline.steps.count): \(title)\n")
        case .narration(let text, _):
            terminal.write("\(at) says: \(DisplayText.sanitized(text, singleLine: true))\n")
        case .pmr(let phase, _):
            terminal.write("\(at) \(phase.rawValue)\n")
        case .breath(let phase, let cycle, let cycles, _):
            let words = ["inhale": "breathe in", "hold": "hold", "exhale": "breathe out"][phase.rawValue] ?? ""
            terminal.write("\(at) \(words), breath \(cycle) of \(cycles)\n")
        case .cue:
            terminal.write("\(at) cue\n")
        case .paused:
            terminal.write("paused at \(at)\n")
        case .resumed:
            terminal.write("resumed at \(at)\n")
        case .seeked:
            terminal.write("moved to \(at)\n")
        case .volume(let decibels):
            terminal.write("volume \(formatDecibels(decibels))\n")
        case .started, .deviceLost, .reconnected, .sourceFailed, .finished, .stopped:
            // Said by the player in its own words (they need the device's name, the file's).
            break
        }
    }

    private func clearPanel() {
        guard drawnLines > 0 else { return }
        terminal.write("\u{1B}[\(drawnLines)F\u{1B}[J")
        drawnLines = 0
    }

    private func drawPanel(position: Int, paused: Bool, volume: Double) {
        let width = terminal.width
        var lines: [String] = []
        let bold = terminal.colour ? "\u{1B}[1m" : ""
        let dim = terminal.colour ? "\u{1B}[2m" : ""
        let reset = terminal.colour ? "\u{1B}[0m" : ""
        lines.append(bold + title + reset)
        if let step = timeline.step(at: position) {
            var line = "Step \(step.number) of \(timeline.steps.count): \(step.title)"
            if let phase = phase(at: position) { line += "  ·  " + phase }
            lines.append(line)
        }
        let elapsed = timeline.seconds(position)
        let total = timeline.seconds(timeline.duration)
        let times = " \(clock(elapsed)) / \(clock(total))  (\(clock(max(0, total - elapsed))) left)"
        let barWidth = max(10, min(50, width - times.count - 4))
        let filled = Int(Double(barWidth) * min(1, elapsed / max(total, 1)))
        lines.append("[" + String(repeating: "█", count: filled) + String(repeating: "░", count: barWidth - filled) + "]" + times)
        if let breath = breathing(at: position) { lines.append(breath) }
        let caption = currentCaption(at: position)
        for line in wrap(caption.map { "“\($0)”" } ?? "", width: width - 2) { lines.append(line) }
        let state = paused ? "PAUSED  " : ""
        lines.append(dim + "\(state)space pause · n next · p previous · +/- volume (\(formatDecibels(volume))) · q quit" + reset)
        clearPanel()
        terminal.write("\u{1B}[?25l" + lines.map { String($0.prefix(width + 16)) }.joined(separator: "\n") + "\n")
        drawnLines = lines.count
    }

    /// The narration being spoken at `position`.
    private func currentCaption(at position: Int) -> String? {
        timeline.entries.last {
            ($0.kind == .narration || $0.kind == .rest || ($0.kind == .release && $0.length > 0))
                && $0.frame <= position && $0.frame + $0.length > position
        }?.text
    }

    /// PMR phase at `position`: tense (with seconds left), relax.
    private func phase(at position: Int) -> String? {
        guard let entry = timeline.entries.last(where: {
            ($0.kind == .tense || $0.kind == .relax) && $0.frame <= position && $0.frame + $0.length > position
        }) else { return nil }
        let left = Int(timeline.seconds(entry.frame + entry.length - position).rounded(.up))
        return entry.kind == .tense ? "tense gently… \(left) s" : "release and relax"
    }

    /// A breathing indicator during breathing steps: which phase, and a bar that fills and empties.
    private func breathing(at position: Int) -> String? {
        guard let step = timeline.step(at: position), let pattern = step.breath, position >= pattern.firstCycle,
            pattern.cycleLength > 0
        else { return nil }
        let cycle = (position - pattern.firstCycle) / pattern.cycleLength
        guard cycle < pattern.cycles else { return nil }
        let t = (position - pattern.firstCycle) % pattern.cycleLength
        let width = 20
        let (label, fill): (String, Double)
        if t < pattern.inhale {
            (label, fill) = ("breathe in ", Double(t) / Double(pattern.inhale))
        } else if t < pattern.inhale + pattern.hold {
            (label, fill) = ("hold       ", 1)
        } else if t < pattern.inhale + pattern.hold + pattern.exhale {
            (label, fill) = ("breathe out", 1 - Double(t - pattern.inhale - pattern.hold) / Double(pattern.exhale))
        } else {
            (label, fill) = ("rest       ", 0)
        }
        let n = Int((fill * Double(width)).rounded())
        return "\(label) " + String(repeating: "●", count: n) + String(repeating: "·", count: width - n)
            + "  breath \(cycle + 1) of \(pattern.cycles)"
    }

    /// Leaves the screen tidy: the panel removed, the cursor shown.
    func close() {
        if !plain { clearPanel() }
    }

    private func wrap(_ text: String, width: Int) -> [String] {
        guard !text.isEmpty else { return [] }
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if line.count + word.count + 1 > max(20, width) && !line.isEmpty {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return Array(lines.prefix(4))
    }
}

func formatDecibels(_ value: Double) -> String {
    value == 0 ? "0 dB" : String(format: "%+.0f dB", value)
}
