import Foundation
import SessionKit

#if canImport(Glibc)
    import Glibc
#endif

/// Standard input, output and error made safe to use whatever state the caller left them in.
///
/// - A closed descriptor 0, 1 or 2 is reopened on `/dev/null` before anything else runs: otherwise the next file
///   Respite opens (an output file, a cache entry) would get that number, and a message meant for the terminal
///   would be written into it.
/// - SIGPIPE is ignored, so a reader that goes away (a closed pipe, a sound server's socket) is an error Respite
///   reports, never a silent death mid-session.
/// - Every write to standard output is a checked `write(2)`: if any failed (a full disk under
///   `timeline --json > file`, `list > /dev/full`), ``finish()`` says so and gives exit status 74, instead of
///   exiting 0 with the output cut short.
/// - What Respite prints quotes session text, file names and values a user typed: ``printLine(_:)`` and
///   ``writeError(_:)`` pass it through ``DisplayText/sanitized(_:singleLine:)``, so no control character reaches
///   the terminal.
enum StandardStreams {
    /// The first error writing standard output, as an errno value; 0 while none.
    nonisolated(unsafe) private static var outputError: Int32 = 0

    /// Call first thing in `main`.
    static func prepare() {
        for descriptor in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where fcntl(descriptor, F_GETFD) < 0 {
            let opened = open("/dev/null", descriptor == STDIN_FILENO ? O_RDONLY : O_WRONLY)
            if opened >= 0 && opened != descriptor {
                dup2(opened, descriptor)
                close(opened)
            }
        }
        signal(SIGPIPE, SIG_IGN)
    }

    /// A message for the first command-line argument that is not valid UTF-8, or nil when all are.
    ///
    /// Swift reads arguments as `String`s and replaces invalid bytes, so a Latin-1 file name would silently name
    /// another file: `-o café.flac` written in Latin-1 would create a file whose name has U+FFFD in it, and such
    /// a session would be "not found". Respite refuses the argument and says how to fix it instead.
    static func invalidArgument() -> String? {
        for index in 1..<Int(CommandLine.argc) {
            guard let argument = CommandLine.unsafeArgv[index] else { continue }
            let bytes = UnsafeBufferPointer(
                start: UnsafeRawPointer(argument).assumingMemoryBound(to: UInt8.self), count: strlen(argument))
            if String(validating: bytes, as: UTF8.self) == nil {
                let shown = bytes.map {
                    $0 < 0x80 ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16, uppercase: true)
                }
                .joined()
                return "Error: argument \(index) ('\(shown)') is not UTF-8 text. Respite reads names and file names as "
                    + "UTF-8: rename the file (for example with `convmv -f latin1 -t utf-8`) or run under a UTF-8 locale."
            }
        }
        return nil
    }

    /// Writes `text` to standard output as it is (the player's screen, with its own escape sequences),
    /// remembering a failure for ``finish()``.
    static func write(_ text: String) {
        fflush(nil)  // anything a library printed through stdio comes first
        if let failure = writeAll(text, to: STDOUT_FILENO), outputError == 0 { outputError = failure }
    }

    /// Writes all of `text` to `descriptor`, retrying after signals; returns the errno of a failure.
    private static func writeAll(_ text: String, to descriptor: Int32) -> Int32? {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            if written == 0 { return EIO }
            offset += written
        }
        return nil
    }

    /// Writes a line to standard error, after flushing standard output so the two read in order in a log.
    /// Never fails: if standard error cannot be written, there is nowhere left to say so.
    static func writeError(_ line: String) {
        fflush(nil)
        _ = writeAll(DisplayText.sanitized(line) + "\n", to: STDERR_FILENO)
    }

    /// Writes `text` to standard error as it is, with no line break added: a progress line that rewrites itself
    /// with `\r` (``ProgressLine``). `text` is Respite's own; nothing from outside goes into it unsanitised.
    static func writeErrorUnterminated(_ text: String) {
        fflush(nil)
        _ = writeAll(text, to: STDERR_FILENO)
    }

    /// Flushes standard output; if anything written to it was lost, reports it and returns exit status 74.
    static func finish() -> Int32? {
        fflush(nil)
        guard outputError != 0 else { return nil }
        writeError(
            "respite: could not write standard output: \(String(cString: strerror(outputError))). "
                + "What was printed is incomplete; check the disk or the pipe it goes to.")
        return 74
    }
}

/// Prints a line of text on standard output, made safe for a terminal (``DisplayText``), checked
/// (``StandardStreams``).
func printLine(_ text: String) {
    StandardStreams.write(DisplayText.sanitized(text) + "\n")
}
