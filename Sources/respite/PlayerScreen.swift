import Foundation
import Localization
import Player
import SessionKit

/// What the listener sees while a session plays: a redrawn panel on a terminal, or one plain
/// line per event (screen readers, logs, `--plain`).
///
/// Every line is wrapped between words to the terminal's width by display width
/// (``DisplayText/wrapped(_:width:indent:hangingIndent:)``), so the terminal never breaks a word and the panel
/// knows how many rows it takes. The panel fits the terminal's height: a caption longer than the room left
/// scrolls with the narration, with ↑ and ↓ in its margin where words are above or below.
final class PlayerScreen {
    let terminal: Terminal
    let plain: Bool
    /// The session's timeline as far as it is laid out.
    private(set) var timeline: SessionKit.Timeline
    /// While a session that grows as it plays is still being laid out: its layout with the
    /// narration's lengths estimated, for the number of steps and the length, shown as "about".
    private var estimate: SessionKit.Timeline?
    let title: String
    /// The display width of each row of the panel on screen (none when no panel is drawn).
    private var drawnRows: [Int] = []
    /// The panel as last written, and the width it was laid out for.
    private var drawnText = ""
    private var drawnWidth = 0
    private var drawnHeight = 0

    /// - Parameters:
    ///   - timeline: its texts and step titles are shown made safe for a terminal (``DisplayText``), each as one
    ///     paragraph.
    ///   - estimate: for a session still being laid out, its layout with estimated lengths.
    init(
        terminal: Terminal, plain: Bool, timeline: SessionKit.Timeline, estimate: SessionKit.Timeline? = nil,
        title: String
    ) {
        self.terminal = terminal
        self.plain = plain
        self.timeline = Self.shown(timeline)
        self.estimate = estimate.map(Self.shown)
        self.title = DisplayText.sanitized(title, singleLine: true)
    }

    /// `timeline` with its texts and titles made safe for a terminal.
    private static func shown(_ timeline: SessionKit.Timeline) -> SessionKit.Timeline {
        var shown = timeline
        for index in shown.entries.indices {
            shown.entries[index].text = DisplayText.sanitized(shown.entries[index].text, singleLine: true)
        }
        for index in shown.steps.indices {
            shown.steps[index].title = DisplayText.sanitized(shown.steps[index].title, singleLine: true)
        }
        return shown
    }

    /// The session has been laid out further (``SessionEvent/Kind/laidOut(horizon:complete:)``).
    func grow(to timeline: SessionKit.Timeline, complete: Bool) {
        self.timeline = Self.shown(timeline)
        if complete { estimate = nil }
    }

    /// How many steps the session has (about, while it is laid out).
    private var stepCount: Int { estimate?.steps.count ?? timeline.steps.count }

    /// Prints what a listener reads before a session starts: its title, its description and its safety notes
    /// (`  - ` before each, later lines lined up under its words), wrapped between words on a terminal.
    /// Then what the evidence says of what this session delivers, and the crisis line.
    static func introduce(_ session: Session, crisisLine: String?, on terminal: Terminal) {
        terminal.printWrapped(session.title)
        terminal.printWrapped(session.description)
        terminal.printWrapped(Interface.text.beforeYouBegin)
        for note in session.safety { terminal.printWrapped(note, indent: "  - ") }
        if let crisisLine { terminal.printWrapped(crisisLine, indent: "  - ") }
        terminal.printWrapped(evidence(session.protocol))
    }

    /// One line on the evidence: the grade for what the session delivers (the closest match first), or that no
    /// guideline graded it. It helps people cope; it never claims to treat.
    ///
    /// In English the grade is given with the therapy and symptom the guideline named (the metadata's own
    /// words, which are English); in another language, the grade, the guideline and the match in its words.
    static func evidence(_ info: ProtocolInfo) -> String {
        let rank: [EvidenceGrade.Match: Int] = [.full: 0, .partial: 1, .extrapolated: 2]
        let text = Interface.text
        guard let best = info.evidence.min(by: { rank[$0.match, default: 3] < rank[$1.match, default: 3] }) else {
            return text.evidenceNone
        }
        let grades = text.grades
        let quality = [.high: grades.high, .intermediate: grades.intermediate][best.quality] ?? grades.low
        let strength = [.strong: grades.strong, .moderate: grades.moderate][best.strength] ?? grades.weak
        let match = [.full: grades.full, .partial: grades.partial][best.match] ?? grades.extrapolated
        // The guideline by its short name ("SIO–ASCO 2023"): the rest of it is the metadata's English.
        let guideline = String(best.guideline.prefix { $0 != "," })
        return text.evidence(quality, strength, guideline, match, best.summary, info.evidence.count - 1)
    }

    /// A line that stays (above the panel): events, messages. Wrapped between words on a terminal.
    func announce(_ text: String) {
        clearPanel()
        terminal.printWrapped(text)
    }

    /// Draws where the run is: the panel on a terminal; nothing in plain mode (its lines come from ``show(_:)``).
    func update(_ status: SessionRun.Status) {
        guard !plain else { return }
        drawPanel(position: status.position, paused: status.paused, volume: status.volume)
    }

    /// After a resize, or when the process continues after Ctrl-Z and `fg`: the next ``update(_:)`` draws the
    /// panel for the terminal's new size. After a stop the shell has written below the panel (`[1]+ Stopped`,
    /// `fg`), so the old panel is left alone (it was cleared before stopping) and the new one starts at the cursor.
    ///
    /// The play loop passes this to ``Terminal/handlePendingJobControl(pausing:redraw:)``.
    func redraw(afterStop: Bool) {
        if afterStop { drawnRows = [] }
    }

    /// Before the process stops on Ctrl-Z: removes the panel and says how to come back.
    func suspend(at position: Int) {
        clearPanel()
        terminal.printWrapped(Interface.text.suspended(clock(timeline.seconds(position))))
    }

    /// Plain mode: one line for each of the session's moments and the listener's actions, as they
    /// happen (a screen reader reads each once). The panel shows the same from ``update(_:)``.
    func show(_ event: SessionEvent) {
        guard plain else { return }
        let at = clock(timeline.seconds(event.frame))
        let text = Interface.text
        switch event.kind {
        case .stepStarted(let number, _):
            let title = timeline.steps.first { $0.number == number }?.title ?? ""
            // In a line of its own after the time, lower case: "0:05 step 1 of 17: Opening bowl".
            let line = text.stepOf(number, stepCount, title)
            terminal.printWrapped("\(at) " + line.prefix(1).lowercased() + line.dropFirst())
        case .narration(let text, _):
            terminal.printWrapped("\(at) " + Interface.text.says(DisplayText.sanitized(text, singleLine: true)))
        case .pmr(let phase, _):
            let words = [.tense: text.pmrTense, .release: text.pmrRelease, .relax: text.pmrRelax][phase]
            terminal.printWrapped("\(at) \(words ?? phase.rawValue)")
        case .breath(let phase, let cycle, let cycles, _):
            let words = ["inhale": text.breatheIn, "hold": text.hold, "exhale": text.breatheOut][phase.rawValue] ?? ""
            terminal.printWrapped("\(at) " + text.breathLine(words, cycle, cycles))
        case .cue:
            terminal.printWrapped("\(at) \(text.cue)")
        case .paused:
            terminal.printWrapped(text.pausedAt(at))
        case .resumed:
            terminal.printWrapped(text.resumedAt(at))
        case .seeked:
            terminal.printWrapped(text.movedTo(at))
        case .volume(let decibels):
            terminal.printWrapped(text.volume(formatDecibels(decibels)))
        case .started, .deviceLost, .reconnected, .sourceFailed, .finished, .stopped, .laidOut:
            // Said by the player in its own words (they need the device's name, the file's).
            break
        }
    }

    /// Erases the panel: moves up to its first row and clears to the end of the screen.
    ///
    /// The rows are counted at the terminal's width now. The panel's rows were all narrower than the width they
    /// were drawn at; if the terminal has become narrower since, a terminal that re-flows its lines (most do:
    /// VTE, Konsole, kitty, iTerm2, tmux) now shows each on ⌈columns ÷ new width⌉ rows. (One that cuts lines
    /// instead, such as xterm, keeps one row each, and this erases that many more rows above the panel: some
    /// earlier lines, never a second copy of the panel left on screen.)
    private func clearPanel() {
        terminal.write(clearingSequence())
    }

    /// What erases the panel (see ``clearPanel()``), for writing together with what comes next; "" when none.
    private func clearingSequence() -> String {
        guard !drawnRows.isEmpty else { return "" }
        let width = terminal.width
        let rows = drawnRows.reduce(0) { $0 + max(1, ($1 + width - 1) / width) }
        drawnRows = []
        return "\u{1B}[\(rows)F\u{1B}[J"
    }

    private func drawPanel(position: Int, paused: Bool, volume: Double) {
        // One column is left free: a row that fills the last column leaves some terminals waiting to wrap.
        let width = max(1, terminal.width - 1)
        let layout = PanelLayout(
            title: title, step: stepLine(at: position), bar: progressLine(at: position, width: width),
            breath: breathing(at: position), caption: caption(at: position), hint: hint(paused: paused, volume: volume))
        let rows = layout.rows(width: width, height: max(1, terminal.height - 1))
        let bold = terminal.colour ? "\u{1B}[1m" : ""
        let dim = terminal.colour ? "\u{1B}[2m" : ""
        let reset = terminal.colour ? "\u{1B}[0m" : ""
        let text = rows.map { row in
            switch row.role {
            case .title: bold + row.text + reset
            case .hint: dim + row.text + reset
            default: row.text
            }
        }
        // Nothing changed (paused, or between seconds): nothing is written, so a screen reader is not
        // sent the same panel again and a resize meets no drawing on its way to the terminal.
        let joined = text.joined(separator: "\n")
        let height = terminal.height
        if joined == drawnText && width == drawnWidth && height == drawnHeight && !drawnRows.isEmpty { return }
        // One write: the old panel never stays erased while the new one is on its way.
        terminal.write("\u{1B}[?25l" + clearingSequence() + joined + "\n")
        drawnRows = rows.map { DisplayText.columns($0.text) }
        drawnText = joined
        drawnWidth = width
        drawnHeight = height
    }

    /// "Step 2 of 9: Hands  ·  tense gently… 3 s".
    private func stepLine(at position: Int) -> String? {
        guard let step = timeline.step(at: position) else { return nil }
        var line = Interface.text.stepOf(step.number, stepCount, step.title)
        if let phase = phase(at: position) { line += "  ·  " + phase }
        return line
    }

    /// The progress bar and the times, fitted to `width` (the bar is left out where it would be under 5 columns).
    private func progressLine(at position: Int, width: Int) -> String {
        let elapsed = timeline.seconds(position)
        let about = estimate == nil ? "" : Interface.text.about + " "
        let total = estimate.map { $0.seconds($0.duration) } ?? timeline.seconds(timeline.duration)
        let times =
            "\(clock(elapsed)) / \(about)\(clock(total))  (\(about)\(clock(max(0, total - elapsed))) \(Interface.text.left))"
        let barWidth = min(50, width - DisplayText.columns(times) - 3)
        guard barWidth >= 5 else { return times }
        let filled = Int(Double(barWidth) * min(1, elapsed / max(total, 1)))
        return "[" + String(repeating: "█", count: filled) + String(repeating: "░", count: barWidth - filled) + "] "
            + times
    }

    /// How to go on: while paused, first of all how to resume.
    private func hint(paused: Bool, volume: Double) -> String {
        let text = Interface.text
        let keys = text.keys(formatDecibels(volume))
        return (paused ? text.pausedHint : text.playingHint) + " · " + keys
    }

    /// The words being spoken at `position`, and how far through them the voice is (0…1, by time).
    private func caption(at position: Int) -> PanelLayout.Caption? {
        guard let entry = currentCaption(at: position) else { return nil }
        let progress = entry.length > 0 ? Double(position - entry.frame) / Double(entry.length) : 0
        return PanelLayout.Caption(text: "“\(entry.text)”", progress: min(1, max(0, progress)))
    }

    /// The narration being spoken at `position`.
    private func currentCaption(at position: Int) -> SessionKit.Timeline.Entry? {
        timeline.entries.last {
            ($0.kind == .narration || $0.kind == .rest || ($0.kind == .release && $0.length > 0))
                && $0.frame <= position && $0.frame + $0.length > position
        }
    }

    /// PMR phase at `position`: tense (with seconds left), relax.
    private func phase(at position: Int) -> String? {
        guard
            let entry = timeline.entries.last(where: {
                ($0.kind == .tense || $0.kind == .relax) && $0.frame <= position && $0.frame + $0.length > position
            })
        else { return nil }
        let left = Int(timeline.seconds(entry.frame + entry.length - position).rounded(.up))
        return entry.kind == .tense ? Interface.text.tenseGently(left) : Interface.text.releaseAndRelax
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
        let text = Interface.text
        let (label, fill): (String, Double)
        if t < pattern.inhale {
            (label, fill) = (text.breatheIn, Double(t) / Double(pattern.inhale))
        } else if t < pattern.inhale + pattern.hold {
            (label, fill) = (text.hold, 1)
        } else if t < pattern.inhale + pattern.hold + pattern.exhale {
            (label, fill) = (text.breatheOut, 1 - Double(t - pattern.inhale - pattern.hold) / Double(pattern.exhale))
        } else {
            (label, fill) = (text.rest, 0)
        }
        // The four labels padded to one display width, so the bar does not move as the phase changes.
        let labelWidth = [text.breatheIn, text.hold, text.breatheOut, text.rest].map { DisplayText.columns($0) }.max()
        let n = Int((fill * Double(width)).rounded())
        return DisplayText.padded(label, to: labelWidth ?? 0) + " " + String(repeating: "●", count: n)
            + String(repeating: "·", count: width - n)
            + "  " + text.breathOf(cycle + 1, pattern.cycles)
    }

    /// Leaves the screen tidy: the panel removed, the cursor shown.
    func close() {
        if !plain { clearPanel() }
    }
}

func formatDecibels(_ value: Double) -> String {
    value == 0 ? "0 dB" : String(format: "%+.0f dB", value)
}
