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
    private var nextEntry = 0
    private var lastStep = -1
    private var lastPaused = false

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

    /// Skips announcing entries before `frame` (after a seek or `--from`).
    func jump(to frame: Int) {
        nextEntry = timeline.entries.firstIndex { $0.frame >= frame } ?? timeline.entries.count
    }

    func update(position: Int, paused: Bool, volume: Double) {
        if plain {
            announceEvents(upTo: position)
            if paused != lastPaused {
                announce(paused ? "paused at \(clock(timeline.seconds(position)))" : "resumed")
                lastPaused = paused
            }
            return
        }
        // Interactive: entries still advance so the panel's caption and phase are current.
        while nextEntry < timeline.entries.count && timeline.entries[nextEntry].frame <= position { nextEntry += 1 }
        drawPanel(position: position, paused: paused, volume: volume)
    }

    /// Plain mode: one line per timeline event as its moment passes.
    private func announceEvents(upTo position: Int) {
        while nextEntry < timeline.entries.count && timeline.entries[nextEntry].frame <= position {
            let entry = timeline.entries[nextEntry]
            nextEntry += 1
            let step = timeline.steps[entry.step]
            if entry.step != lastStep {
                lastStep = entry.step
                terminal.write("\(clock(timeline.seconds(step.start))) step \(step.number) of \(timeline.steps.count): \(step.title)\n")
            }
            let at = clock(timeline.seconds(entry.frame))
            switch entry.kind {
            case .music: continue
            case .narration, .rest: terminal.write("\(at) says: \(entry.text)\n")
            case .release where !entry.text.hasPrefix("builtin:"): terminal.write("\(at) release: \(entry.text)\n")
            case .release, .cue, .bell, .inhale, .exhale: terminal.write("\(at) \(entry.kind.rawValue)\n")
            default: terminal.write("\(at) \(entry.text)\n")
            }
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
