import ArgumentParser
import Clinic
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `respite ctl`: the clinic service's client, for staff at a terminal and for scripts.
struct CtlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ctl",
        abstract: "Control the clinic service (respite clinic) over its socket.",
        discussion: """
            Sends one command and prints the answer, a `key: value` line each (--json: one JSON object, or a \
            list for schedule and history). `idle` prints events as they happen, until Ctrl-C or --count.

            Commands:
            \(ControlProtocol.commands.map { "  " + $0.usage }.joined(separator: "\n"))

            Examples:
              respite ctl status
              respite ctl play pmr-short pace=1.2
              respite ctl rate 12 pain=3 anxiety=2
              respite ctl --json schedule 5
              respite ctl idle --count 10
            """)

    @Option(help: ArgumentHelp("The control socket's path.", valueName: "path"))
    var socket = ClinicCommand.defaultSocket

    @Flag(help: "Print the answer as JSON.")
    var json = false

    @Option(help: ArgumentHelp("With idle: stop after this many events.", valueName: "n"))
    var count: Int?

    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.")
    var words: [String] = []

    func run() throws {
        // Options may also follow the command: `respite ctl status --json`.
        var words = self.words
        var json = self.json
        var count = self.count
        if let index = words.firstIndex(of: "--json") {
            json = true
            words.remove(at: index)
        }
        if let index = words.firstIndex(of: "--count"), index + 1 < words.count, let n = Int(words[index + 1]) {
            count = n
            words.removeSubrange(index...(index + 1))
        }
        guard let command = words.first else {
            throw ValidationError("Give a command, e.g. `respite ctl status` (`respite ctl --help` lists them).")
        }
        let connection = try connect()
        defer { close(connection) }
        // A service that stops answering is reported, never waited for: 10 s for an answer (not for idle's events).
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var reader = ResponseReader(descriptor: connection)
        guard let greeting = reader.line() else {
            report("The clinic service at \(socket) did not answer within 10 s.")
            throw ExitStatus.temporaryFailure
        }
        if greeting.hasPrefix("ACK ") {
            report("The clinic service refused the connection: \(greeting.dropFirst(4))")
            throw ExitStatus.temporaryFailure
        }
        guard greeting.hasPrefix("OK respite") else {
            report("\(socket) did not answer as Respite's clinic service does.")
            throw ExitStatus.noDevice
        }
        if command == "idle" {
            var forever = timeval(tv_sec: 0, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &forever, socklen_t(MemoryLayout<timeval>.size))
        }
        let line = words.map(ControlProtocol.quote).joined(separator: " ") + "\n"
        guard ControlServer.send(connection, line) else {
            report("The clinic service closed the connection.")
            throw ExitStatus.ioFailure
        }
        if command == "idle" {
            try idle(connection, reader: &reader, count: count)
            return
        }
        var lines: [String] = []
        while let answer = reader.line() {
            if answer == "OK" {
                if json {
                    printLine(
                        ControlProtocol.json(
                            ControlProtocol.fields(lines), list: ["schedule", "history", "commands"].contains(command)))
                } else {
                    for line in lines { printLine(line) }
                }
                return
            }
            if answer.hasPrefix("ACK ") {
                report(String(answer.dropFirst(4)))
                throw ExitCode.failure
            }
            lines.append(answer)
        }
        if errno == EAGAIN || errno == EWOULDBLOCK {
            report("The clinic service at \(socket) did not answer within 10 s.")
            throw ExitStatus.temporaryFailure
        }
        report("The clinic service closed the connection before answering.")
        throw ExitStatus.ioFailure
    }

    /// Prints event lines as they come; after `count` of them, sends `noidle` and waits for its `OK`.
    private func idle(_ connection: Int32, reader: inout ResponseReader, count: Int?) throws {
        var seen = 0
        if count == 0 {
            ControlServer.send(connection, "noidle\n")
            return
        }
        while let line = reader.line() {
            if line.hasPrefix("ACK ") {
                report(String(line.dropFirst(4)))
                throw ExitCode.failure
            }
            if line == "OK" { return }
            printLine(json ? ControlProtocol.json(ControlProtocol.fields([line])) : line)
            seen += 1
            if let count, seen >= count {
                ControlServer.send(connection, "noidle\n")
                while let rest = reader.line(), rest != "OK" {}
                return
            }
        }
    }

    /// Connects to the socket, with a message a member of staff can act on when it cannot.
    private func connect() throws -> Int32 {
        guard let address = UnixSocketAddress(path: socket) else {
            throw ValidationError("--socket \(socket) is too long for a Unix socket's path.")
        }
        let descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        // A service too wedged to accept (its backlog full) makes connect wait: 10 s at most, as for an answer.
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = address.connect(descriptor)
        guard connected == 0 else {
            let code = errno
            close(descriptor)
            switch code {
            case ENOENT, ECONNREFUSED:
                report(
                    "The clinic service is not running (nothing answers at \(socket)). Start it with "
                        + "`systemctl start respite-clinic`, or give its --socket.")
                throw ExitStatus.noDevice
            case EAGAIN, EINPROGRESS, ETIMEDOUT:
                report("The clinic service at \(socket) did not accept the connection within 10 s.")
                throw ExitStatus.temporaryFailure
            case EACCES, EPERM:
                report(
                    "Permission denied on \(socket): staff who control the player must be in the socket's group "
                        + "(`respite` when installed with make install); ask an administrator to add you.")
                throw ExitCode(77)
            default:
                report("Cannot connect to \(socket): \(String(cString: strerror(code))).")
                throw ExitStatus.noDevice
            }
        }
        return descriptor
    }
}

/// Reads the daemon's answer a line at a time.
private struct ResponseReader {
    let descriptor: Int32
    private var buffer: [UInt8] = []

    init(descriptor: Int32) { self.descriptor = descriptor }

    /// The next line without its newline; nil when the connection ended.
    mutating func line() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = recv(descriptor, &chunk, chunk.count, 0)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return nil }
            buffer += chunk[..<count]
        }
    }
}
