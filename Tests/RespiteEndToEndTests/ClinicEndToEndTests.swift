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
                let existed = FileManager.default.fileExists(atPath: socket)
                lock.withLock { received.append((text, existed)) }
            }
        }
        thread.start()
    }

    var messages: [(message: String, socketExisted: Bool)] { lock.withLock { received } }

    /// Waits until a message satisfying `match` arrives, at most `timeout` seconds.
    func wait(timeout: Double, for match: (String) -> Bool) -> (message: String, socketExisted: Bool)? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let found = messages.first(where: { match($0.message) }) { return found }
            usleep(50_000)
        }
        return nil
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
        // Due 6 s after the daemon starts: long enough for it to be ready, short enough for a test.
        try Self.schedule(session: folder + "/short.json", due: Date().addingTimeInterval(6)).write(
            toFile: folder + "/schedule.json", atomically: true, encoding: .utf8)
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
        #expect(ready.socketExisted, "READY=1 came before the control socket existed")
        var status = stat()
        #expect(stat(socket, &status) == 0)
        #expect(status.st_mode & 0o777 == 0o660, "mode \(String(status.st_mode & 0o777, radix: 8))")
        #expect(notify.messages.contains { $0.message.hasPrefix("STATUS=Idle; next: ") })
        let idle = try Self.ctl(socket, ["status"], environment: environment)
        #expect(idle.status == 0, "\(idle.stderr)")
        #expect(idle.stdout.contains("state: idle"))
        #expect(idle.stdout.contains("next_rule: soon"))
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
            usleep(250_000)
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
            usleep(100_000)
        }
        sleep(3)
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
        #expect((ended.first?.position ?? 0) > 48_000 * 3)
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
