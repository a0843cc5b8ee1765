import Foundation
import GRDB
import History
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// systemd's side of `sd_notify`: a datagram socket the service is told about in `NOTIFY_SOCKET`. Each message is
/// kept with whether the control socket existed when it arrived (READY=1 must come after it is bound).
final class NotifyListener: @unchecked Sendable {
    let path: String
    private let descriptor: Int32
    private let lock = NSLock()
    private var received: [(message: String, socketExisted: Bool)] = []
    private var open = true

    init(path: String, watching socket: String) {
        self.path = path
        descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while lock.withLock({ open }) {
                let count = recv(descriptor, &buffer, buffer.count, 0)
                guard count > 0 else { continue }
                let text = String(decoding: buffer[..<count], as: UTF8.self)
                // Ready means a client can connect and be greeted at once: tried the moment READY=1 arrives.
                let existed =
                    text.contains("READY=1") ? Self.greets(socket) : FileManager.default.fileExists(atPath: socket)
                lock.withLock { received.append((text, existed)) }
            }
        }
        thread.start()
    }

    var messages: [(message: String, socketExisted: Bool)] { lock.withLock { received } }

    /// Whether the Unix socket at `path` accepts a connection and greets it as Respite's clinic does.
    static func greets(_ path: String) -> Bool {
        let descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { return false }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        return count > 0 && String(decoding: buffer[..<count], as: UTF8.self).hasPrefix("OK respite")
    }

    /// Waits until a message satisfying `match` arrives, at most `timeout` seconds.
    func wait(timeout: Double, for match: (String) -> Bool) -> (message: String, socketExisted: Bool)? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let found = messages.first(where: { match($0.message) }) { return found }
            pause(0.05)
        }
        // Once more at the deadline: a thread that woke late must not miss what came meanwhile.
        return messages.first { match($0.message) }
    }

    deinit {
        lock.withLock { open = false }
        usleep(300_000)
        close(descriptor)
    }
}

/// The clinic daemon end to end: a schedule due in a few seconds plays on a real-time capturing device, systemd is
/// told READY=1 only once the control socket exists, `respite ctl` answers, a second daemon is refused, and SIGTERM
/// fades the session out and records it.
@Suite(.serialized) struct ClinicEndToEndTests {
    /// A short session: a sentence, then `seconds` of quiet, over `music` when given (a file beside it).
    static func session(id: String, seconds: Int, music: String? = nil) -> String {
        let background = music.map {
            "\"music\": {\"source\": \"\($0)\", \"gain\": 0, \"loop\": true, \"fadeIn\": 1, \"fadeOut\": 1, \"duck\": 6},"
        }
        return """
            {"format": 1, "id": "\(id)", "title": "Rest a moment", "description": "A short rest.", "language": "en",
             "author": "tests", "version": "1", "protocol": {"name": "n", "evidence": "not graded", "source": "s"},
             "safety": ["Stop if anything hurts."], \(background ?? "")
             "steps": [ {"type": "narration", "text": "Let your shoulders rest.", "pause": 1},
                        {"type": "silence", "label": "Quiet", "seconds": \(seconds)} ]}
            """
    }

    /// A schedule with one run at `due` (UTC, to the second).
    static func schedule(session: String, due: Date) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd"
        let day = formatter.string(from: due)
        formatter.dateFormat = "HH:mm:ss"
        let time = formatter.string(from: due)
        return """
            {"timeZone": "UTC",
             "rules": [{"name": "soon", "session": "\(session)", "date": "\(day)", "at": "\(time)"},
                       {"name": "afternoon", "session": "pmr-short", "days": "weekdays", "at": "14:00",
                        "timeZone": "Europe/London"}]}
            """
    }

    static func ctl(_ socket: String, _ words: [String], environment: [String: String]) throws -> Respite.Result {
        try Respite.run(["ctl", "--socket", socket] + words, environment: environment)
    }

    @Test func aScheduledRunPlaysIsRecordedAndSigtermFadesTheNextOut() throws {
        let server = try SoundServer()
        let folder = try Respite.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let socket = folder + "/control.sock"
        let history = folder + "/history.sqlite"
        try Self.session(id: "short-rest", seconds: 3).write(
            toFile: folder + "/short.json", atomically: true, encoding: .utf8)
        // The second session has a steady tone under it, so that its fade-out can be measured.
        try DataSafety.sox([
            "-n", "-r", "48000", "-c", "2", folder + "/tone.wav", "synth", "20", "sine", "220", "vol", "0.3",
        ])
        try Self.session(id: "long-rest", seconds: 60, music: "tone.wav").write(
            toFile: folder + "/long.json", atomically: true, encoding: .utf8)
        // First a schedule with nothing due soon; once the daemon is ready, one with a run due in 8 s is loaded
        // (so a daemon slow to start on a busy machine cannot be late for it).
        try """
        {"timeZone": "UTC", "rules": [{"name": "afternoon", "session": "pmr-short", "days": "weekdays", "at": "14:00",
                                       "timeZone": "Europe/London"}]}
        """.write(toFile: folder + "/schedule.json", atomically: true, encoding: .utf8)
        let notify = NotifyListener(path: folder + "/notify.sock", watching: socket)
        var environment = server.respiteEnvironment
        environment["NOTIFY_SOCKET"] = notify.path
        let daemon = try Child(
            Respite.executable,
            [
                "clinic", "--schedule", folder + "/schedule.json", "--socket", socket, "--history", history,
                "--device", "respite_capture",
            ], environment: environment)
        defer { if daemon.isRunning { kill(daemon.pid, SIGKILL) } }

        // READY=1 arrives, and only once the socket is there; the status says what is next.
        let ready = try #require(notify.wait(timeout: 30) { $0.contains("READY=1") }, "\(daemon.output)")
        #expect(ready.socketExisted, "READY=1 came before the control socket answered")
        var status = stat()
        #expect(stat(socket, &status) == 0)
        #expect(status.st_mode & 0o777 == 0o660, "mode \(String(status.st_mode & 0o777, radix: 8))")
        #expect(notify.messages.contains { $0.message.hasPrefix("STATUS=Idle; next: ") })
        let first = try Self.ctl(socket, ["status"], environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("next_rule: afternoon"), "\(first.stdout)")
        try Self.schedule(session: folder + "/short.json", due: Date().addingTimeInterval(8)).write(
            toFile: folder + "/schedule.json", atomically: true, encoding: .utf8)
        let reload = try Self.ctl(socket, ["reload"], environment: environment)
        #expect(reload.status == 0, "\(reload.stderr)")
        let idle = try Self.ctl(socket, ["status"], environment: environment)
        #expect(idle.stdout.contains("state: idle"))
        #expect(idle.stdout.contains("next_rule: soon"), "\(idle.stdout)")
        let json = try Self.ctl(socket, ["--json", "schedule", "2"], environment: environment)
        let list = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(list?.first?["rule"] as? String == "soon")
        #expect(list?.count == 2)

        // Events as they happen, from before the run is due until it finishes.
        let watcher = try Child(
            Respite.executable, ["ctl", "--socket", socket, "idle", "--count", "40"], environment: environment)
        defer { if watcher.isRunning { kill(watcher.pid, SIGKILL) } }

        // A second daemon on the same socket refuses to start, and leaves the first one's socket alone.
        let second = try Respite.run(
            [
                "clinic", "--schedule", folder + "/schedule.json", "--socket", socket, "--history",
                folder + "/other.sqlite",
            ], environment: environment)
        #expect(second.status == 75, "\(second.stderr)")
        #expect(second.stderr.contains("already running (pid \(daemon.pid))"), "\(second.stderr)")
        #expect(FileManager.default.fileExists(atPath: socket))
        #expect(try Self.ctl(socket, ["ping"], environment: environment).status == 0)

        // The run plays at its time and is recorded as finished.
        let finished = Date().addingTimeInterval(40)
        var runs: [RunSummary] = []
        while Date() < finished {
            runs = (try? HistoryStore(path: history, readOnly: true).runs()) ?? []
            if runs.first?.ending == .finished { break }
            pause(0.25)
        }
        #expect(runs.count == 1)
        #expect(runs.first?.sessionID == "short-rest")
        #expect(runs.first?.ending == .finished, "\(daemon.output)")
        let scheduled = try HistoryStore(path: history, readOnly: true).scheduled()
        #expect(scheduled.first?.decision == .played)
        #expect(scheduled.first?.run == runs.first?.id)
        #expect(notify.messages.contains { $0.message.hasPrefix("STATUS=Playing ") })
        let heard = server.captured()
        #expect(heard.contains { abs($0) > 0.01 }, "the session was heard on the device")

        // A session asked for over the socket; SIGTERM fades it out, records it and exits 0.
        let play = try Self.ctl(socket, ["play", folder + "/long.json"], environment: environment)
        #expect(play.status == 0, "\(play.stderr)")
        let busy = try Self.ctl(socket, ["play", "pmr-short"], environment: environment)
        #expect(busy.status == 1)
        #expect(busy.stderr.contains("is playing; stop it first"), "\(busy.stderr)")
        let playing = Date().addingTimeInterval(30)
        while Date() < playing {
            if try Self.ctl(socket, ["status"], environment: environment).stdout.contains("state: playing") { break }
            pause(0.1)
        }
        pause(3)
        let nowPlaying = try Self.ctl(socket, ["status"], environment: environment)
        #expect(nowPlaying.stdout.contains("state: playing"), "\(nowPlaying.stdout)")
        #expect(nowPlaying.stdout.contains("title: Rest a moment"))
        let signalled = Date()
        kill(daemon.pid, SIGTERM)
        let exit = daemon.wait()
        #expect(exit == 0, "\(daemon.output)")
        #expect(Date().timeIntervalSince(signalled) < 5)
        #expect(notify.messages.contains { $0.message == "STOPPING=1" })
        #expect(!FileManager.default.fileExists(atPath: socket), "the socket is removed on a clean stop")
        let ended = try HistoryStore(path: history, readOnly: true).runs()
        #expect(ended.count == 2)
        #expect(ended.first?.sessionID == "long-rest")
        #expect(ended.first?.ending == .signal, "\(daemon.output)")
        #expect((ended.first?.position ?? 0) > 48_000)
        // The captured audio ends in a fade, not a cut: the last 100 ms with sound are much quieter than the 100 ms
        // half a second earlier, and no sample jumps.
        let samples = server.captured()
        let lastSound = (samples.lastIndex { $0 != 0 } ?? 0) / 2
        try #require(lastSound > 48_000)
        let left = stride(from: 0, to: lastSound * 2, by: 2).map { samples[$0] }
        let end = rms(left[(lastSound - 4_800)..<lastSound])
        let before = rms(left[(lastSound - 28_800)..<(lastSound - 24_000)])
        #expect(end < before * 0.5, "ending RMS \(end) against \(before) before: not a fade")
        let steps = zip(left.suffix(4_800).dropFirst(), left.suffix(4_800)).map { abs($0 - $1) }.max() ?? 1
        #expect(steps < 0.05)

        // What `idle` saw: the scheduled play, the run's steps and its end, then the second play's start.
        _ = watcher.wait()
        let events = watcher.output
        #expect(events.contains("event: scheduled play soon"), "\(events)")
        #expect(events.contains("event: started"), "\(events)")
        #expect(events.contains("event: step 2: Quiet"), "\(events)")
        #expect(events.contains("event: finished"), "\(events)")
        #expect(events.contains("event: state preparing"), "\(events)")
        // Every command was logged with who sent it.
        #expect(daemon.output.contains("control: uid \(getuid()) gid \(getgid()) pid "), "\(daemon.output)")
    }
}

/// The clinic daemon against what goes wrong: a wrong schedule, a reload with mistakes, runs missed while it was
/// not running, a device that will not open, a stale or foreign file where the socket goes, and hostile clients.
@Suite(.serialized) struct ClinicFaultTests {
    /// A daemon on a schedule file in `folder`, with its environment; stopped (SIGTERM) by the caller.
    static func start(_ folder: String, extra: [String] = []) throws -> (Child, [String: String]) {
        var environment = ProcessInfo.processInfo.environment
        environment["RESPITE_HOME"] = Respite.repository
        environment["RESPITE_VOICE"] = "espeak"
        environment["XDG_CACHE_HOME"] = NSTemporaryDirectory() + "respite-e2e-cache"
        environment["XDG_STATE_HOME"] = Respite.runFolder + "/state"
        environment["XDG_DATA_HOME"] = Respite.runFolder + "/data"
        environment["NOTIFY_SOCKET"] = nil
        let daemon = try Child(
            Respite.executable,
            [
                "clinic", "--schedule", folder + "/schedule.json", "--socket", folder + "/control.sock",
                "--history", folder + "/history.sqlite", "--device", "null",
            ] + extra, environment: environment)
        // Ready when it answers (a socket file alone may be a killed daemon's).
        let deadline = Date().addingTimeInterval(20)
        while daemon.isRunning, Date() < deadline, (try? ctl(folder, ["ping"]))?.status != 0 {
            pause(0.1)
        }
        return (daemon, environment)
    }

    static func ctl(_ folder: String, _ words: [String]) throws -> Respite.Result {
        try Respite.run(["ctl", "--socket", folder + "/control.sock"] + words)
    }

    @Test func aWrongScheduleIsRefusedAndAWrongReloadKeepsTheOldOne() throws {
        let folder = try Respite.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/schedule.json"
        try """
        {"timeZone": "UTC",
         "rules": [{"name": "a", "session": "pmr-shrot", "days": "mon", "at": "14:00"},
                   {"name": "b", "session": "pmr-short", "days": "tue", "at": "14:00", "set": ["pace=9"]}]}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let refused = try Respite.run(["clinic", "--schedule", path, "--socket", folder + "/control.sock"])
        #expect(refused.status == 65, "\(refused.stderr)")
        #expect(refused.stderr.contains("\(path):2:37: rules[0].session: session 'pmr-shrot' cannot be played"))
        #expect(refused.stderr.contains("Did you mean 'pmr-short'?"))
        #expect(refused.stderr.contains("\(path):3:87: rules[1].set: pmr-short does not take these choices: "))
        #expect(refused.stderr.contains("pace must be from 0.5 to 2"), "\(refused.stderr)")
        #expect(refused.stderr.contains("2 problems in \(path)."))
        #expect(!FileManager.default.fileExists(atPath: folder + "/control.sock"))

        let good = """
            {"timeZone": "UTC", "rules": [{"name": "a", "session": "pmr-short", "days": "mon", "at": "14:00"}]}
            """
        try good.write(toFile: path, atomically: true, encoding: .utf8)
        let check = try Respite.run(["clinic", "--schedule", path, "--check"])
        #expect(check.status == 0)
        #expect(check.stdout.contains("1 rule, valid."))
        #expect(check.stdout.contains("14:00 UTC  pmr-short  (a)"))
        let (daemon, _) = try Self.start(folder)
        defer {
            kill(daemon.pid, SIGTERM)
            _ = daemon.wait()
        }
        #expect(try Self.ctl(folder, ["status"]).stdout.contains("rules: 1"))
        // A mistake in the new file: SIGHUP and `reload` keep the old schedule, and say why.
        try "{\"rules\": [{\"session\": \"pmr-short\"}]}".write(toFile: path, atomically: true, encoding: .utf8)
        kill(daemon.pid, SIGHUP)
        pause(0.5)
        #expect(daemon.isRunning)
        #expect(try Self.ctl(folder, ["status"]).stdout.contains("rules: 1"))
        let reload = try Self.ctl(folder, ["reload"])
        #expect(reload.status == 1)
        #expect(reload.stderr.contains("the one before stays"), "\(reload.stderr)")
        #expect(reload.stderr.contains("rules[0]: a rule needs \"at\""), "\(reload.stderr)")
        // A good one is taken.
        try """
        {"timeZone": "UTC", "rules": [{"name": "a", "session": "pmr-short", "days": "mon", "at": "14:00"},
                                      {"name": "b", "session": "pmr-4", "days": "daily", "at": ["09:00", "10:00"]}]}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        kill(daemon.pid, SIGHUP)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, !(try Self.ctl(folder, ["status"]).stdout.contains("rules: 2")) {
            pause(0.1)
        }
        #expect(try Self.ctl(folder, ["status"]).stdout.contains("rules: 2"))
        #expect(daemon.output.contains("was not reloaded; the one before stays in use"), "\(daemon.output)")
    }

    @Test func runsMissedWhileStoppedAndADeviceThatWillNotOpenAreRecorded() throws {
        let folder = try Respite.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // The daemon last decided the schedule three minutes ago; since then one run's time passed long ago (missed:
        // not running) and one's 50 s ago, inside its one-minute grace: it plays, but its device never opens.
        let now = Date()
        let store = try HistoryStore(path: folder + "/history.sqlite")
        try store.decide([], through: now.addingTimeInterval(-180))
        func at(_ seconds: Double) -> (String, String) {
            let formatter = DateFormatter()
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.dateFormat = "yyyy-MM-dd"
            let date = now.addingTimeInterval(seconds)
            let day = formatter.string(from: date)
            formatter.dateFormat = "HH:mm:ss"
            return (day, formatter.string(from: date))
        }
        let (longAgoDay, longAgo) = at(-150)
        let (recentDay, recent) = at(-50)
        try """
        {"timeZone": "UTC", "rules": [
          {"name": "long ago", "session": "pmr-4", "date": "\(longAgoDay)", "at": "\(longAgo)", "graceMinutes": 1},
          {"name": "recent", "session": "pmr-4", "date": "\(recentDay)", "at": "\(recent)", "graceMinutes": 1,
           "device": "respite_no_such_device"}]}
        """.write(toFile: folder + "/schedule.json", atomically: true, encoding: .utf8)
        let (daemon, _) = try Self.start(folder)
        defer {
            kill(daemon.pid, SIGTERM)
            _ = daemon.wait()
        }
        var records: [ScheduledRecord] = []
        let deadline = Date().addingTimeInterval(40)
        while Date() < deadline {
            records = (try? HistoryStore(path: folder + "/history.sqlite", readOnly: true).scheduled()) ?? []
            if records.count == 2, records.allSatisfy({ $0.decision == .missed }) { break }
            pause(0.25)
        }
        let byRule = Dictionary(records.map { ($0.rule, $0) }) { first, _ in first }
        #expect(byRule["long ago"]?.decision == .missed)
        #expect(byRule["long ago"]?.reason.contains("not running") == true, "\(records)")
        #expect(byRule["recent"]?.decision == .missed, "\(records)\n\(daemon.output)")
        #expect(
            byRule["recent"]?.reason.contains("the sound device 'respite_no_such_device' could not be opened") == true,
            "\(records)")
        // It was tried again with backoff, and the daemon answers all the while.
        #expect(daemon.output.contains("trying again in 1 s"), "\(daemon.output)")
        #expect(daemon.output.contains("trying again in 2 s"), "\(daemon.output)")
        #expect(try Self.ctl(folder, ["status"]).stdout.contains("state: idle"))
        let history = try Self.ctl(folder, ["--json", "history"])
        let entries = try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]]
        #expect(entries?.contains { $0["kind"] as? String == "missed" && $0["rule"] as? String == "long ago" } == true)
        // The run it began is in the history, ended as deviceLost, and can be rated by staff afterwards.
        let runs = try HistoryStore(path: folder + "/history.sqlite", readOnly: true).runs()
        #expect(runs.first?.ending == .deviceLost)
        let run = try #require(runs.first?.id)
        #expect(try Self.ctl(folder, ["rate", "\(run)", "before", "pain=6", "anxiety=-"]).status == 0)
        let rated = try HistoryStore(path: folder + "/history.sqlite", readOnly: true).run(run)
        #expect(rated?.before.first { $0.item == "pain" }?.value == 6)
        #expect(rated?.before.first { $0.item == "anxiety" }.map { $0.value == nil } == true)
        #expect(try Self.ctl(folder, ["rate", "99999", "pain=3"]).stderr.contains("there is no run 99999"))
        #expect(try Self.ctl(folder, ["rate", "1", "pain=11"]).status == 1)
    }

    @Test func theSocketOutlivesHostileClientsAndIsNeverTakenFromAnother() throws {
        let folder = try Respite.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let socket = folder + "/control.sock"
        try """
        {"timeZone": "UTC", "rules": [{"name": "a", "session": "pmr-short", "days": "mon", "at": "14:00"}]}
        """.write(toFile: folder + "/schedule.json", atomically: true, encoding: .utf8)
        // A regular file where the socket goes is somebody's: the daemon refuses, and leaves it as it was.
        try "keep me".write(toFile: socket, atomically: true, encoding: .utf8)
        let refused = try Respite.run([
            "clinic", "--schedule", folder + "/schedule.json", "--socket", socket, "--history",
            folder + "/history.sqlite",
        ])
        #expect(refused.status == 73, "\(refused.stderr)")
        #expect(refused.stderr.contains("exists and is not a socket"))
        #expect(try String(contentsOfFile: socket, encoding: .utf8) == "keep me")
        try FileManager.default.removeItem(atPath: socket)
        // A socket left by a daemon that was killed is replaced by the next.
        let (killed, _) = try Self.start(folder)
        kill(killed.pid, SIGKILL)
        _ = killed.wait()
        #expect(FileManager.default.fileExists(atPath: socket))
        let (daemon, _) = try Self.start(folder)
        defer {
            kill(daemon.pid, SIGTERM)
            _ = daemon.wait()
        }
        #expect(try Self.ctl(folder, ["ping"]).status == 0)

        func connect() -> Int32 {
            let descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in socket.utf8.enumerated() { raw[index] = byte }
            }
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            return descriptor
        }
        func exchange(_ descriptor: Int32, _ bytes: [UInt8]) -> String {
            _ = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            var answer: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while !(answer.count > 0 && answer.last == UInt8(ascii: "\n")
                && (String(decoding: answer, as: UTF8.self).contains("OK\n")
                    || String(decoding: answer, as: UTF8.self).contains("ACK")))
            {
                let count = recv(descriptor, &chunk, chunk.count, 0)
                guard count > 0 else { break }
                answer += chunk[..<count]
            }
            return String(decoding: answer, as: UTF8.self)
        }
        // Requests no client should send: each is answered with ACK, or the connection closed.
        let one = connect()
        #expect(exchange(one, []).hasPrefix("OK respite"))
        #expect(exchange(one, Array("frobnicate\n".utf8)).contains("ACK [frobnicate] unknown command"))
        #expect(exchange(one, Array("stats\n".utf8)).contains("did you mean 'status'?"))
        #expect(exchange(one, Array("pause\n".utf8)).contains("ACK [pause] nothing is playing"))
        #expect(exchange(one, Array("volume loud\n".utf8)).contains("ACK [volume]"))
        #expect(exchange(one, Array("play no-such-session\n".utf8)).contains("ACK [play]"))
        #expect(exchange(one, [0x73, 0x00, 0x1B, 0x0A]).contains("ACK [] the request contains a control character"))
        #expect(exchange(one, Array("play \"unclosed\n".utf8)).contains("ACK [] a quoted argument is not closed"))
        #expect(exchange(one, [0xFF, 0xFE, 0x0A]).contains("ACK"))
        #expect(exchange(one, Array(repeating: UInt8(ascii: "x"), count: 10_000)).contains("longer than 4096 bytes"))
        close(one)
        // More connections than it serves at once: the extra ones are told, the daemon goes on.
        let many = (0..<40).map { _ in connect() }
        var refusedConnections = 0
        var servedConnections = 0
        for descriptor in many {
            var chunk = [UInt8](repeating: 0, count: 256)
            let count = recv(descriptor, &chunk, chunk.count, 0)
            let answer = count > 0 ? String(decoding: chunk[..<count], as: UTF8.self) : ""
            if answer.contains("too many connections") { refusedConnections += 1 }
            if answer.hasPrefix("OK respite") { servedConnections += 1 }
        }
        // At most 32 served at once (a connection just closed may still hold its place for a moment); every other
        // one is told why, none left hanging.
        #expect(servedConnections <= 32)
        #expect(servedConnections + refusedConnections == 40)
        #expect(refusedConnections >= 8)
        many.forEach { close($0) }
        pause(0.3)
        #expect(try Self.ctl(folder, ["ping"]).status == 0)
        let commands = try Self.ctl(folder, ["commands"])
        #expect(commands.stdout.contains("command: idle"))
        #expect(daemon.isRunning)
    }

    /// CPU seconds (user and system) a process has used, from /proc.
    static func cpuSeconds(_ pid: pid_t) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the name: state is field 3, utime 14 and stime 15 (1-based, as proc(5) numbers them).
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    @Test func aLostSpeakerEndsTheRunAndTheDaemonAnswersWithoutSpinning() throws {
        let server = try SoundServer()
        let folder = try Respite.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
        {"timeZone": "UTC", "rules": [{"name": "a", "session": "pmr-short", "days": "mon", "at": "14:00"}]}
        """.write(toFile: folder + "/schedule.json", atomically: true, encoding: .utf8)
        try DataSafety.sox([
            "-n", "-r", "48000", "-c", "2", folder + "/tone.wav", "synth", "20", "sine", "220", "vol", "0.3",
        ])
        try ClinicEndToEndTests.session(id: "long-rest", seconds: 60, music: "tone.wav").write(
            toFile: folder + "/long.json", atomically: true, encoding: .utf8)
        let notify = NotifyListener(path: folder + "/notify.sock", watching: folder + "/control.sock")
        var environment = server.respiteEnvironment
        environment["NOTIFY_SOCKET"] = notify.path
        environment["WATCHDOG_USEC"] = "1000000"
        let daemon = try Child(
            Respite.executable,
            [
                "clinic", "--schedule", folder + "/schedule.json", "--socket", folder + "/control.sock",
                "--history", folder + "/history.sqlite", "--device", "respite_capture", "--reconnect-timeout", "3",
            ], environment: environment)
        defer {
            kill(daemon.pid, SIGTERM)
            _ = daemon.wait()
        }
        _ = try #require(notify.wait(timeout: 30) { $0 == "READY=1" })
        #expect(try Self.ctl(folder, ["play", folder + "/long.json"]).status == 0)
        let playing = Date().addingTimeInterval(30)
        while Date() < playing, !(try Self.ctl(folder, ["status"]).stdout.contains("state: playing")) {
            pause(0.1)
        }
        pause(2)
        server.pullThePlug()
        // While the device is being tried again the daemon answers, says so, and does not spin.
        let lostAt = Self.cpuSeconds(daemon.pid)
        pause(2)
        let status = try Self.ctl(folder, ["status"])
        #expect(status.stdout.contains("device_lost: true"), "\(status.stdout)\n\(daemon.output)")
        var ended = false
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if try Self.ctl(folder, ["status"]).stdout.contains("state: idle") {
                ended = true
                break
            }
            pause(0.2)
        }
        #expect(ended, "\(daemon.output)")
        let lostCPU = Self.cpuSeconds(daemon.pid) - lostAt
        let runs = try HistoryStore(path: folder + "/history.sqlite", readOnly: true).runs()
        #expect(runs.first?.ending == .deviceLost, "\(daemon.output)")
        #expect(daemon.output.contains("was lost"), "\(daemon.output)")
        // Idle afterwards: an eighth of a core at most while the device was retried, and almost nothing idle.
        #expect(lostCPU < 0.5, "\(lostCPU) s of CPU in about 3 s of retrying")
        let idleAt = Self.cpuSeconds(daemon.pid)
        pause(3)
        let idleCPU = Self.cpuSeconds(daemon.pid) - idleAt
        #expect(idleCPU < 0.05, "\(idleCPU) s of CPU in 3 s idle")
        // The watchdog was pinged all along (every half of WatchdogSec).
        #expect(notify.messages.filter { $0.message == "WATCHDOG=1" }.count >= 5)
        #expect(daemon.isRunning)
    }

    /// The unit file as `make install` writes it passes `systemd-analyze verify`; the sysusers and tmpfiles snippets
    /// make the service's user and folders in a scratch root.
    @Test func theServiceFilesAreAcceptedBySystemd() throws {
        let folder = try Respite.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let unit = try String(contentsOfFile: Respite.repository + "/dist/respite-clinic.service", encoding: .utf8)
            .replacingOccurrences(of: "@BINDIR@", with: (Respite.executable as NSString).deletingLastPathComponent)
            .replacingOccurrences(of: "@DOCDIR@", with: Respite.repository + "/docs")
        try unit.write(toFile: folder + "/respite-clinic.service", atomically: true, encoding: .utf8)
        let verify = try Child(
            "/usr/bin/systemd-analyze", ["verify", folder + "/respite-clinic.service"],
            environment: ProcessInfo.processInfo.environment)
        #expect(verify.wait() == 0, "\(verify.output)")
        #expect(!verify.output.contains("respite-clinic.service"), "\(verify.output)")
        #expect(unit.contains("Type=notify") && unit.contains("WatchdogSec=") && unit.contains("ExecReload="))
        // A wrong ExecStart is caught by the same check (so the check above can fail).
        try unit.replacingOccurrences(of: "ExecStart=/", with: "ExecStart=/nonexistent/").write(
            toFile: folder + "/broken.service", atomically: true, encoding: .utf8)
        let broken = try Child(
            "/usr/bin/systemd-analyze", ["verify", folder + "/broken.service"],
            environment: ProcessInfo.processInfo.environment)
        #expect(broken.wait() != 0)

        let root = folder + "/root"
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        for file in ["passwd", "group", "shadow", "gshadow"] {
            _ = FileManager.default.createFile(atPath: root + "/etc/" + file, contents: Data())
        }
        let users = try Child(
            "/usr/bin/systemd-sysusers", ["--root=" + root, Respite.repository + "/dist/respite.sysusers"],
            environment: ProcessInfo.processInfo.environment)
        #expect(users.wait() == 0, "\(users.output)")
        let passwd = try String(contentsOfFile: root + "/etc/passwd", encoding: .utf8)
        #expect(passwd.contains("respite:x:") && passwd.contains(":/var/lib/respite:"), "\(passwd)")
        let groups = try String(contentsOfFile: root + "/etc/group", encoding: .utf8)
        #expect(
            groups.contains("audio:x:")
                && groups.split(separator: "\n").contains { $0.hasPrefix("audio:") && $0.hasSuffix("respite") })
        let folders = try Child(
            "/usr/bin/systemd-tmpfiles", ["--root=" + root, "--create", Respite.repository + "/dist/respite.tmpfiles"],
            environment: ProcessInfo.processInfo.environment)
        #expect(folders.wait() == 0, "\(folders.output)")
        let state = try FileManager.default.attributesOfItem(atPath: root + "/var/lib/respite")
        #expect(state[.posixPermissions] as? Int == 0o700)
    }

    /// Open descriptors of a process.
    static func openFiles(_ pid: pid_t) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    /// Play after play, the daemon keeps no file, connection or thread of a play that has ended.
    @Test func manyPlaysLeaveNothingBehind() throws {
        let folder = try Respite.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
        {"timeZone": "UTC", "rules": [{"name": "a", "session": "pmr-short", "days": "mon", "at": "14:00"}]}
        """.write(toFile: folder + "/schedule.json", atomically: true, encoding: .utf8)
        try ClinicEndToEndTests.session(id: "tiny", seconds: 1).write(
            toFile: folder + "/tiny.json", atomically: true, encoding: .utf8)
        let (daemon, _) = try Self.start(folder)
        defer {
            kill(daemon.pid, SIGTERM)
            _ = daemon.wait()
        }
        var counts: [Int] = []
        for _ in 0..<12 {
            #expect(try Self.ctl(folder, ["play", folder + "/tiny.json"]).status == 0)
            // On the null device a play ends as soon as it is rendered.
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline, !(try Self.ctl(folder, ["status"]).stdout.contains("state: idle")) {
                pause(0.05)
            }
            pause(0.2)
            counts.append(Self.openFiles(daemon.pid))
        }
        let runs = try HistoryStore(path: folder + "/history.sqlite", readOnly: true).runs()
        #expect(runs.count == 12)
        #expect(runs.allSatisfy { $0.ending == .finished })
        // The first plays open what stays open (libraries, caches, the history's pool, threads' pipes), settling by
        // about the sixth ([45, 49, 51, 51, 53, 55, 55, 55, …] on one run); after them nothing grows but by the odd
        // connection still closing. A play kept alive by its run grew it by 9 each, for good: 72 over the last
        // eight, 36 over the last four.
        #expect(counts.count == 12, "open descriptors after each play: \(counts)")
        if counts.count == 12 {
            #expect(counts[11] - counts[7] <= 3, "open descriptors after each play: \(counts)")
            #expect(counts[11] - counts[3] <= 8, "open descriptors after each play: \(counts)")
        }
    }
}

/// Waits holding the test's thread. These tests race a daemon's clock (a run due in 6 s, a status before it
/// plays): suspended in the test runner's queue behind other suites, they could wake after the moment they test.
func pause(_ seconds: Double) {
    usleep(UInt32(seconds * 1_000_000))
}
