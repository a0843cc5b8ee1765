import ArgumentParser
import Foundation
import Player
import SessionKit

/// `play`'s options for how a session starts: the start screen and resuming.
struct StartOptions: ParsableArguments {
    @Flag(name: [.customShort("y"), .long], help: "Start at once, without the start screen.")
    var yes = false

    @Flag(
        help: "Continue where this session was last stopped (a little before, at the start of that sentence or step).")
    var resume = false
}

/// How one `respite play` starts and what it remembers: the listener's choices (remembered choices, the
/// start screen, `--set`), where to start (`--resume`), and, when it ends, where it stopped.
///
/// Everything remembered lives in the listener's state file (``ListenerStateFile``), per session id. The file
/// is never required: when it cannot be read or written, one `note:` line says so and the session plays with
/// the choices of this run.
final class PlayStart {
    /// The parameters to play with.
    let parameters: Parameters
    /// The same as `--set` assignments: the remembered (or just chosen) ones, then the command line's.
    let assignments: [String]
    private let session: Session
    /// The name the listener used for the session (an id or a path), for "respite play NAME --resume".
    private let name: String
    private let file: ListenerStateFile
    private let remembered: ListenerState.Entry
    /// True for `--resume`.
    let resuming: Bool
    private let terminal: Terminal

    private init(
        parameters: Parameters, assignments: [String], session: Session, name: String, file: ListenerStateFile,
        remembered: ListenerState.Entry, resuming: Bool, terminal: Terminal
    ) {
        self.parameters = parameters
        self.assignments = assignments
        self.session = session
        self.name = name
        self.file = file
        self.remembered = remembered
        self.resuming = resuming
        self.terminal = terminal
    }

    /// Decides the parameters: the session's defaults, then the remembered choices, then the start screen (on
    /// an interactive terminal, without `--yes` or `--resume`), then `--set`, which wins. Nil when the listener
    /// left at the start screen.
    ///
    /// Called after the safety notes are shown and before anything slow.
    /// True when the start screen will wait for the listener: an interactive terminal, without `--yes` or
    /// `--resume`.
    static func showsScreen(terminal: Terminal, start: StartOptions) -> Bool {
        terminal.interactiveInput && terminal.interactiveOutput && !start.yes && !start.resume
    }

    static func begin(
        _ session: Session, name: String, assignments: [String], start: StartOptions,
        catalog: SessionCatalog, terminal: Terminal, plain: Bool, signals: SignalWatcher,
        file: ListenerStateFile = ListenerStateFile(path: ListenerStateFile.defaultPath())
    ) throws -> PlayStart? {
        let loader = catalog.loader
        var entry = ListenerState.Entry()
        var file = file
        switch file.load() {
        case .success(let state): entry = state[session.id]
        case .failure(let problem):
            // Said once; nothing is written to it from here on (an update would only say it again).
            report(problem.description)
            file = ListenerStateFile(path: nil)
        }
        // Remembered choices one at a time: one that no longer fits a changed session is dropped, and said so.
        var remembered: [String] = []
        var base = session.parameters
        for choice in entry.choices {
            do {
                base = try base.applying([choice], to: session, loader: loader)
                remembered.append(choice)
            } catch {
                report(Interface.text.rememberedChoiceDropped(choice, error.message))
            }
        }
        let fixedKeys = Set(assignments.map { Self.key(of: $0) })
        let withCommandLine = try base.applying(assignments, to: session, loader: loader)
        var choices = StartChoices(
            session: session, parameters: withCommandLine, fixedKeys: fixedKeys, loader: loader,
            words: Interface.text.choices)
        let showScreen = showsScreen(terminal: terminal, start: start)
        if showScreen {
            if entry.resume != nil {
                terminal.printWrapped(Interface.text.lastTimeStopped(Self.command(name)))
            }
            switch StartScreen(terminal: terminal, signals: signals, plain: plain).run(choices) {
            case .leave:
                terminal.printWrapped(Interface.text.nothingPlayed)
                return nil
            case .begin(let chosen):
                choices = chosen
            }
            let chosen = choices.assignments(over: session.parameters, session: session)
            // Lines set with --set stay as they were remembered.
            let kept = remembered.filter { fixedKeys.contains(Self.key(of: $0)) }
            // In the order assignments() writes them, so that the same choices always read the same.
            let order =
                ["skip"] + session.choices.map(\.key) + [
                    "releaseOnly", "gentleBreathing", "pace", "music", "musicGain",
                ]
            let toRemember = (kept + chosen).sorted {
                (order.firstIndex(of: Self.key(of: $0)) ?? order.count)
                    < (order.firstIndex(of: Self.key(of: $1)) ?? order.count)
            }
            if toRemember != entry.choices, let notice = file.update({ $0[session.id].choices = toRemember }) {
                report(notice)
            }
            remembered = toRemember
        } else if !start.resume {
            terminal.printWrapped(StartScreen.summary(choices))
        }
        if !showScreen && !remembered.isEmpty {
            terminal.printWrapped(Interface.text.usingChoices(remembered.joined(separator: " ")))
        }
        let parameters = try session.parameters.applying(remembered + assignments, to: session, loader: loader)
        return PlayStart(
            parameters: parameters, assignments: remembered + assignments, session: session, name: name, file: file,
            remembered: entry,
            resuming: start.resume, terminal: terminal)
    }

    /// With `--resume`, the frame to start at in `timeline` (printing where and why); nil otherwise, or when
    /// nothing fits (then it says so, and the session starts from the beginning).
    func resumeFrame(in timeline: SessionKit.Timeline) -> Int? {
        guard resuming else { return nil }
        guard let point = remembered.resume else {
            terminal.printWrapped(Interface.text.noStoppedPlace)
            return nil
        }
        switch point.frame(in: timeline) {
        case .exact(let frame):
            terminal.printWrapped(Interface.text.continuingFrom(clock(timeline.seconds(frame))))
            return frame
        case .stepStart(let frame):
            terminal.printWrapped(
                Interface.text.changedContinuesFromStep(point.step, point.stepTitle, clock(timeline.seconds(frame))))
            return frame
        case nil:
            terminal.printWrapped(Interface.text.changedStartsOver)
            return nil
        }
    }

    /// Remembers where the session stopped and returns the line to show: where it stopped and how to continue.
    /// - Parameter estimate: for a session still being laid out when it stopped, its layout with estimated lengths
    ///   (its length is said as "about").
    func stopped(at frame: Int, timeline: SessionKit.Timeline, estimate: SessionKit.Timeline? = nil) -> String {
        let length =
            estimate.map { Interface.text.about + " " + clock($0.seconds($0.duration)) }
            ?? clock(timeline.seconds(timeline.duration))
        let stoppedAt = Interface.text.stoppedAt(clock(timeline.seconds(frame)), length)
        guard let point = ResumePoint(stoppedAt: frame, in: timeline) else { return stoppedAt }
        let notice = file.path == nil ? "" : file.update({ $0[session.id].resume = point })
        if let notice {
            if !notice.isEmpty { report(notice) }
            return stoppedAt + " " + Interface.text.continueWithFrom(clock(timeline.seconds(point.frame)))
        }
        return stoppedAt + " " + Interface.text.continueLater(Self.command(name))
    }

    /// `options` with this play's assignments, for the no-sound-card fallback's render.
    func options(_ options: SessionOptions) -> SessionOptions {
        var options = options
        options.assignments = assignments
        return options
    }

    /// The session played to its end: there is nothing to continue.
    func finished() {
        if let notice = file.update({ $0[session.id].resume = nil }) { report(notice) }
    }

    /// The key of a `key=value` assignment, as `--set` reads it (spaces around it ignored).
    static func key(of assignment: String) -> String {
        String(assignment.prefix { $0 != "=" }).trimmingCharacters(in: .whitespaces)
    }

    /// `respite play NAME`, with NAME quoted for a shell when it needs it.
    static func command(_ name: String) -> String {
        let safe = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./+:".contains($0)) }
        let quoted = safe && !name.isEmpty ? name : "'" + name.replacingOccurrences(of: "'", with: "'\\''") + "'"
        return "respite play \(quoted)"
    }
}

extension Play {
    /// The start of a play: remembered choices, the start screen and `--set`; nil when the listener left.
    /// A choice that cannot apply is reported like a bad `--set` (exit status 65).
    func beginning(
        _ meta: Session, catalog: SessionCatalog, terminal: Terminal, plain: Bool, signals: SignalWatcher
    ) throws -> PlayStart? {
        do {
            return try PlayStart.begin(
                meta, name: session, assignments: options.assignments, start: start,
                catalog: catalog, terminal: terminal, plain: plain, signals: signals)
        } catch let error as ValidationError {
            throw error
        } catch {
            throw fail(error, context: session)
        }
    }
}
