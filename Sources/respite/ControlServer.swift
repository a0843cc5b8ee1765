import CSocket
import CProcess
import Clinic
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Who sent a command over the control socket, as the kernel vouches (SO_PEERCRED).
struct ControlPeer: Sendable, CustomStringConvertible {
    var pid: Int32
    var uid: UInt32
    var gid: UInt32

    var description: String { "uid \(uid) gid \(gid) pid \(pid)" }
}

/// What the daemon answers to one request.
enum ControlReply: Sendable {
    /// `key: value` lines, then `OK`.
    case fields([String])
    /// `ACK [command] message`.
    case failure(String)
    /// Start streaming events (`idle`).
    case idle
    /// End the connection (`close`).
    case close
}

/// What answers the control socket's requests (the clinic daemon).
protocol ControlHandler: AnyObject, Sendable {
    /// Answers one request. Called on the connection's own thread; must not wait long.
    func handle(_ command: String, _ arguments: [String], from peer: ControlPeer) -> ControlReply
    /// Calls `sink` with each event line from now on, until ``unsubscribe(_:)``; returns its id.
    func subscribe(_ sink: @escaping @Sendable (String) -> Void) -> Int
    func unsubscribe(_ id: Int)
}

/// Why the control socket could not be set up.
struct ControlSocketError: Error, CustomStringConvertible {
    var message: String
    /// Another daemon holds the socket (exit 75, as for anything busy).
    var busy = false
    var description: String { message }
}

/// The clinic daemon's control socket: a Unix stream socket, one daemon at a time, a thread per connection.
///
/// One instance only: a lock (`flock` on `SOCKET.lock`, holding the owner's pid) is taken before anything else,
/// so a second daemon refuses to start and never deletes the first one's socket; a socket file left by a daemon
/// that died is replaced only by the one holding the lock, and only if it is a socket. The socket is made with
/// mode 0660 (the umask cannot widen it) and, with a group given, owned by that group: staff in it can control the
/// player, nobody else can connect. Every command is logged with the peer's uid, gid and pid.
///
/// At most ``maximumConnections`` at once; a connection silent for ``inactivityTimeout`` seconds (not idling) is
/// closed; a line longer than ``ControlProtocol/maximumLineLength`` closes the connection.
final class ControlServer: @unchecked Sendable {
    let path: String
    /// The lock on `path.lock`, held for the daemon's life.
    private let pidLock: PidLock
    private let listener: Int32
    /// Written to when the server stops: every connection's poll wakes.
    private let stopPipe: (read: Int32, write: Int32)
    private let lock = NSLock()
    private var connections = 0
    private var stopped = false
    private let finished = DispatchGroup()

    static let maximumConnections = 32
    static let inactivityTimeout: Double = 300
    static let version = "0.1.0"

    /// Takes the lock, binds and listens.
    ///
    /// - Parameter group: the group that may connect (mode 0660); nil keeps the daemon's own group.
    init(path: String, group: gid_t?) throws(ControlSocketError) {
        guard let address = UnixSocketAddress(path: path), path.hasPrefix("/") else {
            throw ControlSocketError(
                message: "\(path): the control socket needs an absolute path of at most "
                    + "\(UnixSocketAddress.maximumPathBytes) bytes")
        }
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: folder) {
            try? FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        }
        let lockPath = path + ".lock"
        let pidLock: PidLock
        do {
            pidLock = try PidLock.take(lockPath, mode: 0o644)
        } catch {
            switch error {
            case .cannotOpen(let reason):
                throw ControlSocketError(
                    message: "\(lockPath): cannot open the control socket's lock (\(reason)); "
                        + "check that the folder exists and the service may write to it (RuntimeDirectory=respite)")
            case .held(let owner):
                throw ControlSocketError(
                    message: "another respite clinic is already running\(owner.map { " (pid \($0))" } ?? "") with the "
                        + "control socket \(path); stop it first (systemctl stop respite-clinic), or give this one "
                        + "another --socket",
                    busy: true)
            }
        }
        // A socket file here now is a dead daemon's (the lock is ours), and is replaced; unless something answers
        // on it (a daemon whose lock file was deleted, or another program's socket). Anything else is never deleted.
        var status = stat()
        if lstat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFSOCK else {
                pidLock.release()
                throw ControlSocketError(
                    message: "\(path) exists and is not a socket; Respite leaves it alone. Move it, or give "
                        + "another --socket")
            }
            if Self.answers(path) {
                pidLock.release()
                throw ControlSocketError(
                    message: "something is already answering on \(path); Respite leaves it alone. Stop it, or give "
                        + "this daemon another --socket", busy: true)
            }
            unlink(path)
        }
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        // Made with no permission for others from the first instant; then exactly 0660.
        let oldMask = umask(0o117)
        let bound = address.bind(listener)
        umask(oldMask)
        // bind made it 0660 (0777 less the umask); nothing follows the path afterwards but the group, changed on
        // the path itself, never on a link put in its place.
        guard bound == 0, listen(listener, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            close(listener)
            pidLock.release()
            throw ControlSocketError(message: "\(path): cannot make the control socket (\(reason))")
        }
        if let group, lchown(path, uid_t.max, group) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(path)
            close(listener)
            pidLock.release()
            throw ControlSocketError(message: "\(path): cannot give the control socket to group \(group) (\(reason))")
        }
        var ends: [Int32] = [0, 0]
        _ = pipe2(&ends, O_CLOEXEC)
        stopPipe = (ends[0], ends[1])
        self.pidLock = pidLock
        self.listener = listener
    }

    /// Whether a connection to the Unix socket at `path` is accepted.
    static func answers(_ path: String) -> Bool {
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard probe >= 0 else { return false }
        defer { close(probe) }
        // A wedged listener (its backlog full) would make connect wait: 2 s, then it counts as answering (left alone).
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(probe, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let address = UnixSocketAddress(path: path) else { return false }
        let connected = address.connect(probe)
        return connected == 0 || errno == EAGAIN || errno == EINPROGRESS
    }

    /// Looks a group up by name or number.
    static func group(named name: String) -> gid_t? {
        if let number = gid_t(name) { return number }
        guard let entry = getgrnam(name) else { return nil }
        return entry.pointee.gr_gid
    }

    /// Accepts connections on a thread of its own until ``stop()``.
    func start(_ handler: any ControlHandler, log: @escaping @Sendable (String) -> Void) {
        finished.enter()
        let thread = Thread { [self] in
            defer { finished.leave() }
            while true {
                var fds = [
                    pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
                    pollfd(fd: stopPipe.read, events: Int16(POLLIN), revents: 0),
                ]
                let ready = poll(&fds, 2, -1)
                if ready < 0 && errno == EINTR { continue }
                if fds[1].revents != 0 || ready < 0 { return }
                let client = respite_accept_cloexec(listener)
                guard client >= 0 else {
                    // Out of descriptors (EMFILE, ENFILE) or memory: the connection waits in the backlog, and the
                    // loop must not spin on a listener that stays readable. Others (a peer gone already) are passing.
                    if errno != EINTR && errno != ECONNABORTED { usleep(100_000) }
                    continue
                }
                var peer = respite_peer()
                let credentials =
                    respite_peer_credentials(client, &peer) == 0
                    ? ControlPeer(pid: peer.pid, uid: peer.uid, gid: peer.gid) : ControlPeer(pid: 0, uid: 0, gid: 0)
                let admitted = lock.withLock {
                    guard connections < Self.maximumConnections, !stopped else { return false }
                    connections += 1
                    return true
                }
                guard admitted else {
                    Self.send(client, "ACK [] too many connections; close one and try again\n")
                    close(client)
                    continue
                }
                finished.enter()
                let connection = Thread { [self] in
                    serve(client, peer: credentials, handler: handler, log: log)
                    close(client)
                    lock.withLock { connections -= 1 }
                    finished.leave()
                }
                connection.name = "respite-control"
                connection.start()
            }
        }
        thread.name = "respite-control-accept"
        thread.start()
    }

    /// Stops accepting, ends every connection, waits for their threads (at most `timeout` seconds) and removes the
    /// socket file (the lock is released when the process exits).
    func stop(timeout: Double = 2) {
        let first = lock.withLock {
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        var byte: UInt8 = 1
        _ = write(stopPipe.write, &byte, 1)
        _ = finished.wait(timeout: .now() + timeout)
        unlink(path)
        close(listener)
    }

    /// One connection: greeting, then requests until it closes.
    private func serve(
        _ client: Int32, peer: ControlPeer, handler: any ControlHandler, log: @escaping @Sendable (String) -> Void
    ) {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)  // a client that stops reading cannot hold a write forever
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard Self.send(client, "OK respite \(Self.version)\n") else { return }
        var reader = LineReader(descriptor: client, stop: stopPipe.read)
        while true {
            let line: String
            switch reader.next(timeout: Self.inactivityTimeout) {
            case .line(let text): line = text
            case .tooLong:
                Self.send(client, "ACK [] the request is longer than \(ControlProtocol.maximumLineLength) bytes\n")
                return
            case .closed, .timedOut, .stopped, .woken: return
            }
            let request: (command: String, arguments: [String])
            do {
                request = try ControlProtocol.parse(line)
            } catch {
                log("control: \(peer): unreadable request: \(error)")
                guard Self.send(client, "ACK [] \(error)\n") else { return }
                continue
            }
            log(
                "control: \(peer): \(([request.command] + request.arguments).map(ControlProtocol.quote).joined(separator: " "))"
            )
            switch handler.handle(request.command, request.arguments, from: peer) {
            case .fields(let lines):
                guard Self.send(client, (lines + ["OK"]).joined(separator: "\n") + "\n") else { return }
            case .failure(let message):
                guard Self.send(client, "ACK [\(request.command)] \(message)\n") else { return }
            case .close:
                return
            case .idle:
                guard idle(client, reader: &reader, handler: handler) else { return }
            }
        }
    }

    /// Streams event lines until the client sends `noidle` (true: carry on) or goes (false).
    private func idle(_ client: Int32, reader: inout LineReader, handler: any ControlHandler) -> Bool {
        guard let outbox = Outbox() else { return false }
        let subscription = handler.subscribe { line in outbox.post(line) }
        defer {
            handler.unsubscribe(subscription)
            outbox.close()
        }
        while true {
            switch reader.next(timeout: 3600, alsoWatching: outbox.readEnd) {
            case .line(let text):
                if text.trimmingCharacters(in: .whitespaces) == "noidle" { return Self.send(client, "OK\n") }
                Self.send(client, "ACK [idle] only noidle is taken while idle\n")
                return false
            case .woken:
                let (lines, overflowed) = outbox.take()
                if !lines.isEmpty, !Self.send(client, lines.map { $0 + "\n" }.joined()) { return false }
                if overflowed { return false }
            case .timedOut: continue
            default: return false
            }
        }
    }

    /// Writes all of `text`; false when the peer is gone or stopped reading.
    @discardableResult
    static func send(_ client: Int32, _ text: String) -> Bool {
        let bytes = Array(text.utf8)
        let total = bytes.count
        var offset = 0
        while offset < total {
            let sent = bytes.withUnsafeBytes { raw in
                Glibc.send(client, raw.baseAddress.map { $0 + offset }, total - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }
}

/// Event lines waiting for an idling connection, and the pipe that wakes it; a client that falls 1000 behind is
/// dropped, never the daemon.
///
/// It owns the pipe: ``post(_:)`` writes to it only under the lock and only while open, and ``close()`` closes it
/// under the same lock, so an event broadcast as the connection ends never writes to a descriptor number that
/// another file (a history database) may have taken meanwhile.
private final class Outbox: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    private var overflowed = false
    private var open = true
    let readEnd: Int32
    private let writeEnd: Int32

    init?() {
        var ends: [Int32] = [0, 0]
        guard pipe2(&ends, O_CLOEXEC | O_NONBLOCK) == 0 else { return nil }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    func post(_ line: String) {
        lock.withLock {
            guard open else { return }
            if lines.count >= 1000 { overflowed = true } else { lines.append(line) }
            var byte: UInt8 = 1
            _ = write(writeEnd, &byte, 1)
        }
    }

    /// The lines waiting, and whether some were lost; empties the pipe.
    func take() -> ([String], Bool) {
        lock.withLock {
            var drain = [UInt8](repeating: 0, count: 256)
            while read(readEnd, &drain, drain.count) > 0 {}
            defer { lines.removeAll() }
            return (lines, overflowed)
        }
    }

    func close() {
        lock.withLock {
            guard open else { return }
            open = false
            Glibc.close(readEnd)
            Glibc.close(writeEnd)
        }
    }
}

/// Reads lines from a socket with a timeout, watching the server's stop pipe (and, while idling, an event pipe).
private struct LineReader {
    enum Result {
        case line(String)
        case tooLong, closed, timedOut, stopped, woken
    }

    let descriptor: Int32
    let stop: Int32
    private var buffer: [UInt8] = []

    init(descriptor: Int32, stop: Int32) {
        self.descriptor = descriptor
        self.stop = stop
    }

    mutating func next(timeout: Double, alsoWatching extra: Int32? = nil) -> Result {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return .line(String(decoding: line, as: UTF8.self))
            }
            if buffer.count > ControlProtocol.maximumLineLength { return .tooLong }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { return .timedOut }
            var fds = [
                pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
                pollfd(fd: stop, events: Int16(POLLIN), revents: 0),
            ]
            if let extra { fds.append(pollfd(fd: extra, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining, 1000) * 1000))
            if ready < 0 && errno == EINTR { continue }
            if ready < 0 { return .closed }
            if fds[1].revents != 0 { return .stopped }
            if fds.count == 3, fds[2].revents != 0 { return .woken }
            if fds[0].revents == 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = recv(descriptor, &chunk, chunk.count, 0)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return .closed }
            buffer += chunk[..<count]
        }
    }
}
