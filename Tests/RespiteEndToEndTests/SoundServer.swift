import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A private PulseAudio daemon with a null sink: a sound device that plays in real time on a
/// machine without a sound card. Started and stopped by the tests themselves.
final class SoundServer {
    let runtimeDirectory: String
    /// A home folder whose `.asoundrc` defines `respite_capture`: ALSA's `file` plugin writing
    /// the exact bytes to `capture`, in front of the real-time `pulse` device.
    let home: String
    let capture: String
    private var daemon: Child?

    init() throws {
        let base = NSTemporaryDirectory() + "respite-pulse-" + UUID().uuidString.prefix(8)
        runtimeDirectory = base + "/run"
        home = base + "/home"
        capture = base + "/capture.raw"
        for folder in [runtimeDirectory, home] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        chmod(runtimeDirectory, 0o700)
        try """
        pcm.respite_capture {
            type file
            slave.pcm "pulse"
            file "\(capture)"
            format "raw"
        }
        """.write(toFile: home + "/.asoundrc", atomically: true, encoding: .utf8)
        guard
            let daemon = ["/usr/bin/pulseaudio", "/bin/pulseaudio"].first(where: FileManager.default.isExecutableFile)
        else {
            throw SoundServerError(
                message: "pulseaudio is not installed; `make test` installs it (Debian package pulseaudio)")
        }
        let child = try Child(
            daemon,
            [
                "-n", "--daemonize=no", "--exit-idle-time=-1", "--log-target=stderr", "--log-level=error",
                "--realtime=yes", "--high-priority=yes",
                "--load=module-null-sink sink_name=respite_null rate=48000", "--load=module-native-protocol-unix",
            ],
            environment: environment)
        self.daemon = child
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: runtimeDirectory + "/pulse/native") {
            guard Date() < deadline, child.isRunning else {
                throw SoundServerError(message: "pulseaudio did not start")
            }
            usleep(50_000)
        }
    }

    /// The environment a client needs to reach this server (and its `.asoundrc`).
    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_RUNTIME_DIR"] = runtimeDirectory
        environment["HOME"] = home
        environment["PULSE_RUNTIME_PATH"] = runtimeDirectory + "/pulse"
        return environment
    }

    /// The environment for `respite` itself: this server, the repository's sessions, a test cache.
    var respiteEnvironment: [String: String] {
        var environment = self.environment
        environment["RESPITE_HOME"] = Respite.repository
        // Narration in espeak-ng: the neural voice has tests of its own (NeuralVoiceTests).
        environment["RESPITE_VOICE"] = "espeak"
        environment["XDG_CACHE_HOME"] = NSTemporaryDirectory() + "respite-e2e-cache"
        // Remembered choices and places, and sessions of the user's own, stay out of the tests (and the tests' out of them).
        environment["XDG_STATE_HOME"] = Respite.runFolder + "/state"
        environment["XDG_DATA_HOME"] = Respite.runFolder + "/data"
        return environment
    }

    /// The captured stream so far, as interleaved Float32 stereo.
    func captured() -> [Float] {
        guard let data = FileManager.default.contents(atPath: capture) else { return [] }
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// Ends the server at once (SIGKILL), as a speaker unplugged or a crashed sound server would: every client's
    /// stream fails.
    func pullThePlug() {
        if let daemon {
            kill(daemon.pid, SIGKILL)
            _ = daemon.wait()
        }
        daemon = nil
    }

    deinit {
        if let daemon {
            kill(daemon.pid, SIGTERM)
            _ = daemon.wait()
        }
        if ProcessInfo.processInfo.environment["RESPITE_KEEP_CAPTURE"] == nil {
            try? FileManager.default.removeItem(atPath: (runtimeDirectory as NSString).deletingLastPathComponent)
        }
    }
}

struct SoundServerError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A child process started with posix_spawn and reaped with waitpid. The end-to-end tests start
/// every child this way: Foundation's Process, mixed with other children, was seen to leave a
/// finished child unreaped and wait for it forever.
struct Child {
    let pid: pid_t
    let outputPath: String
    let errorPath: String

    /// Starts `executable` with `arguments` and `environment`, in `directory` if given. Standard
    /// output goes to one file and standard error to another (or to the same one when
    /// `separateErrors` is false).
    init(
        _ executable: String, _ arguments: [String], environment: [String: String], directory: String? = nil,
        separateErrors: Bool = false
    ) throws {
        let base = NSTemporaryDirectory() + "respite-child-" + UUID().uuidString
        outputPath = base + ".out"
        errorPath = separateErrors ? base + ".err" : outputPath
        TemporaryFiles.remove(atExit: outputPath)
        if separateErrors { TemporaryFiles.remove(atExit: errorPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if separateErrors {
            posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        // posix_spawn's chdir action is a GNU extension Swift does not see; a shell changes folder instead.
        let program = directory == nil ? executable : "/bin/sh"
        let words = directory.map { ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0, executable] } ?? [executable]
        let argv = (words + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, program, &actions, nil, argv, envp)
        guard result == 0 else { throw SoundServerError(message: "posix_spawn \(executable) failed: \(result)") }
        pid = child
    }

    var isRunning: Bool { kill(pid, 0) == 0 && waitpid(pid, nil, WNOHANG) == 0 }

    /// Waits for the child to exit; returns its exit status (or 128 + signal).
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }

    /// Waits for the child to exit without holding a thread of the test runner (which has one per core, and would
    /// otherwise stand idle for as long as a real-time play lasts): looks every 100 ms. Returns its exit status (or
    /// 128 + signal).
    func finished() async -> Int32 {
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped < 0 && errno != EINTR { return -1 }
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    var errors: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }
}
