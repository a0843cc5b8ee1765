import Foundation
import Testing

/// `respite play` on a machine with no sound card saves the session to a file instead. A name it chose itself never
/// replaces anything: it takes the first free one of ID.flac, ID-2.flac, …, and says which. A name given with
/// --output is replaced, as `render -o` would.
@Suite(.serialized) struct PlayFallbackTests {
    enum Existing: String, CaseIterable, CustomStringConvertible {
        case nothing, aFile, twoFiles, aFolder, aDanglingLink, anOutputGiven
        var description: String { rawValue }
    }

    @Test(arguments: Existing.allCases)
    func theFallbackNeverReplacesAFileItNamedItself(_ existing: Existing) throws {
        let fixture = try DataSafety.Fixture(seconds: 3)
        let folder = fixture.folder
        try "pcm.!default { type hw card 99 }\n".write(toFile: folder + "/alsa.conf", atomically: true, encoding: .utf8)
        let earlier = Data("an earlier session".utf8)
        var arguments = ["play", fixture.session, "--plain"]
        var expected = "safety.flac"
        switch existing {
        case .nothing: break
        case .aFile:
            try earlier.write(to: URL(fileURLWithPath: folder + "/safety.flac"))
            expected = "safety-2.flac"
        case .twoFiles:
            try earlier.write(to: URL(fileURLWithPath: folder + "/safety.flac"))
            try earlier.write(to: URL(fileURLWithPath: folder + "/safety-2.flac"))
            expected = "safety-3.flac"
        case .aFolder:
            try FileManager.default.createDirectory(atPath: folder + "/safety.flac", withIntermediateDirectories: false)
            expected = "safety-2.flac"
        case .aDanglingLink:
            try FileManager.default.createSymbolicLink(atPath: folder + "/safety.flac", withDestinationPath: folder + "/elsewhere.flac")
            expected = "safety-2.flac"
        case .anOutputGiven:
            try earlier.write(to: URL(fileURLWithPath: folder + "/mine.flac"))
            arguments += ["--output", "mine.flac"]
            expected = "mine.flac"
        }
        let before = DataSafety.snapshot(folder)
        let result = try Respite.run(arguments, in: folder, environment: ["ALSA_CONFIG_PATH": folder + "/alsa.conf"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("cannot play aloud here"), "\(result.stderr)")
        #expect(result.stdout.contains("wrote \(expected):"), "says where it went: \(result.stdout)")
        let after = DataSafety.snapshot(folder)
        #expect(DataSafety.differences(before, after) == [expected], "only the new file appears")
        #expect((after[expected]?.count ?? 0) > 10_000)
        #expect(DataSafety.temporaries(in: folder).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder + "/elsewhere.flac"), "a link is never written through")
    }
}
