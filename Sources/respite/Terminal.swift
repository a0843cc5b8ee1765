import Atomics
import Foundation
import SessionKit

#if canImport(Glibc)
    import Glibc
#endif

/// The terminal the player runs in: raw key input, the size, job control (Ctrl-Z, `fg`, resizing), and putting
/// everything back.
final class Terminal {
    let interactiveInput: Bool
    let interactiveOutput: Bool
    /// ANSI colour and emphasis; off with NO_COLOR or when output is not a terminal.
    let colour: Bool
    private var saved = termios()
    private var savedValid = false
    private var raw = false
    /// The last line ``readLine(stoppingOn:)`` read ended with CR.
    private var endedWithCarriageReturn = false

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        interactiveInput = isatty(STDIN_FILENO) == 1
        interactiveOutput = isatty(STDOUT_FILENO) == 1
        colour = interactiveOutput && (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
    }

    /// Width in columns, read from the terminal each time (it may have been resized); 80 when unknown.
    var width: Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }

    /// Height in rows, read from the terminal each time; 24 when unknown.
    var height: Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 { return Int(size.ws_row) }
        return 24
    }

    /// Keys arrive one at a time, unechoed. Also starts watching for resizes, Ctrl-Z and `fg`
    /// (``handlePendingJobControl(pausing:redraw:)``).
    func enterRawMode() {
        JobControlSignals.install()
        guard interactiveInput, !raw else { return }
        if !savedValid {
            tcgetattr(STDIN_FILENO, &saved)
            savedValid = true
        }
        applyRawMode()
        raw = true
    }

    private func applyRawMode() {
        var settings = saved
        settings.c_lflag &= ~tcflag_t(ICANON | ECHO)
        settings.c_cc.6 = 0  // VMIN
        settings.c_cc.5 = 0  // VTIME
        tcsetattr(STDIN_FILENO, TCSANOW, &settings)
    }

    /// Puts the terminal back as it was found (line editing, echo) and shows the cursor.
    func restore() {
        if raw {
            tcsetattr(STDIN_FILENO, TCSANOW, &saved)
            raw = false
        }
        if interactiveOutput { write("\u{1B}[?25h") }
    }

    /// Acts on Ctrl-Z, `fg` and resizes that arrived since the last call; the play loop calls it once per tick,
    /// before it draws.
    ///
    /// The signal handlers only set atomic flags (async-signal-safe); everything else happens here, on the loop's
    /// thread:
    /// - **Ctrl-Z (SIGTSTP):** calls `pausing` (pause the run there and let its fade play, so the sound does not
    ///   cut off), then puts the terminal back in its usual mode with the cursor shown, and stops the process with
    ///   SIGSTOP, as the shell expects. When the shell continues it (`fg`), raw mode is entered again (the shell
    ///   may have reset the terminal meanwhile, which left keys dead until Enter) and `redraw` is called.
    /// - **Continued (SIGCONT) after a stop Respite did not ask for** (`kill -STOP`): raw mode again and `redraw`.
    /// - **Resize (SIGWINCH):** `redraw`; the panel measures the new size itself.
    ///
    /// - Parameters:
    ///   - pausing: called before the process stops, with the terminal still in raw mode.
    ///   - redraw: called after a resize or a continue. Whatever was on the screen below the last announcement
    ///     may have been written over by the shell (`[1]+ Stopped`, `fg`): draw the panel afresh below the cursor,
    ///     erasing nothing above it (``PlayerScreen/redraw(afterStop:)``).
    func handlePendingJobControl(pausing: () -> Void, redraw: (_ afterStop: Bool) -> Void) {
        let pending = JobControlSignals.take()
        if pending.suspend {
            pausing()
            let wasRaw = raw
            restore()
            raw = false
            _ = JobControlSignals.take()  // a resize while pausing is drawn after the stop anyway
            kill(getpid(), SIGSTOP)
            // Here again after `fg` (or `bg`: then tcsetattr below stops the process with SIGTTOU until `fg`,
            // as for any program that uses the terminal).
            _ = JobControlSignals.take()
            if wasRaw { reenterRawMode() }
            redraw(true)
        } else if pending.continued {
            if raw { reenterRawMode() }
            redraw(true)
        } else if pending.resized {
            redraw(false)
        }
    }

    private func reenterRawMode() {
        guard interactiveInput else { return }
        applyRawMode()
        raw = true
    }

    /// Waits up to `milliseconds` for a key; returns it, or nil. A signal (a resize, Ctrl-Z) ends the wait early.
    func readKey(timeout milliseconds: Int32) -> UInt8? {
        guard interactiveInput else {
            usleep(useconds_t(milliseconds) * 1_000)
            return nil
        }
        var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, milliseconds) > 0 else { return nil }
        var byte: UInt8 = 0
        return read(STDIN_FILENO, &byte, 1) == 1 ? byte : nil
    }

    /// One line typed at the terminal (in its normal, line-by-line mode), without its end of line; nil at the end
    /// of input or once `signals` has received a stop signal. Polls, so that Ctrl-C (after which a plain `read`
    /// would simply go on waiting) is seen. At most 256 bytes of a line are kept.
    func readLine(stoppingOn signals: SignalWatcher) -> String? {
        fflush(nil)
        var bytes: [UInt8] = []
        while true {
            if signals.received != nil { return nil }
            var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 100) > 0 else { continue }
            var byte: UInt8 = 0
            guard read(STDIN_FILENO, &byte, 1) == 1 else {
                return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
            }
            // CR LF is one end of line: the LF after a CR that ended the last line is not an empty answer.
            if byte == 10 && endedWithCarriageReturn && bytes.isEmpty {
                endedWithCarriageReturn = false
                continue
            }
            if byte == 10 || byte == 13 {
                endedWithCarriageReturn = byte == 13
                return String(decoding: bytes, as: UTF8.self)
            }
            endedWithCarriageReturn = false
            if bytes.count < 256 { bytes.append(byte) }
        }
    }

    func write(_ text: String) {
        StandardStreams.write(text)
    }

    /// Prints `text` made safe (``DisplayText/sanitized(_:singleLine:)``) and, on a terminal, wrapped between words
    /// to its width less one column (a row that fills the last column leaves some terminals waiting to wrap;
    /// ``DisplayText/wrapped(_:width:indent:hangingIndent:)``); elsewhere one line per paragraph.
    ///
    /// - Parameters:
    ///   - indent: before the first line (`"  - "` for a note); later lines line up under its text.
    func printWrapped(_ text: String, indent: String = "") {
        let lines = DisplayText.wrapped(
            DisplayText.sanitized(text), width: interactiveOutput ? max(1, width - 1) : nil, indent: indent)
        guard !lines.isEmpty else { return }
        write(lines.joined(separator: "\n") + "\n")
    }
}

/// Flags set by the SIGTSTP, SIGCONT and SIGWINCH handlers, read by
/// ``Terminal/handlePendingJobControl(pausing:redraw:)``.
///
/// Async-signal-safe: each handler only stores into a lock-free atomic, initialised before the handler is installed.
enum JobControlSignals {
    private static let suspendRequested = ManagedAtomic<Bool>(false)
    private static let continued = ManagedAtomic<Bool>(false)
    private static let resized = ManagedAtomic<Bool>(false)
    private static let installed = ManagedAtomic<Bool>(false)

    struct Pending {
        var suspend: Bool
        var continued: Bool
        var resized: Bool
    }

    /// Installs the handlers once. SA_RESTART is left out so that a signal ends the loop's wait for a key at once.
    static func install() {
        // Touch every atomic first: a static's lazy initialisation is not something a handler may run.
        _ = suspendRequested.load(ordering: .relaxed)
        _ = continued.load(ordering: .relaxed)
        _ = resized.load(ordering: .relaxed)
        guard installed.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { number in
            switch number {
            case SIGTSTP: JobControlSignals.suspendRequested.store(true, ordering: .relaxed)
            case SIGCONT: JobControlSignals.continued.store(true, ordering: .relaxed)
            default: JobControlSignals.resized.store(true, ordering: .relaxed)
            }
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        for number in [SIGTSTP, SIGCONT, SIGWINCH] {
            sigaction(number, &action, nil)
        }
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        for number in [SIGTSTP, SIGCONT, SIGWINCH] { sigaddset(&unblocked, number) }
        pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
    }

    /// What arrived since the last call; clears it.
    static func take() -> Pending {
        Pending(
            suspend: suspendRequested.exchange(false, ordering: .relaxed),
            continued: continued.exchange(false, ordering: .relaxed),
            resized: resized.exchange(false, ordering: .relaxed))
    }
}
