import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Runs `respite play` in a pseudo-terminal, as a patient at a terminal would, presses keys and
/// reads the screen.
final class PseudoTerminalSession: @unchecked Sendable {
    let pid: pid_t
    /// The terminal's side of the pseudo-terminal (its settings are the program's: `tcgetattr` reads them here).
    let master: Int32
    private var screen = ""
    private var received: [UInt8] = []
    private var resizes: [ScreenModel.Resize] = []
    private let lock = NSLock()
    private var reader: Thread?

    init(_ arguments: [String], environment: [String: String], columns: Int = 100, rows: Int = 30) throws {
        var master: Int32 = 0
        var slave: Int32 = 0
        var size = winsize(ws_row: UInt16(rows), ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
        initialSize = (columns, rows)
        guard openpty(&master, &slave, nil, nil, &size) == 0 else { throw SoundServerError(message: "openpty failed") }
        self.master = master
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor: Int32 in [0, 1, 2] { posix_spawn_file_actions_adddup2(&actions, slave, descriptor) }
        posix_spawn_file_actions_addclose(&actions, master)
        var environment = environment
        environment["TERM"] = "xterm-256color"
        let argv = ([Respite.executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, Respite.executable, &actions, nil, argv, envp)
        close(slave)
        guard result == 0 else { throw SoundServerError(message: "posix_spawn failed: \(result)") }
        pid = child
        let descriptor = master
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4_096)
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count <= 0 { break }
                lock.lock()
                screen += String(decoding: buffer[..<count], as: UTF8.self)
                received += buffer[..<count]
                lock.unlock()
            }
        }
        reader = thread
        thread.start()
    }

    /// Everything the program has written so far.
    var output: String {
        lock.lock()
        defer { lock.unlock() }
        return screen
    }

    /// The size the terminal started with: columns, rows.
    let initialSize: (Int, Int)

    /// Every byte the program has written so far, and where the terminal was resized in them.
    var bytes: (bytes: [UInt8], resizes: [ScreenModel.Resize]) {
        lock.lock()
        defer { lock.unlock() }
        return (received, resizes)
    }

    /// What a terminal that re-flows its lines shows after the first `count` bytes (all when nil).
    func screenModel(upTo count: Int? = nil) -> ScreenModel {
        let (bytes, resizes) = self.bytes
        var model = ScreenModel(columns: initialSize.0, rows: initialSize.1)
        model.feed(Array(bytes.prefix(count ?? bytes.count)), resizes: resizes)
        return model
    }

    /// Resizes the terminal, as a window being dragged does: the new size, then SIGWINCH to the program.
    func resize(columns: Int, rows: Int) {
        var size = winsize(ws_row: UInt16(rows), ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
        lock.lock()
        resizes.append(ScreenModel.Resize(offset: received.count, columns: columns, rows: rows))
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
        lock.unlock()
        // Not the terminal's own foreground process group: the program has no controlling terminal here.
        kill(pid, SIGWINCH)
    }

    func press(_ key: String) {
        _ = key.utf8CString.withUnsafeBufferPointer { write(master, $0.baseAddress, key.utf8.count) }
    }

    /// Waits until the output after `offset` characters contains `text`.
    @discardableResult
    func waitFor(_ text: String, after offset: Int = 0, seconds: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if output.dropFirst(offset).contains(text) { return true }
            usleep(20_000)
        }
        return false
    }

    /// The step number shown last ("Step N of").
    var lastStep: Int? {
        guard let range = output.range(of: "Step ", options: .backwards) else { return nil }
        return Int(output[range.upperBound...].prefix { $0.isNumber })
    }

    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    deinit { close(master) }
}

@Suite(.serialized) struct TerminalPlayerTests {
    @Test func pauseResumeSkipAndQuitFromTheKeyboard() throws {
        let server = try SoundServer()
        let environment = server.respiteEnvironment
        let session = try PseudoTerminalSession(
            ["play", "breathing-paced", "--device", "respite_capture", "--from", "1:05", "--yes"],
            environment: environment)
        #expect(session.waitFor("Before you begin"))
        // Preparing may measure the session's loudness first (a debug build, a cold cache): minutes.
        #expect(session.waitFor("space pause", seconds: 180), "the panel appears: \(session.output.suffix(400))")
        #expect(session.waitFor("breathe in"), "a breathing indicator during a breathing step")
        // Wait until two seconds of sound have reached the device (a new sound server starts
        // slowly; the fade check below needs 1.4 s before the pause).
        func seconds() -> Double {
            Double((try? FileManager.default.attributesOfItem(atPath: server.capture)[.size] as? Int) ?? 0) / 384_000
        }
        let deadline = Date().addingTimeInterval(15)
        while seconds() < 2 && Date() < deadline { usleep(50_000) }
        var mark = session.output.count
        session.press(" ")
        #expect(session.waitFor("PAUSED", after: mark, seconds: 3), "pause shows on screen")
        sleep(2)
        mark = session.output.count
        session.press(" ")
        // Resumed: the panel is redrawn without PAUSED.
        #expect(session.waitFor("space pause", after: mark + 10, seconds: 3))
        usleep(500_000)
        let lastPanel = session.output.components(separatedBy: "Slow breathing").last ?? ""
        #expect(!lastPanel.contains("PAUSED"))

        let before = session.lastStep ?? 0
        mark = session.output.count
        session.press("n")
        #expect(session.waitFor("Step \(before + 1) of", after: mark, seconds: 3), "n skips to the next step")
        sleep(1)
        session.press("q")
        let status = session.wait()
        #expect(status == 0)
        #expect(session.waitFor("Stopped at", seconds: 2))
        #expect(session.output.hasSuffix("\u{1B}[?25h") || session.output.contains("\u{1B}[?25h"), "cursor shown again")

        // What was heard: a pause is a stretch of silence, entered and left without a step.
        let samples = server.captured()
        let left = stride(from: 0, to: samples.count, by: 2).map { samples[$0] }
        var longestSilence = 0
        var run = 0
        var silenceEnd = 0
        for (index, value) in left.enumerated() {
            run = value == 0 ? run + 1 : 0
            if run > longestSilence {
                longestSilence = run
                silenceEnd = index
            }
        }
        #expect(longestSilence > 48_000, "a pause of about 2 s leaves over a second of silence")
        // Faded, not cut: the 20 ms next to the silence are far quieter than the loudest 20 ms
        // of the second just outside the 0.4 s fade. The fade leaves its first 20 ms at most
        // 5 % of full level, so only content 20 dB louder at the edge than anywhere in the next
        // second could fail this; a cut is as loud at the edge as the sound it cuts into.
        let start = silenceEnd - longestSilence + 1
        let fade = 19_200
        let body = 48_000
        func loudestWindow(_ range: Range<Int>) -> Float {
            stride(from: range.lowerBound, to: range.upperBound - 960, by: 480)
                .map { rms(left[$0..<($0 + 960)]) }.max() ?? 0
        }
        if start > fade + body && silenceEnd + fade + body < left.count {
            let beforeEdge = rms(left[(start - 960)..<start])
            let beforeBody = loudestWindow((start - fade - body)..<(start - fade))
            let afterEdge = rms(left[(silenceEnd + 1)..<(silenceEnd + 961)])
            let afterBody = loudestWindow((silenceEnd + fade)..<(silenceEnd + fade + body))
            #expect(beforeEdge < beforeBody * 0.3, "pause fades out: \(beforeEdge) vs \(beforeBody)")
            #expect(afterEdge < afterBody * 0.3, "resume fades in: \(afterEdge) vs \(afterBody)")
        } else {
            Issue.record("the pause is too near the edge of the capture to measure")
        }
    }
}
