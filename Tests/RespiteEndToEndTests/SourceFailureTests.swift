import Foundation
import Testing

/// A source that breaks while a session renders stops the render with exit 74, naming the file and where reading
/// stopped, and leaves no partial output: the earlier file stays. A file replaced by a rename, or unlinked, is
/// still read whole from the open handle, so that render succeeds unchanged.
@Suite(.serialized) struct SourceFailureTests {
    enum Change: String, CaseIterable, CustomStringConvertible {
        case truncateToZero, truncateToATenth, rewriteInPlace
        var description: String { rawValue }
    }

    static let whileRendering: [(Change, Bool)] = Change.allCases.flatMap { change in [(change, false), (change, true)]
    }

    @Test(arguments: whileRendering)
    func aSourceChangedWhileRenderingStopsTheRender(_ change: Change, _ loop: Bool) throws {
        let fixture = try DataSafety.Fixture(seconds: 200, musicSeconds: 150, loop: loop)
        let output = fixture.folder + "/out.wav"
        try Data("an earlier render".utf8).write(to: URL(fileURLWithPath: output))
        let size = (try FileManager.default.attributesOfItem(atPath: fixture.music)[.size] as? Int) ?? 0
        let before = DataSafety.snapshot(fixture.folder).filter { $0.key != "music.wav" }
        // Same size, other bytes (made before the render starts, so they are written while it runs).
        let other = change == .rewriteInPlace ? Data(repeating: 0x5a, count: size) : Data()
        let child = try DataSafety.start(["render", fixture.session, "-o", output])
        // The render is writing: the music file may be open already, or not yet (then opening it fails).
        #expect(DataSafety.waitForTemporary(in: fixture.folder))
        usleep(100_000)
        switch change {
        case .truncateToZero: #expect(truncate(fixture.music, 0) == 0)
        case .truncateToATenth: #expect(truncate(fixture.music, off_t(size / 10)) == 0)
        case .rewriteInPlace:
            // Into the same file (same inode), header and all.
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: fixture.music))
            try handle.write(contentsOf: other)
            try handle.close()
        }
        let status = child.wait()
        #expect(status == 74, "\(child.errors)")
        #expect(child.errors.contains("'\(fixture.music)'"), "names the file: \(child.errors)")
        #expect(child.errors.contains("could not be read to the end"), "\(child.errors)")
        #expect(child.errors.contains("'\(output)'") && child.errors.contains("unchanged"), "\(child.errors)")
        #expect(!child.output.contains("wrote"))
        #expect(DataSafety.temporaries(in: fixture.folder).isEmpty)
        let after = DataSafety.snapshot(fixture.folder).filter { $0.key != "music.wav" }
        #expect(DataSafety.differences(before, after).isEmpty)
    }

    enum Harmless: String, CaseIterable, CustomStringConvertible {
        case replacedByRename, unlinked
        var description: String { rawValue }
    }

    @Test(arguments: Harmless.allCases)
    func aSourceReplacedByRenameIsStillReadWhole(_ change: Harmless) throws {
        let fixture = try DataSafety.Fixture(seconds: 200, musicSeconds: 150, loop: false)
        let reference = fixture.folder + "/reference.wav"
        let clean = try Respite.run(["render", fixture.session, "-o", reference])
        #expect(clean.status == 0, "\(clean.stderr)")
        let output = fixture.folder + "/out.wav"
        let child = try DataSafety.start(["render", fixture.session, "-o", output])
        #expect(DataSafety.waitForTemporary(in: fixture.folder))
        usleep(300_000)
        switch change {
        case .replacedByRename:
            try DataSafety.sox([
                "-n", "-r", "44100", "-c", "2", fixture.folder + "/new.wav", "synth", "3", "sine", "440",
            ])
            #expect(rename(fixture.folder + "/new.wav", fixture.music) == 0)
        case .unlinked: #expect(unlink(fixture.music) == 0)
        }
        #expect(child.wait() == 0, "\(child.errors)")
        #expect(FileManager.default.contents(atPath: output) == FileManager.default.contents(atPath: reference))
    }

    enum Damaged: String, CaseIterable, CustomStringConvertible {
        case flacCutShort, flacCutShortLooped, flacGarbageInTheMiddle, flacGarbageInTheMiddleLooped
        var description: String { rawValue }
        var loop: Bool { rawValue.hasSuffix("Looped") }
    }

    /// A file damaged before the render: the programme loudness measurement meets it first, and says so.
    @Test(arguments: Damaged.allCases)
    func aDamagedSourceIsAnErrorNotSilence(_ damage: Damaged) throws {
        let fixture = try DataSafety.Fixture(seconds: 30, musicSeconds: 20, loop: damage.loop, musicFormat: "flac")
        let music = fixture.folder + "/music.flac"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: music))
        if damage.rawValue.hasPrefix("flacCutShort") {
            bytes = bytes.prefix(bytes.count * 6 / 10)
        } else {
            let middle = bytes.count / 2
            bytes.replaceSubrange(
                middle..<middle + 40_000, with: Data((0..<40_000).map { UInt8(truncatingIfNeeded: $0 &* 151 &+ 3) }))
        }
        try bytes.write(to: URL(fileURLWithPath: music))
        let output = fixture.folder + "/out.wav"
        try Data("an earlier render".utf8).write(to: URL(fileURLWithPath: output))
        let before = DataSafety.snapshot(fixture.folder)
        let result = try Respite.run(["render", fixture.session, "-o", output])
        #expect(result.status == 74, "\(result.stderr)")
        #expect(result.stderr.contains("'\(music)'"), "names the file: \(result.stderr)")
        #expect(DataSafety.differences(before, DataSafety.snapshot(fixture.folder)).isEmpty)
    }
}
