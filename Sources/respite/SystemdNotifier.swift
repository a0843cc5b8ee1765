import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Tells systemd how the clinic service is doing, by the `sd_notify` protocol: datagrams of `KEY=value` lines to
/// the socket named in `$NOTIFY_SOCKET` (a path, or an abstract name written with a leading `@`).
///
/// The protocol is a documented, stable interface of a few lines; speaking it directly spares the service a
/// dependency on libsystemd. Without `$NOTIFY_SOCKET` (not started by systemd) every call does nothing.
final class SystemdNotifier: @unchecked Sendable {
    private let socket: Int32
    private let address: UnixSocketAddress?
    private let lock = NSLock()
    private var lastStatus = ""
    /// How often systemd expects `WATCHDOG=1` (half its `WatchdogSec=`); nil when the watchdog is off.
    let watchdogInterval: TimeInterval?

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let usec = environment["WATCHDOG_USEC"].flatMap(UInt64.init), usec > 0,
            environment["WATCHDOG_PID"].flatMap(Int32.init).map({ $0 == getpid() }) ?? true
        {
            watchdogInterval = Double(usec) / 2_000_000
        } else {
            watchdogInterval = nil
        }
        guard let path = environment["NOTIFY_SOCKET"], !path.isEmpty,
            let address = UnixSocketAddress(path: path, abstract: true)
        else {
            socket = -1
            address = nil
            return
        }
        self.address = address
        socket = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    }

    deinit { if socket >= 0 { close(socket) } }

    /// Whether systemd is listening.
    var isActive: Bool { socket >= 0 }

    /// Sends one notification (`READY=1`, `STATUS=…`, `STOPPING=1`, `WATCHDOG=1`); a failure is ignored (systemd
    /// gone is no reason to stop a session).
    func send(_ state: String) {
        guard socket >= 0, let address else { return }
        lock.withLock { _ = address.send(Array(state.utf8), on: socket) }
    }

    /// `STATUS=` for `systemctl status`, sent only when it changed.
    func status(_ text: String) {
        let changed = lock.withLock {
            defer { lastStatus = text }
            return lastStatus != text
        }
        if changed { send("STATUS=" + text.replacingOccurrences(of: "\n", with: " ")) }
    }
}
