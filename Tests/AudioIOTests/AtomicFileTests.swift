import Foundation
import Testing

@testable import AudioIO

@Suite struct AtomicFileTests {
    func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    func names(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    enum Refused: String, CaseIterable, CustomStringConvertible {
        case empty, nul, folder, fifo, devNull, danglingLink
        var description: String { rawValue }
    }

    @Test(arguments: Refused.allCases)
    func refusesWhatIsNotARegularFile(_ refused: Refused) throws {
        let directory = try TemporaryDirectory()
        let path: String
        let kind: OutputFileError.Kind
        switch refused {
        case .empty: (path, kind) = ("", .invalidPath)
        case .nul: (path, kind) = (directory.file("a\0b.wav"), .invalidPath)
        case .folder: (path, kind) = (directory.path, .notRegularFile)
        case .fifo:
            #expect(mkfifo(directory.file("pipe.wav"), 0o644) == 0)
            (path, kind) = (directory.file("pipe.wav"), .notRegularFile)
        case .devNull: (path, kind) = ("/dev/null", .notRegularFile)
        case .danglingLink:
            try FileManager.default.createSymbolicLink(
                atPath: directory.file("link.wav"), withDestinationPath: "gone.wav")
            (path, kind) = (directory.file("link.wav"), .notRegularFile)
        }
        let before = names(directory.path)
        let error = #expect(throws: OutputFileError.self) { _ = try AtomicFile(replacing: path) }
        #expect(error?.kind == kind)
        #expect(names(directory.path) == before, "nothing was created")
    }

    @Test func commitReplacesWholeAndKeepsPermissions() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("out.bin")
        try Data("earlier".utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
        let file = try AtomicFile(replacing: path)
        try file.write(Array("new content".utf8))
        #expect(contents(path) == Data("earlier".utf8), "the earlier file stays until the commit")
        try file.commit()
        #expect(contents(path) == Data("new content".utf8))
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(names(directory.path) == ["out.bin"], "no temporary file is left")
    }

    @Test func aNewFileHasMode644LessTheUmask() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("new.bin")
        let file = try AtomicFile(replacing: path)
        try file.write([1, 2, 3])
        try file.commit()
        let mask = umask(0o022)
        umask(mask)
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o644 & ~mask)
    }

    @Test(arguments: [true, false])
    func discardingOrDroppingKeepsTheEarlierFile(_ explicitly: Bool) throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("out.bin")
        try Data("earlier".utf8).write(to: URL(fileURLWithPath: path))
        do {
            let file = try AtomicFile(replacing: path)
            try file.write(Array("half of a new".utf8))
            if explicitly { file.discard() }
        }
        #expect(contents(path) == Data("earlier".utf8))
        #expect(names(directory.path) == ["out.bin"])
    }

    @Test func withoutReplacingTakesTheFirstFreeName() throws {
        let directory = try TemporaryDirectory()
        try Data("one".utf8).write(to: URL(fileURLWithPath: directory.file("s.flac")))
        try Data("two".utf8).write(to: URL(fileURLWithPath: directory.file("s-2.flac")))
        let file = try AtomicFile(replacing: directory.file("s.flac"))
        try file.write(Array("three".utf8))
        let names = [directory.file("s.flac"), directory.file("s-2.flac"), directory.file("s-3.flac")]
        #expect(try file.commitWithoutReplacing(names: names) == directory.file("s-3.flac"))
        #expect(contents(directory.file("s.flac")) == Data("one".utf8))
        #expect(contents(directory.file("s-2.flac")) == Data("two".utf8))
        #expect(contents(directory.file("s-3.flac")) == Data("three".utf8))
        #expect(self.names(directory.path) == ["s-2.flac", "s-3.flac", "s.flac"])
    }

    @Test func refusesAnInputThroughAnyLink() throws {
        let directory = try TemporaryDirectory()
        let input = directory.file("voice.wav")
        try Data("recording".utf8).write(to: URL(fileURLWithPath: input))
        #expect(link(input, directory.file("hard.wav")) == 0)
        try FileManager.default.createSymbolicLink(atPath: directory.file("soft.wav"), withDestinationPath: "hard.wav")
        for path in [input, directory.file("hard.wav"), directory.file("soft.wav"), directory.path + "/./voice.wav"] {
            let error = #expect(throws: OutputFileError.self) {
                _ = try AtomicFile(replacing: path, protecting: [input])
            }
            #expect(error?.kind == .isInput && error?.path == path)
        }
        #expect(contents(input) == Data("recording".utf8))
    }

    @Test func leftoversOfDeadProcessesAreRemovedAndLiveOnesKept() throws {
        let directory = try TemporaryDirectory()
        // A process id above the kernel's largest (4194304) never runs.
        let dead = directory.file(".out.wav.4194999-abc" + AtomicFile.temporarySuffix)
        let live = directory.file(".out.wav.\(getpid())-abc" + AtomicFile.temporarySuffix)
        let other = directory.file(".other.wav.4194999-abc" + AtomicFile.temporarySuffix)
        for path in [dead, live, other] { try Data().write(to: URL(fileURLWithPath: path)) }
        let file = try AtomicFile(replacing: directory.file("out.wav"))
        file.discard()
        #expect(!FileManager.default.fileExists(atPath: dead))
        #expect(FileManager.default.fileExists(atPath: live))
        #expect(FileManager.default.fileExists(atPath: other), "only this name's leftovers")
    }

    @Test func aCacheEntryReplacesALinkNotItsTarget() throws {
        let directory = try TemporaryDirectory()
        let target = directory.file("precious")
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.createSymbolicLink(atPath: directory.file("entry"), withDestinationPath: target)
        #expect(CacheFile.write(Array("entry".utf8), to: directory.file("entry")))
        #expect(contents(target) == Data("keep me".utf8))
        #expect(contents(directory.file("entry")) == Data("entry".utf8))
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: directory.file("entry"))) == nil)
    }

    enum Unreadable: String, CaseIterable, CustomStringConvertible {
        case missing, link, fifo, folder, tooLarge
        var description: String { rawValue }
    }

    @Test(arguments: Unreadable.allCases)
    func cacheReadsOnlySmallRegularFiles(_ kind: Unreadable) throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("entry")
        try Data("fine".utf8).write(to: URL(fileURLWithPath: directory.file("real")))
        switch kind {
        case .missing: break
        case .link:
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: directory.file("real"))
        case .fifo: #expect(mkfifo(path, 0o644) == 0)
        case .folder: try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        case .tooLarge: try Data(count: 4_097).write(to: URL(fileURLWithPath: path))
        }
        #expect(CacheFile.read(path, maximumBytes: 4_096) == nil)
        #expect(CacheFile.read(directory.file("real"), maximumBytes: 4_096) == Array("fine".utf8))
    }

    @Test func aFullDiskFailsTheWriteAndKeepsTheEarlierFile() throws {
        let directory = try TemporaryDirectory()
        let disk = directory.file("disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        guard (try? ExternalTool.run("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", disk])) != nil else {
            print("skipped: cannot mount a tmpfs here")
            return
        }
        defer { try? ExternalTool.run("umount", [disk]) }
        let path = disk + "/out.bin"
        try Data("earlier".utf8).write(to: URL(fileURLWithPath: path))
        let file = try AtomicFile(replacing: path)
        let error = #expect(throws: OutputFileError.self) { try file.write([UInt8](repeating: 1, count: 200_000)) }
        #expect(
            error?.kind == .cannotWrite && error?.message.contains("No space left") == true,
            "\(String(describing: error))")
        file.discard()
        #expect(contents(path) == Data("earlier".utf8))
        #expect(names(disk) == ["out.bin"])
    }

    /// Temporary files a killed process left behind are removed; a living process's, and every
    /// other file, are kept. Names of every length, so that under AddressSanitizer a read past a
    /// short directory record is caught (it once copied the whole 256-byte name field).
    @Test func staleTemporaryFilesOfDeadProcessesAreRemovedAndNothingElse() throws {
        let directory = try TemporaryDirectory()
        // A process that has ended: its pid is free (for as long as this test needs).
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let dead = ended.processIdentifier
        let suffix = AtomicFile.temporarySuffix
        let stale = ".out.wav.\(dead)-12ab\(suffix)"
        let living = ".out.wav.\(getpid())-34cd\(suffix)"
        let others =
            ["out.wav", ".other.wav.\(dead)-56ef\(suffix)", "a", String(repeating: "n", count: 200)]
            + (1...40).map { String(repeating: "x", count: $0) }
        for name in [stale, living] + others {
            #expect(FileManager.default.createFile(atPath: directory.file(name), contents: Data([1])))
        }
        AtomicFile.removeStale(named: "out.wav", in: directory.path)
        #expect(!names(directory.path).contains(stale), "the dead process's file is gone")
        #expect(names(directory.path) == ([living] + others).sorted(), "everything else is kept")
    }
}
