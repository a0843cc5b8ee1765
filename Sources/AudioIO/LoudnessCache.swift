import Atomics
import Foundation

/// Remembers loudness measurements on disk, so a file is measured once however often sessions play it.
///
/// An entry is named by a ``Hash128`` of a version tag, libebur128's version and the file's bytes (read in chunks,
/// never whole), so renaming or copying a file keeps its entry and editing it in place does not reuse a stale one.
/// Hashing is much cheaper than measuring: it reads the encoded bytes once and decodes nothing.
///
/// Finding a file's entry would mean reading all of it, so a second, smaller record maps what `stat` says of the file
/// (path, device, inode, size, modification and change times) to its content key; only a file that changed, or
/// was never seen, is hashed.
///
/// Each entry is a small JSON file written through ``CacheFile`` (a temporary file, synced and renamed into place),
/// so a crash never leaves half an entry under a cache name. Nothing read back is trusted: an entry carries a
/// checksum over its name and every field, and its figures must be plausible (integrated -70…+10 LUFS or silent,
/// peaks -200…+40 dB, range 0…100 LU, duration 0…10⁷ s); an entry that fails either, that does not parse, that
/// another version wrote, or that is not a small regular file (a link, a FIFO, a huge file) is never used but
/// measured again and replaced. An identity record carries a checksum too, so it can only name the entry it was
/// written for.
///
/// The cache is an optimisation, never a requirement: without a directory (``CacheDirectory`` found none usable),
/// or when it cannot be written (a read-only home on a clinic machine), ``loudness(ofFile:)`` still returns the
/// same measurement and simply measures again next time.
///
/// Thread safety: safe from any thread and any number of processes; two callers missing the same entry at once both
/// measure, and the last rename wins with identical contents.
/// Real-time safety: none; it reads files. Call from a loader thread or the CLI.
public final class LoudnessCache: Sendable {
    /// Bump when anything that changes a measurement changes (channel weighting, the `Loudness` fields), to
    /// invalidate old entries.
    static let versionTag = "respite-loudness-1"
    /// Bytes hashed per read: 64 KiB.
    static let hashChunkBytes = 65_536

    /// The directory holding the entries, created on the first store; nil keeps nothing on disk.
    public let directory: String?
    /// A folder of entries shipped with the files they measure (the bundled `Audio/loudness`), read
    /// but never written: a bundled music bed is not decoded to its end before its first play.
    /// Its entries are named and checked as the cache's own, so one for other bytes, another
    /// version of Respite or of libebur128 is never used.
    public let seeds: String?
    /// The seeds' folder inside the bundled `Audio/` folder.
    public static let bundledSeedsFolder = "loudness"
    /// Largest entry file read, in bytes; a real one is about 200.
    static let maximumEntryBytes = 4_096

    private let measurements = ManagedAtomic<Int>(0)

    /// How many files this cache has measured (cache misses) since it was created; a hit does not count.
    public var measured: Int { measurements.load(ordering: .relaxed) }

    private let hashings = ManagedAtomic<Int>(0)

    /// How many times this cache has read a whole file to hash its content (an unchanged file
    /// seen before is not read).
    public var hashed: Int { hashings.load(ordering: .relaxed) }

    /// Creates a cache in `directory`; nothing is touched until the first lookup.
    ///
    /// - Parameter directory: where entries are kept (see ``defaultDirectory()``); nil for none.
    /// - Parameter seeds: a folder of entries shipped with the files they measure (see ``seeds``).
    public init(directory: String? = LoudnessCache.defaultDirectory(), seeds: String? = nil) {
        self.directory = directory
        self.seeds = seeds
    }

    /// `loudness` under the cache root (``CacheDirectory``), or nil when there is no usable one.
    public static func defaultDirectory() -> String? { CacheDirectory.current.loudness }

    /// The loudness of the file at `path`: from the cache when its content was measured before, else measured with
    /// ``LoudnessMeter/measure(file:)`` and stored.
    ///
    /// - Parameter path: any file ``AudioFileReader`` opens.
    /// - Returns: the measurement, identical whether it came from the cache or not.
    /// - Throws: ``AudioFileError`` when the file cannot be read or decoded, ``LoudnessError`` when it cannot be
    ///   measured. A cache that cannot be read or written is not an error.
    public func loudness(ofFile path: String) throws -> Loudness {
        // The quick way: a file unchanged since it was last looked up (same inode, size, mtime and
        // ctime) names its content key without being read again. Hashing a long recording reads
        // every byte, which would delay every play of it by as long as the disk takes.
        guard let directory else {
            if let seeds, let seeded = Self.read(seeds + "/" + (try Self.key(ofFile: path)).hexString + ".json") {
                return seeded
            }
            measurements.wrappingIncrement(ordering: .relaxed)
            return try LoudnessMeter.measure(file: path)
        }
        let identity = Self.identity(ofFile: path)
        let identityPath = identity.map { directory + "/by-identity/" + $0.hexString }
        if let identity, let identityPath, let known = Self.readKey(identityPath, identity: identity),
            let cached = Self.read(directory + "/" + known + ".json", key: known)
        {
            return cached
        }
        let key = try Self.key(ofFile: path)
        hashings.wrappingIncrement(ordering: .relaxed)
        let entryPath = directory + "/" + key.hexString + ".json"
        if let cached = Self.read(entryPath, key: key.hexString) {
            if let identity, let identityPath { remember(key, for: identity, at: identityPath) }
            return cached
        }
        if let seeds, let seeded = Self.read(seeds + "/" + key.hexString + ".json") {
            store(seeded, key: key.hexString, at: entryPath)
            if let identity, let identityPath { remember(key, for: identity, at: identityPath) }
            return seeded
        }

        let loudness = try LoudnessMeter.measure(file: path)
        measurements.wrappingIncrement(ordering: .relaxed)
        // A file rewritten while it was being measured (a narration re-recorded in place) must not file the new
        // measurement under the old content's name; a figure no real file gives is not kept either.
        if Self.isPlausible(loudness), (try? Self.key(ofFile: path)) == key {
            store(loudness, key: key.hexString, at: entryPath)
            if let identity, let identityPath { remember(key, for: identity, at: identityPath) }
        }
        return loudness
    }

    /// A hash of what `stat` says about the file at `path` (device, inode, size, modification and
    /// change times to the nanosecond): it changes whenever the content can have changed. Nil when
    /// the file cannot be examined.
    static func identity(ofFile path: String) -> Hash128? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        var hash = Hash128(versionTag, "identity", path)
        for field in [
            Int(info.st_dev), Int(info.st_ino), Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec),
            Int(info.st_ctim.tv_sec), Int(info.st_ctim.tv_nsec),
        ] {
            hash.combine(field)
        }
        return hash
    }

    /// The content key recorded at `path` for `identity`: "KEY CHECK", 32 hexadecimal digits each, the check a
    /// hash of both; else nil.
    private static func readKey(_ path: String, identity: Hash128) -> String? {
        guard let bytes = CacheFile.read(path, maximumBytes: 65), bytes.count == 65, bytes[32] == UInt8(ascii: " ")
        else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        let key = String(text.prefix(32))
        guard key.allSatisfy(\.isHexDigit), String(text.suffix(32)) == identityCheck(key, identity) else { return nil }
        return key
    }

    private static func identityCheck(_ key: String, _ identity: Hash128) -> String {
        Hash128(versionTag, "identity record", identity.hexString, key).hexString
    }

    /// Records that the file with this identity has content `key`. Not synced beyond ``CacheFile``'s rename: a
    /// record lost is only a slower lookup next time.
    private func remember(_ key: Hash128, for identity: Hash128, at path: String) {
        let folder = (path as NSString).deletingLastPathComponent
        guard CacheDirectory.makeFolders(folder) == 0 else { return }
        CacheFile.write(Array((key.hexString + " " + Self.identityCheck(key.hexString, identity)).utf8), to: path)
    }

    /// What an entry file holds: the measurement and the tags it was made under, checked again on reading.
    private struct Entry: Codable {
        var version: String
        var library: String
        var loudness: Loudness
        /// ``checksum(key:version:library:loudness:)`` of the rest.
        var check: String
    }

    /// A hash of the entry's name (its content key) and every field, bit for bit: a changed digit, or an entry
    /// copied under another name, no longer matches.
    static func checksum(key: String, version: String, library: String, loudness: Loudness) -> String {
        var hash = Hash128(version, library, "entry", key)
        for value in [loudness.integrated, loudness.truePeak, loudness.samplePeak, loudness.range, loudness.duration] {
            hash.combine(Int(truncatingIfNeeded: value.bitPattern))
        }
        return hash.hexString
    }

    /// Whether a measurement is one a real file can give: integrated -70…+10 LUFS (the R128 gate is -70) or
    /// silent, peaks -200…+40 dB or silent, loudness range 0…100 LU, duration 0…10⁷ s.
    static func isPlausible(_ loudness: Loudness) -> Bool {
        func level(_ value: Double, _ range: ClosedRange<Double>) -> Bool {
            value == -.infinity || range.contains(value)
        }
        return level(loudness.integrated, -70...10) && level(loudness.truePeak, -200...40)
            && level(loudness.samplePeak, -200...40) && (0...100).contains(loudness.range)
            && (0...1e7).contains(loudness.duration)
    }

    /// The entry's name: version tag, libebur128 version and the file's bytes, in 64 KiB chunks.
    static func key(ofFile path: String) throws(AudioFileError) -> Hash128 {
        var hash = Hash128(versionTag, LoudnessAccumulator.libraryVersion)
        guard let file = fopen(path, "rb") else {
            throw AudioFileError(
                call: "fopen", path: path, message: String(cString: strerror(errno)),
                suggestion: "Check that the file exists and is readable.")
        }
        defer { fclose(file) }
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: hashChunkBytes, alignment: 8)
        defer { chunk.deallocate() }
        guard let base = chunk.baseAddress else { return hash }
        while true {
            let got = fread(base, 1, hashChunkBytes, file)
            if got > 0 { hash.combine(bytes: UnsafeRawBufferPointer(rebasing: chunk[0..<got])) }
            if got < hashChunkBytes { break }
        }
        if ferror(file) != 0 {
            throw AudioFileError(
                call: "fread", path: path, message: String(cString: strerror(errno)),
                suggestion: "The file or its disk may be damaged; copy it again from its source.")
        }
        return hash
    }

    /// The measurement in the entry at `path` (named by its key, `KEY.json`), or nil as ``read(_:key:)``.
    private static func read(_ path: String) -> Loudness? {
        let name = (path as NSString).lastPathComponent
        return read(path, key: String(name.dropLast(".json".count)))
    }

    /// Writes the entry for the file at `path` into `folder`, as the cache would keep it (how the
    /// bundled `Audio/loudness` seeds are made). Returns the entry's path.
    @discardableResult
    public static func writeSeed(ofFile path: String, into folder: String) throws -> String {
        let key = try key(ofFile: path).hexString
        let loudness = try LoudnessMeter.measure(file: path)
        let seeds = LoudnessCache(directory: folder)
        let entry = folder + "/" + key + ".json"
        seeds.store(loudness, key: key, at: entry)
        return entry
    }

    /// The measurement in the entry at `path`, named `key`, or `nil` when it is missing, damaged, implausible,
    /// from another version or not a small regular file.
    private static func read(_ path: String, key: String) -> Loudness? {
        guard let bytes = CacheFile.read(path, maximumBytes: maximumEntryBytes),
            let entry = try? JSONDecoder().decode(Entry.self, from: Data(bytes)),
            entry.version == versionTag, entry.library == LoudnessAccumulator.libraryVersion,
            entry.check == checksum(key: key, version: entry.version, library: entry.library, loudness: entry.loudness),
            isPlausible(entry.loudness)
        else { return nil }
        return entry.loudness
    }

    /// Writes the entry through ``CacheFile``; gives up quietly on any failure (see the type's discussion).
    private func store(_ loudness: Loudness, key: String, at path: String) {
        guard let directory else { return }
        let library = LoudnessAccumulator.libraryVersion
        let entry = Entry(
            version: Self.versionTag, library: library, loudness: loudness,
            check: Self.checksum(key: key, version: Self.versionTag, library: library, loudness: loudness))
        // Sorted keys: the same measurement is the same bytes, so a regenerated seed in the repository only changes
        // when its figures do.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(entry), CacheDirectory.makeFolders(directory) == 0 else { return }
        CacheFile.write(Array(data), to: path)
    }
}
