import AudioIO
import Foundation
import Testing

/// The bundled music beds come with their loudness measured (`Audio/loudness`), so a first play
/// does not decode a bed to its end before it sounds. Each seed must be the measurement of the
/// file as it is: after the beds change, write them again with
/// `RESPITE_WRITE_LOUDNESS_SEEDS=1 swift test --filter BundledLoudnessSeedTests`.
@Suite struct BundledLoudnessSeedTests {
    static var seeds: String { Fixture.audioRoot + "/" + LoudnessCache.bundledSeedsFolder }

    static func bundledFiles() throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: Fixture.audioRoot)
            .filter { $0.hasSuffix(".ogg") || $0.hasSuffix(".wav") || $0.hasSuffix(".flac") }.sorted()
    }

    @Test func everyBundledFileHasItsMeasurementAsASeed() throws {
        let files = try Self.bundledFiles()
        #expect(!files.isEmpty)
        if ProcessInfo.processInfo.environment["RESPITE_WRITE_LOUDNESS_SEEDS"] == "1" {
            try? FileManager.default.removeItem(atPath: Self.seeds)
            try FileManager.default.createDirectory(atPath: Self.seeds, withIntermediateDirectories: true)
            for file in files { try LoudnessCache.writeSeed(ofFile: Fixture.audioRoot + "/" + file, into: Self.seeds) }
        }
        let seeded = LoudnessCache(directory: nil, seeds: Self.seeds)
        for file in files {
            let path = Fixture.audioRoot + "/" + file
            let measured = try LoudnessMeter.measure(file: path)
            #expect(try seeded.loudness(ofFile: path) == measured, "\(file)")
            #expect(seeded.measured == 0, "\(file) had no seed (or a stale one) and was measured")
        }
        // One seed per file, and nothing else in the folder.
        let entries = try FileManager.default.contentsOfDirectory(atPath: Self.seeds)
        #expect(entries.count == files.count && entries.allSatisfy { $0.hasSuffix(".json") })
    }

    /// A seed never stands for other bytes: an entry copied under another file's name is refused
    /// by its checksum, and that file is measured.
    @Test func aSeedIsNotUsedForOtherBytes() throws {
        let folder = NSTemporaryDirectory() + "respite-seed-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder + "/seeds", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let files = try Self.bundledFiles().map { Fixture.audioRoot + "/" + $0 }
        try #require(files.count >= 2)
        let first = try LoudnessCache.writeSeed(ofFile: files[0], into: folder + "/first")
        let second = try LoudnessCache.writeSeed(ofFile: files[1], into: folder + "/second")
        // The first file's entry under the second file's name.
        try FileManager.default.copyItem(
            atPath: first, toPath: folder + "/seeds/" + (second as NSString).lastPathComponent)
        let cache = LoudnessCache(directory: folder + "/cache", seeds: folder + "/seeds")
        #expect(try cache.loudness(ofFile: files[1]) == LoudnessMeter.measure(file: files[1]))
        #expect(cache.measured == 1, "measured, not taken from the copied entry")
    }
}
