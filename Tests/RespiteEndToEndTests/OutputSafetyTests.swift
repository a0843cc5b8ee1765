import Foundation
import Testing

/// `respite render -o` never loses data: an output it will not write is refused before anything is written, a
/// session's own inputs are never written over, and an earlier file survives signals, a full disk and a
/// concurrent render.
@Suite(.serialized) struct OutputSafetyTests {
    /// Ways to name an output that is not a regular file Respite may replace.
    enum BadOutput: String, CaseIterable, CustomStringConvertible {
        case folder, dotFolder, fifo, devNull, devZero, danglingLink, linkToFolder, missingFolder, emptyName
        var description: String { rawValue }

        /// Makes the thing in `folder`; returns the path to pass to -o and a word the message must contain.
        func make(in folder: String) throws -> (path: String, says: String) {
            switch self {
            case .folder:
                try FileManager.default.createDirectory(atPath: folder + "/out.wav", withIntermediateDirectories: true)
                return (folder + "/out.wav", "folder")
            case .dotFolder: return (folder + "/.", "folder")
            case .fifo:
                #expect(mkfifo(folder + "/out.wav", 0o644) == 0)
                return (folder + "/out.wav", "FIFO")
            case .devNull: return ("/dev/null", "device")
            case .devZero: return ("/dev/zero", "device")
            case .danglingLink:
                try FileManager.default.createSymbolicLink(
                    atPath: folder + "/out.wav", withDestinationPath: folder + "/nowhere.wav")
                return (folder + "/out.wav", "symbolic link")
            case .linkToFolder:
                try FileManager.default.createDirectory(atPath: folder + "/real", withIntermediateDirectories: true)
                try FileManager.default.createSymbolicLink(
                    atPath: folder + "/out.wav", withDestinationPath: folder + "/real")
                return (folder + "/out.wav", "folder")
            case .missingFolder: return (folder + "/no-such-folder/out.wav", "no-such-folder")
            case .emptyName: return ("", "empty")
            }
        }
    }

    @Test(arguments: BadOutput.allCases)
    func anOutputThatIsNotAFileIsRefusedBeforeAnythingIsWritten(_ bad: BadOutput) throws {
        let fixture = try DataSafety.Fixture()
        let (path, says) = try bad.make(in: fixture.folder)
        let before = DataSafety.snapshot(fixture.folder)
        let result = try Respite.run(["render", fixture.session, "-o", path])
        #expect(result.status == 73, "\(result.stderr)")
        #expect(result.stderr.contains("'\(path)'"), "the message names the file: \(result.stderr)")
        #expect(result.stderr.contains(says), "\(result.stderr)")
        #expect(DataSafety.differences(before, DataSafety.snapshot(fixture.folder)).isEmpty)
        #expect(result.stdout.isEmpty)
    }

    /// Ways to name one of the session's own inputs as the output.
    enum InputAsOutput: String, CaseIterable, CustomStringConvertible {
        case recording, recordingRelative, recordingDotted, recordingSymlink, recordingHardLink, music,
            musicSymlinkedFolder
        case sessionFile, bundledAudio
        var description: String { rawValue }
    }

    @Test(arguments: InputAsOutput.allCases)
    func aSessionsOwnInputIsNeverWrittenOver(_ input: InputAsOutput) throws {
        let fixture = try DataSafety.Fixture()
        var arguments = ["render", fixture.session, "-o"]
        var directory: String?
        var environment: [String: String] = [:]
        var protected = fixture.voice
        var watched = fixture.folder
        switch input {
        case .recording: arguments.append(fixture.voice)
        case .recordingRelative:
            directory = fixture.folder
            arguments = ["render", "session.json", "-o", "voice.wav"]
        case .recordingDotted:
            arguments.append(fixture.folder + "/./sub/../voice.wav")
            try FileManager.default.createDirectory(atPath: fixture.folder + "/sub", withIntermediateDirectories: true)
        case .recordingSymlink:
            try FileManager.default.createSymbolicLink(
                atPath: fixture.folder + "/alias.wav", withDestinationPath: "voice.wav")
            arguments.append(fixture.folder + "/alias.wav")
        case .recordingHardLink:
            #expect(link(fixture.voice, fixture.folder + "/twin.wav") == 0)
            arguments.append(fixture.folder + "/twin.wav")
        case .music:
            protected = fixture.music
            arguments.append(fixture.music)
        case .musicSymlinkedFolder:
            protected = fixture.music
            try FileManager.default.createSymbolicLink(
                atPath: fixture.folder + "/same", withDestinationPath: fixture.folder)
            arguments.append(fixture.folder + "/same/music.wav")
        case .sessionFile:
            // A session file may have any name; one called .wav is a valid output name.
            try FileManager.default.moveItem(atPath: fixture.session, toPath: fixture.folder + "/session.wav")
            protected = fixture.folder + "/session.wav"
            arguments = ["render", protected, "-o", protected]
        case .bundledAudio:
            // A copy of the bundled Sessions/ and Audio/, so a failure cannot damage the repository's own.
            let home = fixture.folder + "/home"
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Respite.repository + "/Audio", toPath: home + "/Audio")
            try FileManager.default.copyItem(atPath: Respite.repository + "/Sessions", toPath: home + "/Sessions")
            try DataSafety.session(music: "audio:music/tide-pad.ogg", loop: true, seconds: 5)
                .write(toFile: fixture.session, atomically: true, encoding: .utf8)
            environment["RESPITE_HOME"] = home
            // Narration in espeak-ng: the neural voice has tests of its own (NeuralVoiceTests).
            environment["RESPITE_VOICE"] = "espeak"
            protected = home + "/Audio/music/tide-pad.ogg"
            arguments.append(protected)
            watched = fixture.folder
        }
        let before = DataSafety.snapshot(watched)
        let original = FileManager.default.contents(atPath: protected)
        let result = try Respite.run(arguments, in: directory, environment: environment)
        #expect(result.status == 73, "\(result.stderr)")
        #expect(result.stderr.contains("'\(arguments[3])'"), "names the output: \(result.stderr)")
        #expect(result.stderr.contains("this session reads"), "\(result.stderr)")
        #expect(FileManager.default.contents(atPath: protected) == original)
        #expect(DataSafety.differences(before, DataSafety.snapshot(watched)).isEmpty)
    }

    /// A render stopped by a signal leaves the earlier file as it was, or no file when there was none, and no
    /// temporary file.
    @Test(arguments: [
        (SIGTERM, true), (SIGTERM, false), (SIGINT, true), (SIGINT, false), (SIGHUP, true), (SIGHUP, false),
    ])
    func aSignalMidRenderKeepsTheEarlierFile(_ signal: Int32, _ earlierExists: Bool) throws {
        let fixture = try DataSafety.Fixture(seconds: 400)
        let output = fixture.folder + "/out.flac"
        if earlierExists { try Data("an earlier render".utf8).write(to: URL(fileURLWithPath: output)) }
        let before = DataSafety.snapshot(fixture.folder)
        let child = try DataSafety.start(["render", fixture.session, "-o", output])
        #expect(DataSafety.waitForTemporary(in: fixture.folder), "the render started writing")
        usleep(200_000)
        #expect(child.isRunning, "the render is still running when the signal comes")
        kill(child.pid, signal)
        let status = child.wait()
        #expect(status == 128 + signal, "\(child.errors)")
        #expect(DataSafety.temporaries(in: fixture.folder).isEmpty)
        #expect(DataSafety.differences(before, DataSafety.snapshot(fixture.folder)).isEmpty)
    }

    /// SIGKILL cannot be caught: the earlier file is still whole, and the next render clears the leftover.
    @Test func sigkillKeepsTheEarlierFileAndTheNextRenderClearsTheLeftover() throws {
        let fixture = try DataSafety.Fixture(seconds: 400)
        let output = fixture.folder + "/out.wav"
        try Data("an earlier render".utf8).write(to: URL(fileURLWithPath: output))
        let child = try DataSafety.start(["render", fixture.session, "-o", output])
        #expect(DataSafety.waitForTemporary(in: fixture.folder))
        usleep(200_000)
        kill(child.pid, SIGKILL)
        #expect(child.wait() == 128 + SIGKILL)
        #expect(FileManager.default.contents(atPath: output) == Data("an earlier render".utf8))
        #expect(DataSafety.temporaries(in: fixture.folder).count == 1)
        try DataSafety.session(music: "music.wav", loop: true, seconds: 2)
            .write(toFile: fixture.session, atomically: true, encoding: .utf8)
        let again = try Respite.run(["render", fixture.session, "-o", output])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(DataSafety.temporaries(in: fixture.folder).isEmpty, "the dead process's temporary file is removed")
    }

    /// Renders to one name at once: each exits 0 and the file is exactly one of them. (Not Ogg: each Ogg stream
    /// has a random serial number, so no two renders are equal byte for byte.)
    @Test(arguments: [("wav", 2), ("wav", 3), ("flac", 2), ("flac", 3)])
    func concurrentRendersLeaveExactlyOneWholeFile(_ format: String, _ count: Int) throws {
        let fixture = try DataSafety.Fixture(seconds: 30)
        // Different settings give different bytes, so the winner can be told apart.
        let gains = (0..<count).map { "musicGain=\(-30 + 4 * $0)" }
        var references: [Data] = []
        for (index, gain) in gains.enumerated() {
            let path = fixture.folder + "/reference-\(index).\(format)"
            let result = try Respite.run(["render", fixture.session, "-o", path, "--set", gain])
            #expect(result.status == 0, "\(result.stderr)")
            references.append(FileManager.default.contents(atPath: path) ?? Data())
        }
        #expect(Set(references).count == count, "the settings give different files")
        let output = fixture.folder + "/out.\(format)"
        let children = try gains.map { try DataSafety.start(["render", fixture.session, "-o", output, "--set", $0]) }
        for child in children {
            #expect(child.wait() == 0, "\(child.errors)")
            #expect(child.output.contains("wrote \(output)"))
        }
        let result = FileManager.default.contents(atPath: output)
        #expect(result != nil && references.contains(result!), "the file is byte for byte one of the renders")
        #expect(DataSafety.temporaries(in: fixture.folder).isEmpty)
    }

    /// A disk that fills during the render: exit 73 naming the file and the reason; the earlier file stays.
    @Test(arguments: [("wav", true), ("wav", false), ("flac", true), ("flac", false), ("ogg", true), ("ogg", false)])
    func aFullDiskKeepsTheEarlierFile(_ format: String, _ earlierExists: Bool) throws {
        let fixture = try DataSafety.Fixture(seconds: 120)
        let disk = fixture.folder + "/disk"
        guard DataSafety.mountTmpfs(at: disk, kilobytes: 512) else {
            print("skipped: cannot mount a tmpfs here (needs root and mount permission)")
            return
        }
        defer { DataSafety.unmount(disk) }
        let output = disk + "/out.\(format)"
        if earlierExists { try Data(repeating: 7, count: 100_000).write(to: URL(fileURLWithPath: output)) }
        let before = DataSafety.snapshot(disk)
        let result = try Respite.run(["render", fixture.session, "-o", output])
        #expect(result.status == 73, "\(result.stderr)")
        #expect(result.stderr.contains("'\(output)'"), "\(result.stderr)")
        #expect(
            result.stderr.contains("No space left on device") || result.stderr.contains("space"), "\(result.stderr)")
        #expect(DataSafety.differences(before, DataSafety.snapshot(disk)).isEmpty)
        #expect(DataSafety.temporaries(in: disk).isEmpty)
    }

    /// Replacing a file keeps its permissions and breaks a hard link rather than writing through it.
    @Test func replacingKeepsPermissionsAndBreaksHardLinks() throws {
        let fixture = try DataSafety.Fixture(seconds: 2)
        let output = fixture.folder + "/out.wav"
        try Data("earlier".utf8).write(to: URL(fileURLWithPath: output))
        chmod(output, 0o600)
        #expect(link(output, fixture.folder + "/kept.wav") == 0)
        let result = try Respite.run(["render", fixture.session, "-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        var info = stat()
        #expect(stat(output, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(FileManager.default.contents(atPath: fixture.folder + "/kept.wav") == Data("earlier".utf8))
        #expect((FileManager.default.contents(atPath: output)?.count ?? 0) > 1_000)
    }

    /// A symbolic link to a file is followed: the file it points to is replaced, the link stays.
    @Test func aLinkToAFileIsFollowed() throws {
        let fixture = try DataSafety.Fixture(seconds: 2)
        let real = fixture.folder + "/real.wav"
        try Data("earlier".utf8).write(to: URL(fileURLWithPath: real))
        try FileManager.default.createSymbolicLink(atPath: fixture.folder + "/out.wav", withDestinationPath: "real.wav")
        let result = try Respite.run(["render", fixture.session, "-o", fixture.folder + "/out.wav"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: fixture.folder + "/out.wav") == "real.wav")
        #expect((FileManager.default.contents(atPath: real)?.count ?? 0) > 1_000)
    }
}
