import Foundation
import Testing

/// Runs Respite against hostile input and checks what a user would see: the exit status, a message that
/// names the place, no hang, and no file changed outside the expected output.
///
/// Each case gets a fresh folder. `setup` fills it; `arguments` may use `{dir}` for the folder's path. The
/// folder is snapshotted (names, kinds, link targets and the bytes of every regular file) before and after the
/// run; only the names in `mayChange` may differ.
struct HostileCase: Sendable, CustomTestStringConvertible {
    var name: String
    var arguments: [String]
    var status: Int32
    /// Text expected in standard error (`{dir}` stands for the case's folder).
    var messages: [String]
    var setup: @Sendable (HostileFolder) throws -> Void = { _ in }
    var environment: [String: String] = [:]
    /// Files (relative to the folder) the run may create or change.
    var mayChange: Set<String> = []
    /// Standard output must be empty (nothing shown before a refusal).
    var quietOutput = false
    /// Runs the command through a wrapper first (e.g. `prlimit`), with these words before Respite's path.
    var wrapper: [String] = []
    /// The descriptors to close in the child (to test closed standard streams).
    var closedDescriptors: [Int32] = []
    /// Where standard output goes instead of a file (e.g. /dev/full).
    var outputDevice: String?

    var testDescription: String { name }
}

/// A case's folder, with helpers to make hostile files in it.
struct HostileFolder {
    let path: String

    func file(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + name))
    }

    func bytes(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path + "/" + name))
    }

    func folder(_ name: String) throws {
        try FileManager.default.createDirectory(atPath: path + "/" + name, withIntermediateDirectories: true)
    }

    func fifo(_ name: String) { mkfifo(path + "/" + name, 0o644) }

    func link(_ name: String, to target: String) { symlink(target, path + "/" + name) }

    /// A WAV header and `frames` frames of quiet noise (16-bit), with header fields that may lie.
    func wav(
        _ name: String, rate: UInt32 = 48_000, channels: UInt16 = 1, frames: Int = 4_800, claimedBytes: UInt32? = nil,
        sparseBytes: Int? = nil
    ) throws {
        var data = [UInt8]()
        for index in 0..<(frames * Int(channels)) {
            let sample = Int16(truncatingIfNeeded: (index &* 7919) % 2000 - 1000)
            data += [UInt8(truncatingIfNeeded: sample), UInt8(truncatingIfNeeded: sample >> 8)]
        }
        let size = claimedBytes ?? UInt32(sparseBytes ?? data.count)
        var header = [UInt8]()
        func u32(_ value: UInt32) { header += withUnsafeBytes(of: value.littleEndian, Array.init) }
        func u16(_ value: UInt16) { header += withUnsafeBytes(of: value.littleEndian, Array.init) }
        header += Array("RIFF".utf8)
        u32(size &+ 36)
        header += Array("WAVEfmt ".utf8)
        u32(16)
        u16(1)
        u16(channels)
        u32(rate)
        u32(rate &* UInt32(channels) &* 2)
        u16(channels &* 2)
        u16(16)
        header += Array("data".utf8)
        u32(size)
        try bytes(name, header + data)
        if let sparseBytes {
            let descriptor = open(path + "/" + name, O_WRONLY)
            ftruncate(descriptor, off_t(44 + sparseBytes))
            close(descriptor)
        }
    }

    /// A valid session whose steps are `steps` (JSON text) and whose top level adds `extra` members.
    func session(_ name: String = "s.json", steps: String, extra: String = "", title: String = "Hostile") throws {
        try file(
            name,
            """
            {
              "format": 1, "id": "hostile", "title": \(title), "description": "A test.", "language": "en",
              "author": "t", "version": "1",
              "protocol": { "name": "n", "evidence": "not graded", "source": "s" },
              "safety": ["Stop if anything hurts."],\(extra)
              "steps": [
                \(steps)
              ]
            }
            """.replacingOccurrences(of: "\"title\": Hostile", with: "\"title\": \"Hostile\""))
    }

    /// A session whose one step is a short silence with a cue playing `sound`.
    func cueSession(_ sound: String, name: String = "s.json") throws {
        try session(name, steps: #"{ "type": "silence", "seconds": 2, "cues": [ { "at": 0, "sound": "\#(sound)" } ] }"#)
    }
}

/// What is in a folder: each entry's kind and link target, and each regular file's bytes.
func hostileSnapshot(_ folder: String) -> [String: String] {
    var entries: [String: String] = [:]
    guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return entries }
    while let name = enumerator.nextObject() as? String {
        let path = folder + "/" + name
        var status = stat()
        guard lstat(path, &status) == 0 else { continue }
        switch status.st_mode & S_IFMT {
        case S_IFLNK:
            entries[name] = "link " + ((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?")
        case S_IFREG:
            if status.st_size > 1 << 24 {
                entries[name] = "file size \(status.st_size) mtime \(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)"
            } else {
                let data = FileManager.default.contents(atPath: path) ?? Data()
                entries[name] = "file \(data.count) \(data.hashValue) \(Array(data.prefix(64)))"
            }
        case S_IFDIR: entries[name] = "folder"
        case S_IFIFO: entries[name] = "fifo"
        default: entries[name] = "other"
        }
    }
    return entries
}

/// Runs one hostile case and records every way it falls short.
func run(_ hostile: HostileCase, timeout: Double = 60) throws {
    let folder = NSTemporaryDirectory() + "respite-hostile-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try hostile.setup(HostileFolder(path: folder))
    let before = hostileSnapshot(folder)
    let arguments = hostile.arguments.map { $0.replacingOccurrences(of: "{dir}", with: folder) }
    var environment = ProcessInfo.processInfo.environment
    environment["RESPITE_HOME"] = Respite.repository
    // Narration in espeak-ng: the neural voice has tests of its own (NeuralVoiceTests).
    environment["RESPITE_VOICE"] = "espeak"
    environment["XDG_CACHE_HOME"] = NSTemporaryDirectory() + "respite-e2e-cache"
    // Outside the case's folder: espeak-ng's audio layer (pcaudio, through libpulse) creates
    // $XDG_CONFIG_HOME/pulse when it starts, even though Respite never plays through it.
    environment["XDG_CONFIG_HOME"] = NSTemporaryDirectory() + "respite-hostile-config"
    for (key, value) in hostile.environment { environment[key] = value.replacingOccurrences(of: "{dir}", with: folder) }
    let result = try HostileRun(
        hostile.wrapper + [Respite.executable] + arguments, environment: environment, directory: folder,
        closing: hostile.closedDescriptors, outputDevice: hostile.outputDevice, timeout: timeout)
    #expect(!result.timedOut, "\(hostile.name): still running after \(timeout) s (a hang)")
    #expect(result.status == hostile.status, "\(hostile.name): exit \(result.status)\nstderr: \(result.errors)")
    for message in hostile.messages {
        let expected = message.replacingOccurrences(of: "{dir}", with: folder)
        #expect(result.errors.contains(expected), "\(hostile.name): stderr lacks «\(expected)»:\n\(result.errors)")
    }
    #expect(!result.errors.contains("Fatal error"), "\(hostile.name): crashed\n\(result.errors)")
    #expect(!result.errors.unicodeScalars.contains("\u{1B}"), "\(hostile.name): an escape reached the terminal")
    if hostile.quietOutput { #expect(result.output.isEmpty, "\(hostile.name): printed «\(result.output)»") }
    var after = hostileSnapshot(folder)
    var original = before
    for name in hostile.mayChange {
        after[name] = nil
        original[name] = nil
    }
    #expect(after == original, "\(hostile.name): files changed: \(Set(after.keys).symmetricDifference(original.keys))")
}

/// A child run with a time limit, closed or redirected standard streams, in a folder.
struct HostileRun {
    var status: Int32 = -1
    var timedOut = false
    var output = ""
    var errors = ""

    init(
        _ words: [String], environment: [String: String], directory: String, closing: [Int32], outputDevice: String?,
        timeout: Double
    ) throws {
        let base = NSTemporaryDirectory() + "respite-hostile-run-" + UUID().uuidString
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(
            &actions, 1, outputDevice ?? base + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, base + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        for descriptor in closing { posix_spawn_file_actions_addclose(&actions, descriptor) }
        let shell = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory] + words
        let argv = shell.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, argv, envp)
        guard spawned == 0 else { throw CocoaError(.featureUnsupported) }
        let deadline = Date().addingTimeInterval(timeout)
        var raw: Int32 = 0
        while true {
            let done = waitpid(pid, &raw, WNOHANG)
            if done == pid { break }
            if Date() > deadline {
                timedOut = true
                kill(pid, SIGKILL)
                waitpid(pid, &raw, 0)
                break
            }
            usleep(5_000)
        }
        status = raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        output = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
        errors = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
        unlink(base + ".out")
        unlink(base + ".err")
    }
}
