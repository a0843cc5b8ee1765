import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The terminal the player runs in: raw key input, the size, and putting everything back.
final class Terminal {
    let interactiveInput: Bool
    let interactiveOutput: Bool
    /// ANSI colour and emphasis; off with NO_COLOR or when output is not a terminal.
    let colour: Bool
    private var saved = termios()
    private var raw = false

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        interactiveInput = isatty(STDIN_FILENO) == 1
        interactiveOutput = isatty(STDOUT_FILENO) == 1
        colour = interactiveOutput && (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
    }

    /// Width in columns (80 when unknown).
    var width: Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 20 { return Int(size.ws_col) }
        return 80
    }

    /// Keys arrive one at a time, unechoed.
    func enterRawMode() {
        guard interactiveInput, !raw else { return }
        tcgetattr(STDIN_FILENO, &saved)
        var settings = saved
        settings.c_lflag &= ~tcflag_t(ICANON | ECHO)
        settings.c_cc.6 = 0  // VMIN
        settings.c_cc.5 = 0  // VTIME
        tcsetattr(STDIN_FILENO, TCSANOW, &settings)
        raw = true
    }

    func restore() {
        if raw {
            tcsetattr(STDIN_FILENO, TCSANOW, &saved)
            raw = false
        }
        if interactiveOutput { write("\u{1B}[?25h") }
    }

    /// Waits up to `milliseconds` for a key; returns it, or nil.
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

    func write(_ text: String) {
        StandardStreams.write(text)
    }
}
