import Foundation

/// Which process wrote a run, precisely enough to tell, later, whether it is still running: its pid, the
/// kernel's boot id and the process's start time. A pid alone is not enough: after a reboot or a long time
/// another process has it.
///
/// A run that is still open in the history is one whose process is playing it now or has died without writing
/// its end; ``isRunning`` tells them apart, so that `respite history` or a second player never closes the run of
/// a player that is still playing.
public struct ProcessIdentity: Sendable, Equatable {
    /// The process id.
    public var pid: Int32
    /// `/proc/sys/kernel/random/boot_id`: changes at every boot.
    public var bootID: String
    /// When the process started, in clock ticks since boot (`/proc/PID/stat`, field 22).
    public var startTicks: Int64
    /// The PID namespace the pid is in (`/proc/self/ns/pid`, as `pid:[4026531836]`): a process in a container
    /// (toolbox, distrobox, flatpak, which share the home folder) has pids of its own.
    public var pidNamespace: String

    public init(pid: Int32, bootID: String, startTicks: Int64, pidNamespace: String = "") {
        self.pid = pid
        self.bootID = bootID
        self.startTicks = startTicks
        self.pidNamespace = pidNamespace
    }

    /// This process.
    public static func current() -> ProcessIdentity {
        let pid = getpid()
        return ProcessIdentity(
            pid: pid, bootID: bootID() ?? "", startTicks: startTicks(of: pid) ?? 0, pidNamespace: namespace() ?? "")
    }

    /// False only when this process is certainly not running: another boot, or, in this PID namespace, no process
    /// with its pid that started at its tick. A process in another PID namespace cannot be looked up from here,
    /// so it counts as running: its run is left open rather than closed under it.
    public var isRunning: Bool {
        guard !bootID.isEmpty, bootID == Self.bootID() else { return false }
        if pidNamespace != (Self.namespace() ?? "") { return true }
        return Self.startTicks(of: pid) == startTicks
    }

    static func namespace() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        let count = readlink("/proc/self/ns/pid", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func bootID() -> String? {
        (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Field 22 of `/proc/PID/stat`. The second field, the command's name in parentheses, may hold spaces and
    /// parentheses itself, so the fields are counted from the last `)`.
    static func startTicks(of pid: Int32) -> Int64? {
        guard pid > 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the name come field 3 (state) onwards: field 22 is the 20th.
        guard fields.count >= 20 else { return nil }
        return Int64(fields[19])
    }
}
