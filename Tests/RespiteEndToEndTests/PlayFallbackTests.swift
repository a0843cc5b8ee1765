import Foundation
import Testing

/// `respite play` on a machine with no sound card saves the session to a file instead: Ogg Vorbis, small enough for a
/// phone. A name it chose itself never replaces anything: it takes the first free one of ID.ogg, ID-2.ogg, …, and
/// says which. A name given with --output is replaced, as `render -o` would. A sound server that refuses is named.
@Suite(.serialized) struct PlayFallbackTests {
    /// ALSA's `default` a card that does not exist, and no sound server to be found: a machine with no sound at all.
    static func noSoundServer(_ folder: String) -> [String: String] {
        try? "pcm.!default { type hw card 99 }\n".write(
            toFile: folder + "/alsa.conf", atomically: true, encoding: .utf8)
        return [
            "ALSA_CONFIG_PATH": folder + "/alsa.conf", "XDG_RUNTIME_DIR": folder,
            "PULSE_RUNTIME_PATH": folder + "/none",
            "PULSE_SERVER": "",
        ]
    }

    enum Existing: String, CaseIterable, CustomStringConvertible {
        case nothing, aFile, twoFiles, aFolder, aDanglingLink, anOutputGiven
        var description: String { rawValue }
    }

    @Test(arguments: Existing.allCases)
    func theFallbackNeverReplacesAFileItNamedItself(_ existing: Existing) throws {
        let fixture = try DataSafety.Fixture(seconds: 3)
        let folder = fixture.folder
        let earlier = Data("an earlier session".utf8)
        var arguments = ["play", fixture.session, "--plain"]
        var expected = "safety.ogg"
        switch existing {
        case .nothing: break
        case .aFile:
            try earlier.write(to: URL(fileURLWithPath: folder + "/safety.ogg"))
            expected = "safety-2.ogg"
        case .twoFiles:
            try earlier.write(to: URL(fileURLWithPath: folder + "/safety.ogg"))
            try earlier.write(to: URL(fileURLWithPath: folder + "/safety-2.ogg"))
            expected = "safety-3.ogg"
        case .aFolder:
            try FileManager.default.createDirectory(atPath: folder + "/safety.ogg", withIntermediateDirectories: false)
            expected = "safety-2.ogg"
        case .aDanglingLink:
            try FileManager.default.createSymbolicLink(
                atPath: folder + "/safety.ogg", withDestinationPath: folder + "/elsewhere.ogg")
            expected = "safety-2.ogg"
        case .anOutputGiven:
            try earlier.write(to: URL(fileURLWithPath: folder + "/mine.ogg"))
            arguments += ["--output", "mine.ogg"]
            expected = "mine.ogg"
        }
        let environment = Self.noSoundServer(folder)
        let before = DataSafety.snapshot(folder)
        let result = try Respite.run(arguments, in: folder, environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("cannot play aloud here"), "\(result.stderr)")
        #expect(result.stdout.contains("wrote \(expected):"), "says where it went: \(result.stdout)")
        let after = DataSafety.snapshot(folder)
        #expect(DataSafety.differences(before, after) == [expected], "only the new file appears")
        #expect((after[expected]?.count ?? 0) > 10_000)
        #expect(after[expected]?.prefix(4) == Data("OggS".utf8), "Ogg Vorbis, for a phone")
        #expect(DataSafety.temporaries(in: folder).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder + "/elsewhere.ogg"), "a link is never written through")
    }

    /// The fallback's file for a whole bundled session is a size a phone takes: Ogg Vorbis, not 24-bit FLAC.
    @Test func theFallbackFileIsOggOfAPhoneFriendlySize() throws {
        let folder = try Respite.temporaryFolder()
        let result = try Respite.run(
            ["play", "breathing-paced", "--plain"], in: folder, environment: Self.noSoundServer(folder))
        #expect(result.status == 0, "\(result.stderr)")
        let bytes = try #require(FileManager.default.contents(atPath: folder + "/breathing-paced.ogg"))
        #expect(bytes.prefix(4) == Data("OggS".utf8))
        // 5:10 at Vorbis quality 0.6 was 5.3 MB (2026-12-02); the 24-bit FLAC it replaces was 36.5 MB.
        #expect(bytes.count > 2_000_000 && bytes.count < 12_000_000, "\(bytes.count) bytes")
    }

    /// A sound server whose socket is there but refuses (stopped, or crashed and left it behind) is named as the
    /// reason, with how to restart it, instead of a missing card.
    @Test func aSoundServerThatRefusesIsNamed() throws {
        let folder = try Respite.temporaryFolder()
        let environment = Self.noSoundServer(folder)
        try FileManager.default.createDirectory(atPath: folder + "/pulse", withIntermediateDirectories: true)
        let socketPath = folder + "/pulse/native"
        // A socket bound and closed without listening: connecting to it is refused, as after a server's crash.
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #expect(descriptor >= 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { storage in
            for (index, byte) in socketPath.utf8.enumerated() { storage[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        #expect(bound == 0)
        close(descriptor)
        let result = try Respite.run(["play", "breathing-paced", "--plain"], in: folder, environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stderr.contains("The sound server (PulseAudio or PipeWire, at \(socketPath)) is not answering"),
            "\(result.stderr)")
        #expect(result.stderr.contains("connection refused"))
        #expect(result.stderr.contains("systemctl --user restart"))
        #expect(!result.stderr.contains("No sound card"), "the card is not blamed")
        #expect(result.stdout.contains("wrote breathing-paced.ogg"))
    }
}
