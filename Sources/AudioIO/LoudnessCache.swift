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
/// Each entry is a small JSON file, written to a temporary file in the cache directory, synced and renamed into
/// place, so a crash never leaves half an entry under a cache name. An entry that does not parse, or that another
/// version wrote, is measured again and replaced.
///
/// The cache is an optimisation, never a requirement: when the directory cannot be created or written (a read-only
/// home on a clinic machine), ``loudness(ofFile:)`` still returns the measurement and simply measures again next
/// time.
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

    /// The directory holding the entries; created on the first store.
    public let directory: String

    private let measurements = ManagedAtomic<Int>(0)

    /// How many files this cache has measured (cache misses) since it was created; a hit does not count.
    public var measured: Int { measurements.load(ordering: .relaxed) }

    private let hashings = ManagedAtomic<Int>(0)

    /// How many times this cache has read a whole file to hash its content (an unchanged file
    /// seen before is not read).
    public var hashed: Int { hashings.load(ordering: .relaxed) }

    /// Creates a cache in `directory`; nothing is touched until the first lookup.
    ///
    /// - Parameter directory: where entries are kept; see ``defaultDirectory()``.
    public init(directory: String = LoudnessCache.defaultDirectory()) {
        self.directory = directory
    }

    /// `$XDG_CACHE_HOME/respite/loudness`, else `~/.cache/respite/loudness`, else a directory under the system's
    /// temporary directory when there is no home (a service account).
    public static func defaultDirectory() -> String {
        let environment = ProcessInfo.processInfo.environment
        // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return xdg + "/respite/loudness"
        }
        if let home = environment["HOME"], home.hasPrefix("/") {
            return home + "/.cache/respite/loudness"
        }
        return NSTemporaryDirectory() + "respite-loudness"
    }

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
        let identityPath = Self.identity(ofFile: path).map { directory + "/by-identity/" + $0.hexString }
        if let identityPath, let known = Self.readKey(identityPath),
            let cached = Self.read(directory + "/" + known + ".json")
        {
            return cached
        }
        let key = try Self.key(ofFile: path)
        hashings.wrappingIncrement(ordering: .relaxed)
        let entryPath = directory + "/" + key.hexString + ".json"
        if let cached = Self.read(entryPath) {
            if let identityPath { remember(key, at: identityPath) }
            return cached
        }

        let loudness = try LoudnessMeter.measure(file: path)
        measurements.wrappingIncrement(ordering: .relaxed)
        // A file rewritten while it was being measured (a narration re-recorded in place) must not file the new
        // measurement under the old content's name.
        if (try? Self.key(ofFile: path)) == key {
            store(loudness, at: entryPath)
            if let identityPath { remember(key, at: identityPath) }
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

    /// The content key recorded at `path`: exactly 32 hexadecimal digits, else nil.
    private static func readKey(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path), data.count == 32,
            let text = String(data: data, encoding: .ascii), text.allSatisfy(\.isHexDigit)
        else { return nil }
        return text
    }

    /// Records that the file with this identity has content `key`. Not synced: a record lost or
    /// torn by a power cut is only a slower lookup next time.
    private func remember(_ key: Hash128, at path: String) {
        let folder = (path as NSString).deletingLastPathComponent
        guard (try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)) != nil
        else { return }
        let temporary = path + ".tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(key.hexString.utf8)) else { return }
        if rename(temporary, path) != 0 { unlink(temporary) }
    }

    /// What an entry file holds: the measurement and the tags it was made under, checked again on reading.
    private struct Entry: Codable {
        var version: String
        var library: String
        var loudness: Loudness
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

    /// The measurement in the entry at `path`, or `nil` when it is missing, damaged or from another version.
    private static func read(_ path: String) -> Loudness? {
        guard let data = FileManager.default.contents(atPath: path),
            let entry = try? JSONDecoder().decode(Entry.self, from: data),
            entry.version == versionTag, entry.library == LoudnessAccumulator.libraryVersion,
            entry.loudness.duration >= 0, entry.loudness.range >= 0
        else { return nil }
        return entry.loudness
    }

    /// Writes the entry to a temporary file beside `path`, syncs it, and renames it over `path`; gives up quietly on
    /// any failure (see the type's discussion).
    private func store(_ loudness: Loudness, at path: String) {
        let entry = Entry(version: Self.versionTag, library: LoudnessAccumulator.libraryVersion, loudness: loudness)
        guard let data = try? JSONEncoder().encode(entry),
            (try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)) != nil
        else { return }
        let temporary = directory + "/.tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).json"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else { return }
        let complete = data.withUnsafeBytes { bytes -> Bool in
            var offset = 0
            while offset < bytes.count, let base = bytes.baseAddress {
                let written = write(descriptor, base + offset, bytes.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { return false }
                offset += written
            }
            return true
        }
        // Without the sync, a power cut after the rename could leave an entry name pointing at empty blocks.
        let synced = fsync(descriptor) == 0
        close(descriptor)
        if !complete || !synced || rename(temporary, path) != 0 {
            unlink(temporary)
        }
    }
}
