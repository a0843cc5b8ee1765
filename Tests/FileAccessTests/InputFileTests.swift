import FileAccess
import Foundation
import Testing

/// A scratch folder with a session-like layout: `root/` holding files, links and special files, and
/// `outside/` beside it.
private struct Scratch {
    let base: String
    var root: String { base + "/root" }
    var outside: String { base + "/outside" }

    init() throws {
        base = NSTemporaryDirectory() + "respite-input-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: base + "/root/sub", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: base + "/outside", withIntermediateDirectories: true)
        try write("root/a.wav", "inside")
        try write("root/sub/b.wav", "inside too")
        try write("outside/secret.wav", "secret")
        mkfifo(root + "/fifo.wav", 0o644)
        symlink(outside + "/secret.wav", root + "/out-absolute.wav")
        symlink("../outside/secret.wav", root + "/out-relative.wav")
        symlink("a.wav", root + "/in-link.wav")
        symlink("sub", root + "/sublink")
        symlink(outside, root + "/outdir")
        symlink("loop1.wav", root + "/loop2.wav")
        symlink("loop2.wav", root + "/loop1.wav")
        symlink("/dev/zero", root + "/zero.wav")
        symlink("nowhere.wav", root + "/dangling.wav")
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: base + "/" + name, atomically: false, encoding: .utf8)
    }
}

/// Runs `body` on another thread and fails if it has not returned within `seconds`: a FIFO must never block.
private func finishes(within seconds: Double, _ body: @escaping @Sendable () -> Void) -> Bool {
    let done = DispatchSemaphore(value: 0)
    Thread {
        body()
        done.signal()
    }.start()
    return done.wait(timeout: .now() + seconds) == .success
}

@Suite struct InputFileTests {
    @Test func readsARegularFile() throws {
        let scratch = try Scratch()
        #expect(try InputFile.read(scratch.root + "/a.wav", maximumBytes: 100) == Array("inside".utf8))
    }

    @Test(arguments: [
        ("fifo.wav", InputFileError.Kind.notRegularFile, "named pipe"),
        ("sub", .notRegularFile, "folder"),
        ("zero.wav", .notRegularFile, "device"),
        ("missing.wav", .missing, "no file"),
        ("dangling.wav", .missing, "no file"),
        ("loop1.wav", .invalidPath, "symbolic links"),
        ("a.wav/x.wav", .missing, "no file"),
    ])
    func refusesWhatIsNotARegularFileWithoutBlocking(name: String, kind: InputFileError.Kind, words: String) throws {
        let scratch = try Scratch()
        let path = scratch.root + "/" + name
        nonisolated(unsafe) var outcome: InputFileError?
        let returned = finishes(within: 5) {
            do {
                _ = try InputFile.read(path, maximumBytes: 1 << 20)
            } catch {
                outcome = error as? InputFileError
            }
        }
        #expect(returned, "opening \(name) blocked")
        #expect(outcome?.kind == kind)
        #expect(outcome?.path == path)
        #expect(outcome?.message.contains(words) == true, "\(String(describing: outcome))")
    }

    @Test func aSocketIsRefused() throws {
        let scratch = try Scratch()
        let path = scratch.root + "/socket.wav"
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() where index < buffer.count - 1 { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(bound == 0)
        #expect(throws: InputFileError.self) { try InputFile.open(path) }
    }

    @Test(arguments: ["a.wav\u{0}.txt", "\u{0}", "sub/\u{0}b.wav", ""])
    func refusesANulOrAnEmptyName(name: String) throws {
        let scratch = try Scratch()
        let path = name.isEmpty ? "" : scratch.root + "/" + name
        #expect {
            try InputFile.read(path, maximumBytes: 100)
        } throws: { error in
            (error as? InputFileError)?.kind == .invalidPath
        }
    }

    @Test(arguments: [0, 5, 6, 7, 1000])
    func enforcesTheSizeCap(cap: Int) throws {
        let scratch = try Scratch()
        let path = scratch.root + "/a.wav"  // 6 bytes
        if cap >= 6 {
            #expect(try InputFile.read(path, maximumBytes: cap).count == 6)
        } else {
            #expect {
                try InputFile.read(path, maximumBytes: cap)
            } throws: { error in
                let error = error as? InputFileError
                return error?.kind == .tooLarge && error?.message.contains("at most \(cap)") == true
            }
        }
    }

    @Test func aLargeSparseFileIsRefusedWithoutReadingIt() throws {
        let scratch = try Scratch()
        let path = scratch.root + "/huge.wav"
        let descriptor = open(path, O_CREAT | O_WRONLY, 0o644)
        try #require(descriptor >= 0)
        #expect(ftruncate(descriptor, 8 << 30) == 0)
        close(descriptor)
        #expect {
            try InputFile.read(path, maximumBytes: 1 << 20)
        } throws: { error in
            (error as? InputFileError)?.kind == .tooLarge
        }
    }

    @Test(arguments: [
        ("a.wav", "/root/a.wav"),
        ("in-link.wav", "/root/a.wav"),
        ("sub/b.wav", "/root/sub/b.wav"),
        ("sublink/b.wav", "/root/sub/b.wav"),
    ])
    func resolvesLinksThatStayInside(relative: String, expected: String) throws {
        let scratch = try Scratch()
        let real = try InputFile.resolve(relative, inside: scratch.root)
        #expect(real.hasSuffix(expected))
        #expect(!real.contains("link"))
    }

    @Test(arguments: ["out-absolute.wav", "out-relative.wav", "outdir/secret.wav"])
    func refusesLinksThatLeadOut(relative: String) throws {
        let scratch = try Scratch()
        #expect {
            try InputFile.resolve(relative, inside: scratch.root)
        } throws: { error in
            let error = error as? InputFileError
            return error?.kind == .outsideRoot && error?.message.contains("outside") == true
        }
    }

    @Test func aRootReachedThroughALinkStillWorks() throws {
        let scratch = try Scratch()
        symlink(scratch.root, scratch.base + "/root-link")
        let real = try InputFile.resolve("a.wav", inside: scratch.base + "/root-link")
        #expect(real.hasSuffix("/root/a.wav"))
    }

    @Test func aSiblingFolderSharingThePrefixIsOutside() throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(atPath: scratch.base + "/root2", withIntermediateDirectories: true)
        try scratch.write("root2/c.wav", "x")
        symlink("../root2/c.wav", scratch.root + "/c.wav")
        #expect(throws: InputFileError.self) { try InputFile.resolve("c.wav", inside: scratch.root) }
    }

    @Test func openLeavesTheDescriptorBlockingAndAtTheStart() throws {
        let scratch = try Scratch()
        let descriptor = try InputFile.open(scratch.root + "/a.wav")
        defer { close(descriptor) }
        #expect(fcntl(descriptor, F_GETFL) & O_NONBLOCK == 0)
        #expect(lseek(descriptor, 0, SEEK_CUR) == 0)
        #expect(fcntl(descriptor, F_GETFD) & FD_CLOEXEC != 0)
    }
}
