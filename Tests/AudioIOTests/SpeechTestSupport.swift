import Foundation
import Testing

@testable import AudioIO

/// Helpers for the speech tests: stamped clips made by hand, folder snapshots, the samples of a clip.
enum SpeechTestClips {
    /// Writes `samples` as a cache clip stamped for entry `key` (22050 Hz) at `path`, through the cache's own
    /// writer, and returns `path`.
    static func write(_ samples: [Int16], to path: String, key: String = "clip", sampleRate: Int = 22_050) throws
        -> String
    {
        try pending(samples, at: path, key: key, sampleRate: sampleRate).commit()
        return path
    }

    /// A finished clip of `samples` in a temporary file that will replace `path`, not yet put in place.
    static func pending(_ samples: [Int16], at path: String, key: String = "clip", sampleRate: Int = 22_050) throws
        -> AtomicFile
    {
        let (file, writer) = try writer(at: path, key: key, sampleRate: sampleRate, maximumFrames: 1 << 24)
        try samples.withUnsafeBufferPointer { (buffer) throws(SpeechError) in try writer.append(buffer) }
        _ = try writer.finish()
        return file
    }

    /// The cache's own writer, into a temporary file that will replace `path` when committed.
    static func writer(at path: String, key: String, sampleRate: Int = 22_050, maximumFrames: Int) throws
        -> (AtomicFile, SpeechClipWriter)
    {
        let file = try AtomicFile(replacing: path, removingStale: false, asCacheEntry: true)
        return (file, try SpeechClipWriter(file: file, key: key, sampleRate: sampleRate, maximumFrames: maximumFrames))
    }

    /// The 16-bit samples of a clip, read with libsndfile.
    static func samples(_ path: String) throws -> [Int16] {
        try AudioFileReader(path: path).readAll().map { Int16(($0 * 32_768).rounded()) }
    }
}

/// Every file under a folder (links not followed), by relative path, with its kind and bytes: compared before and
/// after a hostile case to show nothing changed.
struct FolderSnapshot: Equatable, CustomStringConvertible {
    var entries: [String: String]

    init(_ root: String) {
        entries = [:]
        let manager = FileManager.default
        guard let names = manager.subpaths(atPath: root) else { return }
        for name in names {
            let path = root + "/" + name
            var status = stat()
            guard lstat(path, &status) == 0 else { continue }
            switch status.st_mode & S_IFMT {
            case S_IFREG:
                let bytes = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
                entries[name] = "file \(bytes.count) \(bytes.hashValue)"
            case S_IFLNK:
                entries[name] = "link " + ((try? manager.destinationOfSymbolicLink(atPath: path)) ?? "?")
            case S_IFDIR: entries[name] = "folder"
            default: entries[name] = "other \(status.st_mode & S_IFMT)"
            }
        }
    }

    var description: String { entries.keys.sorted().map { "\($0): \(entries[$0] ?? "")" }.joined(separator: "\n") }
}
