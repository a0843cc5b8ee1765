import CProcess
import FileAccess
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One long-lived `piper` process: the model loaded once, then fed one text per line and answering each with a
/// WAV file in a private folder.
///
/// Piper's own command line does this (`-d FOLDER`: a line on standard input becomes `FOLDER/<time>.wav`, and the
/// line `Wrote FOLDER/<time>.wav` on standard error says it is complete), so Respite runs Piper unmodified, as a
/// separate program, and never links or copies it (Piper is GPL). A process costs 0.7–2 s to load its model and
/// then answers a sentence in about 0.15 s, so one is kept per model and setting, never one per clip.
///
/// The process gets standard input from a socket (so a write to a process that died is an error, never SIGPIPE),
/// standard output to /dev/null and standard error to a pipe Respite reads; no other descriptor of Respite's
/// (`closefrom`); a process group of its own, so the terminal's Ctrl-C reaches Respite, which stops gently, and not
/// Piper; and a nice value of 10, so speaking ahead of a playing session never competes with the audio.
///
/// Thread safety: one owner at a time (``PiperEngine`` holds its lock around every call).
final class PiperProcess {
    let pid: pid_t
    /// Where Piper writes its WAV files; private (mode 0700), removed on ``close()``.
    let folder: String
    /// Our end of the socket that is Piper's standard input.
    private var input: Int32
    /// The read end of Piper's standard error.
    private var errors: Int32
    /// Standard error read but not yet ended by a newline.
    private var partial: [UInt8] = []
    /// The last lines of standard error that were not answers, for messages.
    private(set) var recent: [String] = []
    /// Set once the process is known to have ended (or was killed), with why.
    private(set) var ended: String?

    /// The longest standard error line kept, bytes; the rest of a longer line is dropped.
    static let maximumLine = 4_096

    /// Starts `program` with `arguments` (after the program's name), writing into a new private folder.
    ///
    /// - Throws: ``SpeechError`` of kind `.engine` when the folder, the pipes or the process cannot be made.
    init(program: String, arguments: (String) -> [String]) throws(SpeechError) {
        _ = Self.sweptOnce
        let prefix = "respite-piper-\(getpid())-"
        var template = Array(UserDirectories.join(NSTemporaryDirectory(), prefix + "XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw Self.failure("mkdtemp", "cannot make a folder for Piper's output: \(Self.errnoText())")
        }
        // Its canonical path: Piper names its files by the path it was given, normalised.
        if let real = realpath(made, nil) {
            folder = String(cString: real)
            free(real)
        } else {
            folder = String(cString: made)
        }
        var sockets: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &sockets) == 0 else {
            rmdir(folder)
            throw Self.failure("socketpair", Self.errnoText())
        }
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe2(&pipeEnds, O_CLOEXEC) == 0 else {
            Glibc.close(sockets[0])
            Glibc.close(sockets[1])
            rmdir(folder)
            throw Self.failure("pipe2", Self.errnoText())
        }
        input = sockets[0]
        errors = pipeEnds[0]
        defer {
            Glibc.close(sockets[1])
            Glibc.close(pipeEnds[1])
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, sockets[1], 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP] { sigaddset(&defaults, signal) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = [program] + arguments(folder)
        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        var child: pid_t = 0
        // Piper reads its input as UTF-8 whatever the locale (IPA in a lexicon entry would otherwise be garbled).
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONUTF8"] = "1"
        environment["PYTHONIOENCODING"] = "utf-8"
        var cEnvironment: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for entry in cEnvironment { free(entry) } }
        let status = posix_spawn(&child, program, &actions, &attributes, &cArguments, &cEnvironment)
        guard status == 0 else {
            Glibc.close(input)
            Glibc.close(errors)
            rmdir(folder)
            throw Self.failure("posix_spawn(\(program))", String(cString: strerror(status)))
        }
        pid = child
        setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(child), 10)
    }

    deinit { close() }

    /// Asks for `line` (one line of text, no line breaks) and waits for its WAV file.
    ///
    /// - Parameter timeout: how long the answer may take.
    /// - Returns: the path of the finished WAV file, inside ``folder``; the caller removes it.
    /// - Throws: ``SpeechError`` of kind `.engine` when the process has ended, ends, or does not answer in time
    ///   (it is then killed); ``ended`` says so afterwards.
    func speak(_ line: String, timeout: Duration) throws(SpeechError) -> String {
        if let ended { throw Self.failure("piper", ended) }
        let bytes = Array((line + "\n").utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(input, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw endedFailure("the Piper process stopped reading (\(Self.errnoText()))")
            }
            sent += count
        }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            let left = deadline - ContinuousClock.now
            if left <= .zero {
                kill(pid, SIGKILL)
                throw endedFailure("Piper did not answer within \(timeout) and was stopped")
            }
            var poller = pollfd(fd: errors, events: Int16(POLLIN), revents: 0)
            let (seconds, attoseconds) = left.components
            let milliseconds = Int32(
                min(seconds * 1_000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000, 60_000))
            let ready = poll(&poller, 1, milliseconds)
            if ready < 0 && errno != EINTR { throw endedFailure("poll failed: \(Self.errnoText())") }
            guard ready > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(errors, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw endedFailure("cannot read Piper's messages: \(Self.errnoText())")
            }
            if count == 0 { throw endedFailure("the Piper process ended") }
            if let path = take(buffer[..<count]) { return path }
        }
    }

    /// Adds standard error bytes; returns the answer's path when a complete `Wrote PATH` line names a WAV file in
    /// ``folder``, and keeps other complete lines in ``recent``.
    private func take(_ bytes: ArraySlice<UInt8>) -> String? {
        var answer: String?
        for byte in bytes {
            if byte != UInt8(ascii: "\n") {
                if partial.count < Self.maximumLine { partial.append(byte) }
                continue
            }
            let line = String(decoding: partial, as: UTF8.self)
            partial.removeAll(keepingCapacity: true)
            if let range = line.range(of: "Wrote ") {
                let path = String(line[range.upperBound...])
                if path.hasPrefix(folder + "/"), path.hasSuffix(".wav"), !path.contains("/../") {
                    answer = path
                    continue
                }
            }
            recent.append(String(line.prefix(300)))
            if recent.count > 6 { recent.removeFirst() }
        }
        return answer
    }

    /// Marks the process ended, reaps it, and makes the error, with Piper's last words.
    private func endedFailure(_ reason: String) -> SpeechError {
        var status: Int32 = 0
        var why = reason
        // A process whose standard error closed is exiting: give it a moment to say how.
        let deadline = ContinuousClock.now.advanced(by: .seconds(1))
        var reaped = waitpid(pid, &status, WNOHANG) == pid
        while !reaped && ContinuousClock.now < deadline {
            usleep(5_000)
            reaped = waitpid(pid, &status, WNOHANG) == pid
        }
        if reaped {
            why += Self.exitText(status)
        } else {
            kill(pid, SIGKILL)
            waitpid(pid, &status, 0)
        }
        ended = why
        let said = recent.last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return Self.failure("piper", why + (said.map { "; it said: \($0)" } ?? ""))
    }

    /// Ends the process: its input is closed (Piper then exits by itself, within a second), then it is killed if
    /// still there after `grace`; it is reaped and its folder removed. Safe to call twice.
    func close(grace: Duration = .seconds(2)) {
        if input >= 0 {
            Glibc.close(input)
            input = -1
        }
        // Nobody reads its messages any more: a process still writing some gets EPIPE rather than blocking.
        if errors >= 0 {
            Glibc.close(errors)
            errors = -1
        }
        if ended == nil {
            var status: Int32 = 0
            let deadline = ContinuousClock.now.advanced(by: grace)
            while waitpid(pid, &status, WNOHANG) == 0 {
                if ContinuousClock.now >= deadline {
                    kill(pid, SIGKILL)
                    waitpid(pid, &status, 0)
                    break
                }
                usleep(10_000)
            }
            ended = "closed"
        }
        if let names = try? FileManager.default.contentsOfDirectory(atPath: folder) {
            for name in names { unlink(folder + "/" + name) }
        }
        rmdir(folder)
    }

    /// Folders of Respite processes that ended without closing their engine (a crash, SIGKILL, a power cut) are
    /// removed: `respite-piper-PID-…` of this user whose process is gone. Once per process.
    private static let sweptOnce: Void = sweep()

    /// Removes the folders of Respite processes that are gone (see ``sweptOnce``).
    static func sweep() {
        let temporary = NSTemporaryDirectory()
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: temporary) else { return }
        for name in names where name.hasPrefix("respite-piper-") {
            let fields = name.split(separator: "-")
            guard fields.count == 4, let pid = pid_t(fields[2]), pid > 0, pid != getpid() else { continue }
            guard kill(pid, 0) != 0 && errno == ESRCH else { continue }
            let folder = UserDirectories.join(temporary, name)
            var info = stat()
            guard lstat(folder, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == geteuid() else {
                continue
            }
            for file in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                unlink(folder + "/" + file)
            }
            rmdir(folder)
        }
    }

    private static func exitText(_ status: Int32) -> String {
        let signal = status & 0x7F
        if signal == 0 { return " with status \((status >> 8) & 0xFF)" }
        return " on signal \(signal)"
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    static func failure(_ call: String, _ message: String) -> SpeechError {
        SpeechError(
            kind: .engine, call: call, message: message,
            suggestion: "Run `respite voices` to check the neural voice, reinstall it with `make voices`, or speak "
                + "with espeak-ng (`--voice espeak`).")
    }
}
