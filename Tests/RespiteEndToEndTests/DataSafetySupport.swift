import Foundation
import Testing

/// Folders, sessions and snapshots for the data-safety tests: what a render may change and what it must not.
enum DataSafety {
    /// A folder with a short session whose narration and music are recorded files (no speech synthesis, so a
    /// render's bytes do not depend on espeak-ng), made with sox.
    struct Fixture {
        let folder: String
        var session: String { folder + "/session.json" }
        var voice: String { folder + "/voice.wav" }
        var music: String { folder + "/music.wav" }

        /// - Parameters:
        ///   - seconds: the silence step's length (the render's length is this plus about 4 s).
        ///   - musicSeconds: length of the music file.
        ///   - loop: whether the music loops.
        ///   - musicFormat: the music file's extension (wav or flac).
        init(seconds: Int = 20, musicSeconds: Int = 30, loop: Bool = true, musicFormat: String = "wav") throws {
            folder = try Respite.temporaryFolder()
            try DataSafety.sox([
                "-n", "-r", "22050", "-c", "1", folder + "/voice.wav", "synth", "1.5", "pinknoise", "fade", "0.1",
            ])
            try DataSafety.sox([
                "-n", "-r", "44100", "-c", "2", "-b", "16", folder + "/music." + musicFormat, "synth",
                "\(musicSeconds)",
                "pinknoise", "tremolo", "0.3", "40", "gain", "-12",
            ])
            try DataSafety.session(music: "music." + musicFormat, loop: loop, seconds: seconds)
                .write(toFile: folder + "/session.json", atomically: true, encoding: .utf8)
        }
    }

    static func session(music: String, loop: Bool, seconds: Int, narrationAudio: String = "voice.wav") -> String {
        """
        {"format": 1, "id": "safety", "title": "Safety", "description": "A recorded sentence over music.",
         "language": "en", "author": "tests", "version": "1",
         "protocol": {"name": "n", "evidence": "not graded", "source": "s"},
         "safety": ["Stop if anything hurts."],
         "music": {"source": "\(music)", "gain": 0, "loop": \(loop), "fadeIn": 1, "fadeOut": 1, "duck": 10},
         "steps": [
           {"type": "narration", "text": "Rest.", "audio": "\(narrationAudio)", "pause": 1},
           {"type": "silence", "label": "Quiet", "seconds": \(seconds)}
         ]}
        """
    }

    static func sox(_ arguments: [String]) throws {
        let child = try Child("/usr/bin/sox", arguments, environment: ProcessInfo.processInfo.environment)
        let status = child.wait()
        guard status == 0 else { throw SoundServerError(message: "sox \(arguments) failed: \(child.output)") }
    }

    /// Every entry under `folder` (recursively, links not followed): a regular file's bytes, a link's target, or
    /// the kind of anything else. Comparing two snapshots tells whether anything was created, removed or changed.
    static func snapshot(_ folder: String) -> [String: Data] {
        var result: [String: Data] = [:]
        func walk(_ relative: String) {
            let path = relative.isEmpty ? folder : folder + "/" + relative
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
            for name in names.sorted() {
                let child = relative.isEmpty ? name : relative + "/" + name
                var info = stat()
                guard lstat(folder + "/" + child, &info) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFREG: result[child] = FileManager.default.contents(atPath: folder + "/" + child) ?? Data()
                case S_IFDIR:
                    result[child] = Data("folder".utf8)
                    walk(child)
                case S_IFLNK:
                    let target =
                        (try? FileManager.default.destinationOfSymbolicLink(atPath: folder + "/" + child)) ?? ""
                    result[child] = Data(("link " + target).utf8)
                case S_IFIFO: result[child] = Data("fifo".utf8)
                default: result[child] = Data("other".utf8)
                }
            }
        }
        walk("")
        return result
    }

    /// Names that differ between two snapshots, for a readable failure.
    static func differences(_ before: [String: Data], _ after: [String: Data]) -> [String] {
        Set(before.keys).union(after.keys).sorted().filter { before[$0] != after[$0] }
    }

    /// Temporary files an interrupted write could leave in `folder`.
    static func temporaries(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".respite-tmp") }
    }

    /// Starts `respite` without waiting for it.
    static func start(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Child {
        var environment = ProcessInfo.processInfo.environment
        environment["RESPITE_HOME"] = Respite.repository
        // Narration in espeak-ng: the neural voice has tests of its own (NeuralVoiceTests).
        environment["RESPITE_VOICE"] = "espeak"
        environment["XDG_CACHE_HOME"] = NSTemporaryDirectory() + "respite-e2e-cache"
        // Remembered choices and places, and sessions of the user's own, stay out of the tests (and the tests' out of them).
        environment["XDG_STATE_HOME"] = Respite.runFolder + "/state"
        environment["XDG_DATA_HOME"] = Respite.runFolder + "/data"
        environment.merge(extra) { $1 }
        // The test runner may ignore SIGINT, SIGTERM or SIGHUP, and a child inherits that; a user's shell starts a
        // command with them at their defaults, as `env --default-signal` does here.
        return try Child(
            "/usr/bin/env", ["--default-signal=INT,TERM,HUP", Respite.executable] + arguments, environment: environment,
            separateErrors: true)
    }

    /// Runs `respite` with exactly `environment` (plus RESPITE_HOME), so a test can leave HOME or XDG_CACHE_HOME out.
    static func run(_ arguments: [String], exactEnvironment environment: [String: String]) throws -> Respite.Result {
        var environment = environment
        environment["RESPITE_HOME"] = Respite.repository
        // Narration in espeak-ng: the neural voice has tests of its own (NeuralVoiceTests).
        environment["RESPITE_VOICE"] = "espeak"
        let child = try Child(Respite.executable, arguments, environment: environment, separateErrors: true)
        let status = child.wait()
        return Respite.Result(status: status, stdout: child.output, stderr: child.errors)
    }

    /// Waits (up to `timeout` seconds) until a temporary output file appears in `folder`.
    /// With `minimumBytes`, until it holds that many bytes (the render is under way, its sources open).
    static func waitForTemporary(in folder: String, minimumBytes: Int = 0, timeout: Double = 300) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            for name in temporaries(in: folder) {
                var info = stat()
                if stat(folder + "/" + name, &info) == 0 && Int(info.st_size) >= minimumBytes { return true }
            }
            usleep(2_000)
        }
        return false
    }

    /// Mounts a tmpfs of `kilobytes` at `folder` (root only); false when mounting is not allowed here.
    static func mountTmpfs(at folder: String, kilobytes: Int, readOnly: Bool = false) -> Bool {
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        guard
            let child = try? Child(
                "/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k\(readOnly ? ",ro" : "")", "tmpfs", folder],
                environment: ProcessInfo.processInfo.environment)
        else { return false }
        return child.wait() == 0
    }

    static func unmount(_ folder: String) {
        _ = (try? Child("/bin/umount", [folder], environment: ProcessInfo.processInfo.environment))?.wait()
    }
}
