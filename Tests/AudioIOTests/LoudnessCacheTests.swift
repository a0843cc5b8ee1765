import Foundation
import Testing

@testable import AudioIO

@Suite("LoudnessCache")
struct LoudnessCacheTests {
    typealias Segment = LoudnessTestSignals.Segment

    /// A 3 s stereo programme at `level` dBFS, written to `name` in `directory`.
    static func programme(_ name: String, in directory: TemporaryDirectory, level: Double = -20) throws -> String {
        let path = directory.file(name)
        let signal = LoudnessTestSignals.sine(frequency: 1000, segments: [Segment(level: level, seconds: 3)])
        try LoudnessTestSignals.write(signal, to: path, format: .wav(.pcm24))
        return path
    }

    static func entries(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
    }

    @Test("a second lookup of the same content measures nothing, in this process or the next")
    func hit() throws {
        let directory = try TemporaryDirectory()
        let cacheDirectory = directory.file("cache")
        let path = try Self.programme("a.wav", in: directory)

        let cache = LoudnessCache(directory: cacheDirectory)
        let first = try cache.loudness(ofFile: path)
        #expect(cache.measured == 1)
        #expect(abs(first.integrated - -20) <= 0.1, "\(first)")
        let second = try cache.loudness(ofFile: path)
        #expect(cache.measured == 1)
        #expect(second == first)
        #expect(try Self.entries(in: cacheDirectory).count == 1)

        // Another instance (another run of the program) reads the same entry; a copy under another name is the
        // same content, so it hits too.
        let copy = directory.file("copy of a.wav")
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let later = LoudnessCache(directory: cacheDirectory)
        #expect(try later.loudness(ofFile: path) == first)
        #expect(try later.loudness(ofFile: copy) == first)
        #expect(later.measured == 0)
        // Nothing but the entry and the identity records is left behind: no temporary files.
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: cacheDirectory).sorted()
                == [
                    "by-identity", try Self.entries(in: cacheDirectory)[0],
                ].sorted())
        #expect(try FileManager.default.contentsOfDirectory(atPath: cacheDirectory + "/by-identity").count == 2)
    }

    @Test("an unchanged file seen before is not read again; one rewritten in place is")
    func identityShortcut() throws {
        let directory = try TemporaryDirectory()
        let cacheDirectory = directory.file("cache")
        let path = try Self.programme("a.wav", in: directory, level: -20)
        let first = LoudnessCache(directory: cacheDirectory)
        let before = try first.loudness(ofFile: path)
        #expect(first.hashed == 1)

        let later = LoudnessCache(directory: cacheDirectory)
        #expect(try later.loudness(ofFile: path) == before)
        #expect(later.hashed == 0, "an unchanged file is found by its identity, without reading it")
        #expect(later.measured == 0)

        // Rewritten in place with the same size and the old modification time put back: the change
        // time still moves, so the file is read, hashed and measured again.
        var info = stat()
        #expect(stat(path, &info) == 0)
        _ = try Self.programme("a.wav", in: directory, level: -30)
        var times = [info.st_atim, info.st_mtim]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        let after = try later.loudness(ofFile: path)
        #expect(later.hashed == 1)
        #expect(later.measured == 1)
        #expect(abs(after.integrated - before.integrated - -10) <= 0.05)
    }

    @Test("changed content is measured again")
    func changedContent() throws {
        let directory = try TemporaryDirectory()
        let cache = LoudnessCache(directory: directory.file("cache"))
        let path = try Self.programme("a.wav", in: directory, level: -20)
        let before = try cache.loudness(ofFile: path)
        _ = try Self.programme("a.wav", in: directory, level: -30)
        let after = try cache.loudness(ofFile: path)
        #expect(cache.measured == 2)
        #expect(abs(after.integrated - before.integrated - -10) <= 0.05, "\(before) then \(after)")
        #expect(try Self.entries(in: directory.file("cache")).count == 2)
    }

    @Test("a damaged entry is measured again and replaced", arguments: ["", "{", "not json", #"{"version":"x"}"#])
    func damagedEntry(_ damage: String) throws {
        let directory = try TemporaryDirectory()
        let cacheDirectory = directory.file("cache")
        let path = try Self.programme("a.wav", in: directory)
        let good = try LoudnessCache(directory: cacheDirectory).loudness(ofFile: path)
        let entry = cacheDirectory + "/" + (try #require(try Self.entries(in: cacheDirectory).first))
        try Data(damage.utf8).write(to: URL(fileURLWithPath: entry))

        let cache = LoudnessCache(directory: cacheDirectory)
        #expect(try cache.loudness(ofFile: path) == good)
        #expect(cache.measured == 1)
        let repaired = LoudnessCache(directory: cacheDirectory)
        #expect(try repaired.loudness(ofFile: path) == good)
        #expect(repaired.measured == 0)
    }

    @Test("silence round-trips through the cache as -infinity")
    func silence() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("silence.wav")
        try LoudnessTestSignals.write([Float](repeating: 0, count: 48_000 * 2), to: path)
        _ = try LoudnessCache(directory: directory.file("cache")).loudness(ofFile: path)
        let cache = LoudnessCache(directory: directory.file("cache"))
        let loudness = try cache.loudness(ofFile: path)
        #expect(cache.measured == 0)
        #expect(loudness.integrated == -.infinity)
        #expect(loudness.truePeak == -.infinity)
        #expect(loudness.duration == 1)
    }

    @Test("an unwritable cache still measures")
    func unwritable() throws {
        let directory = try TemporaryDirectory()
        let path = try Self.programme("a.wav", in: directory)
        // A directory inside a regular file can never be created.
        let cache = LoudnessCache(directory: path + "/cache")
        let loudness = try cache.loudness(ofFile: path)
        #expect(abs(loudness.integrated - -20) <= 0.1, "\(loudness)")
        #expect(try cache.loudness(ofFile: path) == loudness)
        #expect(cache.measured == 2)
    }

    @Test("a missing file is an AudioFileError naming it")
    func missingFile() throws {
        let directory = try TemporaryDirectory()
        let cache = LoudnessCache(directory: directory.file("cache"))
        let error = try #require(throws: AudioFileError.self) {
            try cache.loudness(ofFile: directory.file("missing.wav"))
        }
        #expect(error.path == directory.file("missing.wav"))
        #expect(cache.measured == 0)
    }

    @Test("the default directory is under the user's cache")
    func defaultDirectory() {
        let directory = LoudnessCache.defaultDirectory()
        #expect(directory?.hasSuffix("/respite/loudness") == true, "\(directory ?? "none")")
    }

    @Test("content keys are stable and see every byte")
    func keys() throws {
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var hash = Hash128()
        bytes.withUnsafeBytes { hash.combine(bytes: $0) }
        #expect(hash.hexString == Self.pinnedBytesHash)

        var changed = bytes
        changed[199_999] ^= 1
        var other = Hash128()
        changed.withUnsafeBytes { other.combine(bytes: $0) }
        #expect(other != hash)
        var shorter = Hash128()
        bytes.dropLast().withUnsafeBytes { shorter.combine(bytes: $0) }
        #expect(shorter != hash)

        let directory = try TemporaryDirectory()
        let file = directory.file("bytes.bin")
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let key = try LoudnessCache.key(ofFile: file)
        try Data(changed).write(to: URL(fileURLWithPath: file))
        #expect(try LoudnessCache.key(ofFile: file) != key)
    }

    /// Pinned: if this changes, every loudness cache in the field is invalidated.
    static let pinnedBytesHash = "ee43acf2201009f9840bd1d1cb4beb1f"
}
