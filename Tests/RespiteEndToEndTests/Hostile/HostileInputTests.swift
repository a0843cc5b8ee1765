import Foundation
import Testing

/// Hostile sessions, sound files, command lines and streams: each must end in a clear, located error with its
/// documented exit status, without a crash, a hang, or a file changed.
@Suite struct HostileInputTests {
    // MARK: The session file itself

    static let sessionFilesCases: [HostileCase] = [
        HostileCase(
            name: "a FIFO as the session file", arguments: ["validate", "{dir}/s.json"], status: 65,
            messages: ["{dir}/s.json:1:1: this is a named pipe (FIFO), not a session file"],
            setup: { $0.fifo("s.json") }),
        HostileCase(
            name: "a folder as the session file", arguments: ["validate", "{dir}/s.json"], status: 65,
            messages: ["this is a folder, not a session file"], setup: { try $0.folder("s.json") }),
        HostileCase(
            name: "a link to /dev/zero as the session file", arguments: ["validate", "{dir}/s.json"], status: 65,
            messages: ["{dir}/s.json:1:1: this is a device, not a session file"],
            setup: { $0.link("s.json", to: "/dev/zero") }),
        HostileCase(
            name: "a FIFO session given to render", arguments: ["render", "{dir}/s.json", "-o", "{dir}/out.wav"],
            status: 65, messages: ["named pipe"], setup: { $0.fifo("s.json") }),
        HostileCase(
            name: "a FIFO session given to timeline", arguments: ["timeline", "{dir}/s.json"], status: 65,
            messages: ["named pipe"], setup: { $0.fifo("s.json") }),
        HostileCase(
            name: "a FIFO session given to play", arguments: ["play", "{dir}/s.json", "--plain"], status: 65,
            messages: ["named pipe"], setup: { $0.fifo("s.json") }, quietOutput: true),
        HostileCase(
            name: "a sparse 4 GiB session file", arguments: ["validate", "{dir}/s.json"], status: 65,
            messages: ["a session file can be at most 1 MiB"],
            setup: { folder in
                let descriptor = open(folder.path + "/s.json", O_CREAT | O_WRONLY, 0o644)
                ftruncate(descriptor, 4 << 30)
                close(descriptor)
            }),
        HostileCase(
            name: "a dangling link as the session file", arguments: ["validate", "{dir}/s.json"], status: 66,
            messages: ["s.json"], setup: { $0.link("s.json", to: "nowhere.json") }),
        HostileCase(
            name: "a session file name that is not UTF-8", arguments: ["validate", "{dir}/caf\u{FFFD}.json"],
            status: 66,
            messages: ["caf"]),
    ]

    @Test(arguments: sessionFilesCases) func sessionFile(_ hostile: HostileCase) throws { try run(hostile) }

    // MARK: Text a terminal would obey

    static let terminalTextCases: [HostileCase] = {
        let controls: [(String, String)] = [
            ("an escape", "\\u001b[2J"), ("a carriage return", "\\r"), ("a backspace", "\\b"), ("a bell", "\\u0007"),
            ("a C1 control", "\\u009b"), ("a delete", "\\u007f"), ("a right-to-left override", "\\u202e"),
            ("a bidi isolate", "\\u2066"), ("a NUL", "\\u0000"), ("an OSC title", "\\u001b]0;pwned\\u0007"),
        ]
        var cases: [HostileCase] = []
        for (what, escape) in controls {
            cases.append(
                HostileCase(
                    name: "\(what) in the title", arguments: ["validate", "{dir}/s.json"], status: 65,
                    messages: ["{dir}/s.json:2:", "title:", "which a terminal would act on"],
                    setup: {
                        try $0.session(steps: #"{ "type": "silence", "seconds": 2 }"#, title: "\"Calm\(escape) now\"")
                    }))
            cases.append(
                HostileCase(
                    name: "\(what) in a safety note", arguments: ["play", "{dir}/s.json", "--plain"], status: 65,
                    messages: ["{dir}/s.json:", "safety[1]:", "which a terminal would act on"],
                    setup: { folder in
                        try folder.session(steps: #"{ "type": "silence", "seconds": 2 }"#)
                        let path = folder.path + "/s.json"
                        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(
                            of: #"["Stop if anything hurts."]"#,
                            with: #"["Stop if anything hurts.", "Hidden\#(escape) note"]"#)
                        try folder.file("s.json", text)
                    }, quietOutput: true))
            cases.append(
                HostileCase(
                    name: "\(what) in narration text", arguments: ["timeline", "{dir}/s.json"], status: 65,
                    messages: ["{dir}/s.json:", "steps[0].text:"],
                    setup: { try $0.session(steps: #"{ "type": "narration", "text": "Breathe\#(escape) in." }"#) }))
            cases.append(
                HostileCase(
                    name: "\(what) in a key", arguments: ["validate", "--quick", "{dir}/s.json"], status: 65,
                    messages: ["{dir}/s.json:", "this key contains"],
                    setup: { try $0.session(steps: #"{ "type": "silence", "seconds": 2, "x\#(escape)": 1 }"#) }))
        }
        return cases
    }()

    @Test(arguments: terminalTextCases) func textATerminalWouldObey(_ hostile: HostileCase) throws { try run(hostile) }

    // MARK: Sound references that lead somewhere else

    static let soundPlacesCases: [HostileCase] = {
        typealias Setup = @Sendable (HostileFolder) throws -> Void
        let places: [(String, String, Setup, String)] = [
            ("a FIFO", "fifo.wav", { $0.fifo("fifo.wav") }, "is not an audio file: this is a named pipe (FIFO)"),
            ("a folder", "dir.wav", { try $0.folder("dir.wav") }, "is not an audio file: this is a folder"),
            (
                "a link to a device", "zero.wav", { $0.link("zero.wav", to: "/dev/zero") },
                "leads out of the session's folder"
            ),
            (
                "a device node inside the folder", "null.wav",
                { folder in _ = mknod(folder.path + "/null.wav", S_IFCHR | 0o666, dev_t(0x103)) }, "this is a device"
            ),
            (
                "an absolute link out", "out.wav", { $0.link("out.wav", to: "/etc/passwd") },
                "leads out of the session's folder"
            ),
            (
                "a relative link out", "out.wav", { $0.link("out.wav", to: "../../../../../../../../etc/hostname") },
                "leads out of the session's folder"
            ),
            (
                "a folder link out", "d/x.wav",
                { folder in
                    try FileManager.default.createDirectory(
                        atPath: folder.path + ".outside", withIntermediateDirectories: true)
                    try HostileFolder(path: folder.path + ".outside").wav("x.wav")
                    folder.link("d", to: folder.path + ".outside")
                },
                "leads out of the session's folder"
            ),
            ("a dangling link", "gone.wav", { $0.link("gone.wav", to: "nowhere.wav") }, "was not found"),
            (
                "a link loop", "a.wav",
                { folder in
                    folder.link("a.wav", to: "b.wav")
                    folder.link("b.wav", to: "a.wav")
                }, "too many symbolic links"
            ),
            ("a NUL in the name", "a\\u0000b.wav", { try $0.wav("a") }, "which a terminal would act on"),
            ("a newline in the name", "a\\nb.wav", { _ in }, "contains a control character"),
            ("an escape in the name", "a\\u001bb.wav", { _ in }, "which a terminal would act on"),
            (
                "a bundled path that climbs out", "audio:../../etc/passwd.wav", { _ in },
                "climbs out of Respite's Audio folder"
            ),
            ("a bundled FIFO-free missing file", "audio:music/none.ogg", { _ in }, "was not found"),
            ("an absolute path", "/etc/passwd.wav", { _ in }, "is an absolute path"),
            ("a home path", "~/x.wav", { _ in }, "is an absolute path"),
            ("a climbing path", "../x.wav", { _ in }, "climbs out of the session's folder"),
        ]
        var cases: [HostileCase] = []
        for (what, reference, setup, message) in places {
            for command in [["validate", "--quick"], ["render"]] {
                let output = command == ["render"] ? ["-o", "{dir}/out.wav"] : []
                cases.append(
                    HostileCase(
                        name: "\(what) as a cue (\(command[0]))", arguments: command + ["{dir}/s.json"] + output,
                        status: 65, messages: ["{dir}/s.json:7:", "steps[0].cues[0].sound", message],
                        setup: { folder in
                            try setup(folder)
                            try folder.cueSession(reference)
                        }))
            }
        }
        return cases
    }()

    @Test(arguments: soundPlacesCases) func soundReference(_ hostile: HostileCase) throws { try run(hostile) }

    // MARK: Sound files whose contents lie

    static let soundContentsCases: [HostileCase] = {
        typealias Setup = @Sendable (HostileFolder) throws -> Void
        let files: [(String, Setup, String)] = [
            (
                "a truncated Ogg",
                { folder in
                    try folder.bytes("x.ogg", Array("OggS".utf8) + [0, 2] + [UInt8](repeating: 0, count: 30))
                }, "x.ogg"
            ),
            ("an empty file", { try $0.bytes("x.wav", []) }, "x.wav"),
            ("a WAV with no frames", { try $0.wav("x.wav", frames: 0) }, "holds no audio"),
            ("a WAV at 1 Hz", { try $0.wav("x.wav", rate: 1, frames: 100) }, "a sample rate of 1 Hz"),
            ("a WAV at 3999 Hz", { try $0.wav("x.wav", rate: 3_999, frames: 100) }, "a sample rate of 3999 Hz"),
            ("a WAV at 2^31 Hz", { try $0.wav("x.wav", rate: 2_147_483_647, frames: 100) }, "x.wav"),
            ("a WAV with 1000 channels", { try $0.wav("x.wav", channels: 1000, frames: 10) }, "x.wav"),
            (
                "a sparse 10-hour WAV",
                { try $0.wav("x.wav", rate: 8_000, frames: 0, sparseBytes: 8_000 * 2 * 36_000) },
                "a sound may last at most 6 hours"
            ),
            ("text named .mp3", { try $0.file("x.mp3", "not audio at all") }, "x.mp3"),
            (
                "garbage named .flac",
                { try $0.bytes("x.flac", (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }) },
                "x.flac"
            ),
            (
                "an MP3 header with no frames", { try $0.bytes("x.mp3", [0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 0]) },
                "x.mp3"
            ),
        ]
        var cases: [HostileCase] = []
        for (what, setup, message) in files {
            let name =
                ["x.ogg", "x.mp3", "x.flac"].first { message.contains($0) }
                ?? (what.contains(".mp3") ? "x.mp3" : "x.wav")
            let file =
                what.contains("Ogg")
                ? "x.ogg"
                : what.contains(".mp3") || what.contains("MP3")
                    ? "x.mp3"
                    : what.contains(".flac") ? "x.flac" : name
            for command in ["validate", "render", "timeline"] {
                let output = command == "render" ? ["-o", "{dir}/out.wav"] : []
                cases.append(
                    HostileCase(
                        name: "\(what) as a cue (\(command))", arguments: [command, "{dir}/s.json"] + output,
                        status: 74,
                        messages: ["{dir}/s.json:7:5: steps[0]: ", message],
                        setup: { folder in
                            try setup(folder)
                            try folder.cueSession(file)
                        }))
            }
            cases.append(
                HostileCase(
                    name: "\(what) as the music bed", arguments: ["validate", "{dir}/s.json"], status: 74,
                    messages: ["music.source", message],
                    setup: { folder in
                        try setup(folder)
                        try folder.session(
                            steps: #"{ "type": "silence", "seconds": 2 }"#,
                            extra: #" "music": { "source": "\#(file)" },"#)
                    }))
        }
        return cases
    }()

    @Test(arguments: soundContentsCases) func soundContents(_ hostile: HostileCase) throws { try run(hostile) }

    // MARK: Sessions that would last for ever or need more voices than there are

    static let limitsCases: [HostileCase] = [
        HostileCase(
            name: "two 4-hour recordings make an 8-hour session", arguments: ["validate", "{dir}/s.json"], status: 65,
            messages: ["{dir}/s.json:", "steps[1]", "a session may last at most 6 hours"],
            setup: { folder in
                try folder.wav("long.wav", rate: 8_000, frames: 0, sparseBytes: 8_000 * 2 * 4 * 3_600)
                try folder.session(
                    steps: #"{ "type": "narration", "text": "One.", "audio": "long.wav", "pause": 0 }, "#
                        + #"{ "type": "narration", "text": "Two.", "audio": "long.wav", "pause": 0 }"#)
            }),
        HostileCase(
            name: "sixty bells at once", arguments: ["validate", "{dir}/s.json"], status: 65,
            messages: ["{dir}/s.json:", "steps[0]", "sounds would play at once", "at most 48"],
            setup: { folder in
                let cues = (0..<60).map { _ in #"{ "at": 0, "sound": "builtin:bell" }"# }.joined(separator: ", ")
                try folder.session(steps: #"{ "type": "silence", "seconds": 5, "cues": [ \#(cues) ] }"#)
            }),
        HostileCase(
            name: "sixty file cues at once, in render", arguments: ["render", "{dir}/s.json", "-o", "{dir}/o.wav"],
            status: 65, messages: ["sounds would play at once"],
            setup: { folder in
                try folder.wav("c.wav")
                let cues = (0..<60).map { _ in #"{ "at": 0.5, "sound": "c.wav" }"# }.joined(separator: ", ")
                try folder.session(steps: #"{ "type": "silence", "seconds": 5, "cues": [ \#(cues) ] }"#)
            }),
    ]

    // 35 s alone for all three; a full `make test` on two busy cores once took over 120 s for the 8-hour case (it
    // reads and measures 8 hours of audio), so a hang is what passes 300 s.
    @Test(arguments: limitsCases) func limits(_ hostile: HostileCase) throws { try run(hostile, timeout: 300) }

    // MARK: The command line

    static let commandLinesCases: [HostileCase] = {
        var cases: [HostileCase] = []
        for value in [
            "nan", "NaN", "inf", "-inf", "1e400", "0x10", "-5", "1:99", "1:2:3:4", "99999999999999999999",
            "0", "1:", ":30", "1.2.3", "١٢", "9e9s", " 3", "3 ", "1:30:00:00",
        ] {
            cases.append(
                HostileCase(
                    name: "--from \(value)", arguments: ["play", "pmr-short", "--plain", "--from=\(value)"], status: 64,
                    messages: ["--from"], quietOutput: true))
        }
        cases.append(
            HostileCase(
                name: "--from past the end", arguments: ["play", "breathing-paced", "--plain", "--from", "5:59:59"],
                status: 64, messages: ["past the session's end"]))
        return cases
    }()

    @Test(arguments: commandLinesCases) func commandLine(_ hostile: HostileCase) throws { try run(hostile) }

    // MARK: Standard streams and limits

    static let streamsCases: [HostileCase] = [
        HostileCase(
            name: "stderr closed, invalid session", arguments: ["validate", "--quick", "{dir}/s.json"], status: 65,
            messages: [], setup: { try $0.file("s.json", "{") }, closedDescriptors: [2]),
        HostileCase(
            name: "stdout and stderr closed, missing session", arguments: ["validate", "nothing-here"], status: 66,
            messages: [], closedDescriptors: [1, 2]),
        HostileCase(
            name: "stdout closed, list (it writes to nowhere, like /dev/null)", arguments: ["list"], status: 0,
            messages: [], closedDescriptors: [1]),
        HostileCase(
            name: "list into a full disk", arguments: ["list"], status: 74,
            messages: ["could not write standard output: No space left on device"], outputDevice: "/dev/full"),
        HostileCase(
            name: "timeline --json into a full disk", arguments: ["timeline", "breathing-paced", "--json"], status: 74,
            messages: ["could not write standard output"], outputDevice: "/dev/full"),
        HostileCase(
            name: "validate into a full disk", arguments: ["validate", "pmr-short"], status: 74,
            messages: ["could not write standard output"], outputDevice: "/dev/full"),
        HostileCase(
            name: "stdin closed, validate", arguments: ["validate", "--quick", "pmr-short"], status: 0, messages: [],
            closedDescriptors: [0]),
        HostileCase(
            name: "a data limit too small", arguments: ["render", "pmr-short", "-o", "{dir}/o.wav"], status: 71,
            messages: ["Respite needs at least"], wrapper: ["prlimit", "--data=20000000"]),
        HostileCase(
            name: "an address-space limit too small", arguments: ["validate", "pmr-short"], status: 71,
            messages: ["address space"], wrapper: ["prlimit", "--as=300000000"]),
        HostileCase(
            name: "limits Respite fits in", arguments: ["validate", "--quick", "pmr-short"], status: 0, messages: [],
            wrapper: ["prlimit", "--as=600000000", "--data=140000000"]),
    ]

    /// Under `make sanitize` the binary reserves terabytes of address space for the sanitizer's
    /// shadow memory, so the memory-limit cases cannot run there; `make test` runs them.
    static let underSanitizer =
        ProcessInfo.processInfo.environment["ASAN_OPTIONS"] != nil
        || ProcessInfo.processInfo.environment["TSAN_OPTIONS"] != nil

    @Test(arguments: streamsCases.filter { !underSanitizer || $0.wrapper.first != "prlimit" })
    func streams(_ hostile: HostileCase) throws { try run(hostile) }

    @Test func anArgumentThatIsNotUTF8IsRefusedNotRenamed() throws {
        let folder = try Respite.temporaryFolder()
        let latin1: [UInt8] = Array((folder + "/caf").utf8) + [0xE9] + Array(".flac".utf8)
        // Spawned through the shell so the bytes reach argv as they are.
        let name = String(decoding: latin1, as: UTF8.self)
        let result = try HostileRun(
            [
                "sh", "-c", "exec \"$0\" render pmr-short -o \"$(printf '%s\\351.flac' \"$1\")\"", Respite.executable,
                folder + "/caf",
            ],
            environment: ["RESPITE_HOME": Respite.repository, "PATH": "/usr/bin:/bin"], directory: folder, closing: [],
            outputDevice: nil, timeout: 30)
        #expect(result.status == 64, "\(result.errors)")
        #expect(result.errors.contains("is not UTF-8 text"))
        #expect(result.errors.contains("caf\\xE9.flac"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty, "wrote \(name)")
    }

    @Test func aBrokenBundledSessionDoesNotHideTheOthers() throws {
        let home = try Respite.temporaryFolder()
        try FileManager.default.createDirectory(atPath: home + "/Sessions", withIntermediateDirectories: true)
        symlink(Respite.repository + "/Audio", home + "/Audio")
        try FileManager.default.copyItem(
            atPath: Respite.repository + "/Sessions/breathing-paced.json",
            toPath: home + "/Sessions/breathing-paced.json")
        try "{ \"format\": 1,".write(toFile: home + "/Sessions/broken.json", atomically: false, encoding: .utf8)
        mkfifo(home + "/Sessions/fifo.json", 0o644)
        let result = try HostileRun(
            [Respite.executable, "list"],
            environment: ["RESPITE_HOME": home, "XDG_CACHE_HOME": NSTemporaryDirectory() + "respite-e2e-cache"],
            directory: home, closing: [], outputDevice: nil, timeout: 60)
        #expect(!result.timedOut)
        #expect(result.status == 65, "\(result.errors)")
        #expect(result.output.contains("breathing-paced"))
        #expect(result.errors.contains(home + "/Sessions/broken.json:1:"))
        #expect(result.errors.contains("fifo.json:1:1: this is a named pipe (FIFO), not a session file"))
    }

    @Test(arguments: [("validate", 0), ("timeline", 0), ("render", 0)])
    func aHeaderThatOverstatesItsLengthIsReadAsTheFileIs(command: String, status: Int32) throws {
        // A WAV whose header claims 6.2 hours for 0.1 s of samples: libsndfile trusts the file's real size.
        try run(
            HostileCase(
                name: "a WAV claiming 6.2 hours (\(command))",
                arguments: [command, "{dir}/s.json"] + (command == "render" ? ["-o", "{dir}/out.wav"] : []),
                status: status, messages: [],
                setup: { folder in
                    try folder.wav("x.wav", frames: 4_800, claimedBytes: 0xFFFF_FFF0)
                    try folder.cueSession("x.wav")
                }, mayChange: ["out.wav"]))
    }
}
