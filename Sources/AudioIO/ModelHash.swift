import Foundation

/// The content hash of a Piper voice (its model and its `.onnx.json`, which holds the noise settings and the
/// phoneme map), part of every clip's cache key, so a voice replaced or edited under the same name speaks anew.
///
/// A model is 20–120 MB, so its hash is remembered: in memory for the process, and on disk beside the speech cache
/// (`model-<stamp>.hash`, named by the file's path, device, inode, size and modification time), so a later process
/// reads a 32-character file instead of the model. A model changed in place gets a new modification time and so a
/// new stamp. When the note cannot be written, the hash is simply taken again next time.
///
/// Thread safety: safe from any thread.
final class ModelHash: @unchecked Sendable {
    static let shared = ModelHash()
    private let lock = NSLock()
    private var known: [String: String] = [:]

    /// The hash of the file at `path`, as hex.
    ///
    /// - Throws: ``SpeechError`` of kind `.engine` when the model cannot be read.
    func hash(of path: String, config: String, cacheDirectory: String) throws(SpeechError) -> String {
        var stamp = Hash128("model")
        for file in [path, config] {
            var info = stat()
            guard stat(file, &info) == 0 else {
                throw PiperProcess.failure("stat(\(file))", "cannot read the Piper voice: \(PiperProcess.errnoText())")
            }
            for field in [
                file, String(info.st_dev), String(info.st_ino), String(info.st_size), String(info.st_mtim.tv_sec),
                String(info.st_mtim.tv_nsec),
            ] {
                stamp.combine(field)
            }
        }
        let stampText = stamp.hexString
        lock.lock()
        defer { lock.unlock() }
        if let hash = known[stampText] { return hash }
        let note = cacheDirectory + "/model-" + stampText + ".hash"
        if let data = FileManager.default.contents(atPath: note), data.count == 32,
            let text = String(data: data, encoding: .utf8), text.allSatisfy(\.isHexDigit)
        {
            known[stampText] = text
            return text
        }
        let hash = try Self.contentHash([path, config])
        known[stampText] = hash
        let temporary = note + ".\(getpid()).tmp"
        if FileManager.default.createFile(atPath: temporary, contents: Data(hash.utf8)) {
            if rename(temporary, note) != 0 { unlink(temporary) }
        }
        return hash
    }

    /// Reads the files, in order, in 1 MiB blocks into one ``Hash128``.
    static func contentHash(_ paths: [String]) throws(SpeechError) -> String {
        var hash = Hash128("piper-model")
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 8)
        defer { block.deallocate() }
        for path in paths { try add(path, to: &hash, block: block) }
        return hash.hexString
    }

    private static func add(_ path: String, to hash: inout Hash128, block: UnsafeMutableRawBufferPointer)
        throws(SpeechError)
    {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw PiperProcess.failure("open(\(path))", "cannot read the Piper voice: \(PiperProcess.errnoText())")
        }
        defer { close(descriptor) }
        hash.combine(path.hasSuffix(".json") ? "config" : "model")
        while true {
            let count = read(descriptor, block.baseAddress, block.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw PiperProcess.failure("read(\(path))", "cannot read the Piper model: \(PiperProcess.errnoText())")
            }
            if count == 0 { break }
            hash.combine(bytes: UnsafeRawBufferPointer(rebasing: block[..<count]))
        }
    }
}
