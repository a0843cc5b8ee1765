import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A bad configuration file as the `respite` binary meets it.
struct BadConfigurationRun: CustomTestStringConvertible, Sendable {
    var name: String
    var command: String
    /// Makes `config.json` at the path given.
    var make: @Sendable (String) throws -> Void
    /// What stderr must hold after the configuration's path.
    var located: String

    var testDescription: String { "\(command): \(name)" }

    static func text(_ text: String) -> @Sendable (String) throws -> Void {
        { try text.write(toFile: $0, atomically: false, encoding: .utf8) }
    }
}

/// `respite render` and `respite play` stop with exit status 78 and the located problem when the configuration
/// cannot be used, before writing or playing anything.
@Suite(.serialized) struct HostileConfigurationEndToEndTests {
    static let misspeltLimit = "{\n  \"devices\": {\n    \"default\": { \"maxVolme\": -6 }\n  }\n}\n"

    static let runs: [BadConfigurationRun] = [
        .init(
            name: "a misspelt volume limit", command: "render", make: BadConfigurationRun.text(misspeltLimit),
            located: ":3:18: devices.default.maxVolme: unknown key 'maxVolme'; did you mean 'maxVolume'?"),
        .init(
            name: "a misspelt volume limit", command: "play", make: BadConfigurationRun.text(misspeltLimit),
            located: ":3:18: devices.default.maxVolme: unknown key 'maxVolme'; did you mean 'maxVolume'?"),
        .init(
            name: "a voice target without its minus", command: "play",
            make: BadConfigurationRun.text(#"{ "loudness": { "voice": 20 } }"#),
            located: ":1:26: loudness.voice: must be from -40 to -10 LUFS (found 20); did you mean -20?"),
        .init(
            name: "a trailing comma", command: "render", make: BadConfigurationRun.text("{\n  \"ceiling\": -1,\n}\n"),
            located: ":2:16: a comma after the last member of an object"),
        .init(
            name: "a folder", command: "render",
            make: { try FileManager.default.createDirectory(atPath: $0, withIntermediateDirectories: false) },
            located: ": this is a folder, not a file"),
        .init(
            name: "a FIFO", command: "render", make: { path in _ = mkfifo(path, 0o644) },
            located: ": this is a named pipe (FIFO), not a file"),
        .init(
            name: "a link to /dev/zero", command: "play",
            make: { try FileManager.default.createSymbolicLink(atPath: $0, withDestinationPath: "/dev/zero") },
            located: ": this is a device, not a file"),
        .init(
            name: "a file over 64 KiB", command: "render",
            make: BadConfigurationRun.text("{}" + String(repeating: "\n", count: 70_000)),
            located: ": the file is 70002 bytes; at most 65536 are accepted"),
    ]

    /// Every file under `folder` with its bytes (a folder or special file as a marker).
    static func snapshot(_ folder: String) -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder)
        while let name = enumerator?.nextObject() as? String {
            let path = folder + "/" + name
            var status = stat()
            guard lstat(path, &status) == 0 else { continue }
            if status.st_mode & S_IFMT == S_IFREG {
                files[name] = FileManager.default.contents(atPath: path).map { Array($0) } ?? []
            } else {
                files[name] = Array("mode \(status.st_mode & S_IFMT)".utf8)
            }
        }
        return files
    }

    @Test(arguments: runs)
    func stopsWithExitStatus78AndThePlace(_ run: BadConfigurationRun) throws {
        let folder = try Respite.temporaryFolder()
        let configuration = folder + "/config/respite/config.json"
        try FileManager.default.createDirectory(
            atPath: folder + "/config/respite", withIntermediateDirectories: true)
        try run.make(configuration)
        let before = Self.snapshot(folder)
        let output = folder + "/out.wav"
        let arguments =
            run.command == "render"
            ? ["render", "breathing-paced", "-o", output, "--set", "music=none"]
            : ["play", "breathing-paced", "--set", "music=none"]
        let result = try Respite.run(arguments, in: folder, environment: ["XDG_CONFIG_HOME": folder + "/config"])
        #expect(result.status == 78, "\(result.stderr)")
        #expect(result.stderr.contains(configuration + run.located), "\(result.stderr)")
        #expect(result.stderr.contains("or move it away to use the defaults."))
        #expect(Self.snapshot(folder) == before, "nothing is written when the configuration is refused")
    }

    /// Builds the child's environment from scratch, so that HOME can be truly unset.
    static func runWithout(_ removed: [String], _ arguments: [String], extra: [String: String], in folder: String)
        throws -> Respite.Result
    {
        var environment = ProcessInfo.processInfo.environment
        for name in removed { environment[name] = nil }
        environment["RESPITE_HOME"] = Respite.repository
        // Narration in espeak-ng: the neural voice has tests of its own (NeuralVoiceTests).
        environment["RESPITE_VOICE"] = "espeak"
        environment["XDG_CACHE_HOME"] = NSTemporaryDirectory() + "respite-e2e-cache"
        environment.merge(extra) { $1 }
        let child = try Child(
            Respite.executable, arguments, environment: environment, directory: folder, separateErrors: true)
        let status = child.wait()
        return Respite.Result(status: status, stdout: child.output, stderr: child.errors)
    }

    @Test func withoutHOMEOrXDGConfigHomeRespiteStillRenders() throws {
        // The configuration then comes from the account's home folder in the password database.
        let folder = try Respite.temporaryFolder()
        let result = try Self.runWithout(
            ["HOME", "XDG_CONFIG_HOME"],
            ["render", "breathing-paced", "-o", folder + "/out.wav", "--set", "music=none"],
            extra: [:], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: folder + "/out.wav"))
    }

    @Test func aRelativeXDGConfigHomeIsIgnored() throws {
        // The XDG Base Directory specification makes a relative path invalid: the bad file it leads to is not read,
        // and the configuration comes from $HOME/.config instead (here a valid one).
        let folder = try Respite.temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder + "/relative/respite", withIntermediateDirectories: true)
        try Self.misspeltLimit.write(
            toFile: folder + "/relative/respite/config.json", atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(
            atPath: folder + "/home/.config/respite", withIntermediateDirectories: true)
        try #"{ "ceiling": -20 }"#.write(
            toFile: folder + "/home/.config/respite/config.json", atomically: false, encoding: .utf8)
        let result = try Self.runWithout(
            [], ["render", "breathing-paced", "-o", folder + "/out.wav", "--set", "music=none"],
            extra: ["XDG_CONFIG_HOME": "relative", "HOME": folder + "/home"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        // The home folder's configuration was read: its ceiling of -20 dBTP holds every sample at 0.1 of full
        // scale or under, give or take the 24-bit rounding (the default ceiling of -1 dBTP lets peaks near 0.9).
        let samples = try #require(FileManager.default.contents(atPath: folder + "/out.wav"))
        var peak: Int32 = 0
        samples.withUnsafeBytes { raw in
            var offset = 44
            while offset + 3 <= raw.count {
                let value =
                    Int32(raw[offset]) | Int32(raw[offset + 1]) << 8 | Int32(Int8(bitPattern: raw[offset + 2])) << 16
                peak = max(peak, abs(value))
                offset += 3
            }
        }
        let fullScale: Double = 8_388_608
        #expect(Double(peak) / fullScale <= 0.1 + 2 / fullScale, "peak \(Double(peak) / fullScale)")
        #expect(Double(peak) / fullScale > 0.01, "the session is not silent")
    }
}
