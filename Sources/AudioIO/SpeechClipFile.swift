import CSndFile
import FileAccess
import Foundation

/// The speech cache's file format, and the checks that make a cached clip trusted only once verified.
///
/// A clip is a WAV file, 16-bit PCM, mono, at espeak-ng's rate, whose INFO comment (written by libsndfile after the
/// samples) reads `respite-speech-2 key=K frames=N rate=R samples=H`: the cache key the clip was made for (its file
/// name), the frame count, the rate and a 128-bit ``Hash128`` of the samples. A cached file is used only when it
/// is a regular file (not a link, FIFO or device), not larger than a clip can be, a mono 16-bit WAV whose header,
/// comment and samples all agree: a clip cut short, emptied, resampled, damaged anywhere, or another entry's clip
/// copied over it is found and synthesised again, never played. (Bytes appended after the WAV's chunks are
/// ignored: no reader plays them.)
///
/// Thread safety: stateless; call from any thread. Real-time safety: none (file I/O).
enum SpeechClipFile {
    /// The tag at the start of every clip's comment; a change of the clip's format or of how it is made changes it.
    static let commentTag = "respite-speech-2"
    /// Samples per block of the samples' hash, so the hash does not depend on how the samples were read or written.
    static let hashBlock = 4_096

    /// The cache key a clip at `path` must be stamped with: its file name without `.wav`.
    static func key(of path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return name.hasSuffix(".wav") ? String(name.dropLast(4)) : name
    }

    /// The clip at `path` when it verifies; nil for a missing, damaged or foreign file.
    static func verifiedClip(at path: String, maximumFrames: Int) -> SpeechClip? {
        var link = stat()
        guard lstat(path, &link) == 0, link.st_mode & S_IFMT == S_IFREG,
            Int(link.st_size) <= 44 + 2 * maximumFrames + 4_096
        else { return nil }
        // Opened without blocking and checked again on the descriptor, so what is verified is what was lstat'ed.
        guard let descriptor = try? InputFile.open(path) else { return nil }
        var opened = stat()
        guard fstat(descriptor, &opened) == 0, opened.st_ino == link.st_ino, opened.st_dev == link.st_dev else {
            close(descriptor)
            return nil
        }
        var info = SF_INFO()
        guard let handle = sf_open_fd(descriptor, Int32(SFM_READ), &info, 1) else {
            close(descriptor)
            return nil
        }
        defer { sf_close(handle) }
        guard info.format == Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16), info.channels == 1, info.samplerate > 0,
            let comment = sf_get_string(handle, Int32(SF_STR_COMMENT)).map({ String(cString: $0) }),
            let stamp = Stamp(comment), stamp.key == key(of: path), stamp.frames == Int(info.frames),
            stamp.sampleRate == Int(info.samplerate),
            stamp.frames > 0, stamp.frames <= maximumFrames
        else { return nil }
        var digest = SampleDigest()
        var block = [Int16](repeating: 0, count: hashBlock)
        while digest.count <= stamp.frames {
            let got = block.withUnsafeMutableBufferPointer { buffer in
                Int(sf_readf_short(handle, buffer.baseAddress, sf_count_t(buffer.count)))
            }
            if got <= 0 { break }
            block.withUnsafeBufferPointer { digest.add(UnsafeBufferPointer(rebasing: $0[0..<got])) }
        }
        guard sf_error(handle) == 0, digest.count == stamp.frames, digest.hexString == stamp.samples else {
            return nil
        }
        return SpeechClip(path: path, frames: stamp.frames, sampleRate: stamp.sampleRate, synthesised: false)
    }

    /// What a clip's comment records.
    struct Stamp: Equatable {
        /// The cache key, ``key(of:)`` of the clip's path.
        var key: String
        var frames: Int
        var sampleRate: Int
        /// ``SampleDigest/hexString`` of the samples.
        var samples: String

        init(key: String, frames: Int, sampleRate: Int, samples: String) {
            self.key = key
            self.frames = frames
            self.sampleRate = sampleRate
            self.samples = samples
        }

        /// Parses `respite-speech-2 key=K frames=N rate=R samples=H`; nil for anything else.
        init?(_ comment: String) {
            let fields = comment.split(separator: " ")
            guard fields.count == 5, fields[0] == commentTag, fields[1].hasPrefix("key="),
                fields[2].hasPrefix("frames="), let frames = Int(fields[2].dropFirst(7)),
                fields[3].hasPrefix("rate="), let rate = Int(fields[3].dropFirst(5)),
                fields[4].hasPrefix("samples="), fields[4].count == 8 + 32
            else { return nil }
            self.init(
                key: String(fields[1].dropFirst(4)), frames: frames, sampleRate: rate,
                samples: String(fields[4].dropFirst(8)))
        }

        var comment: String {
            "\(commentTag) key=\(key) frames=\(frames) rate=\(sampleRate) samples=\(samples)"
        }
    }
}

/// A 128-bit hash of a stream of 16-bit samples that does not depend on how the stream is cut into buffers.
///
/// Two 64-bit lanes fed a word (four samples) at a time, each multiply-xorshift, finished with SplitMix64's
/// avalanche: about eight times faster than the byte-wise ``Hash128``, as every cached clip is hashed each time a
/// session is prepared (about 15 MB for pmr-short). It detects damage, not forgery: it is not cryptographic.
struct SampleDigest {
    private var laneA: UInt64 = 0x243F_6A88_85A3_08D3
    private var laneB: UInt64 = 0x1319_8A2E_0370_7344
    private var block: [Int16] = []
    /// Samples added so far.
    private(set) var count = 0

    init() { block.reserveCapacity(SpeechClipFile.hashBlock) }

    /// Adds `samples` in order.
    mutating func add(_ samples: UnsafeBufferPointer<Int16>) {
        var rest = samples[...]
        while !rest.isEmpty {
            let take = min(rest.count, SpeechClipFile.hashBlock - block.count)
            block.append(contentsOf: rest.prefix(take))
            rest = rest.dropFirst(take)
            if block.count == SpeechClipFile.hashBlock { flush() }
        }
        count += samples.count
    }

    /// The hash of everything added, as 32 hexadecimal digits (the samples' bytes in this machine's order, which
    /// is little-endian on every platform Respite runs on).
    var hexString: String {
        var copy = self
        copy.flush()
        copy.mix(UInt64(copy.count))
        return Self.hex(Self.avalanche(copy.laneA)) + Self.hex(Self.avalanche(copy.laneB ^ copy.laneA.rotated))
    }

    /// Mixes the buffered samples, four to a word; only the stream's last block can leave a part word.
    private mutating func flush() {
        guard !block.isEmpty else { return }
        block.withUnsafeBytes { bytes in
            let words = bytes.count / 8
            for index in 0..<words {
                mix(bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
            }
            var last: UInt64 = 0
            for offset in (words * 8)..<bytes.count {
                last |= UInt64(bytes[offset]) << UInt64(8 * (offset - words * 8))
            }
            if words * 8 < bytes.count { mix(last ^ 0x8000_0000_0000_0000) }
        }
        block.removeAll(keepingCapacity: true)
    }

    private mutating func mix(_ word: UInt64) {
        laneA = (laneA ^ word) &* 0x9E37_79B9_7F4A_7C15
        laneA ^= laneA >> 29
        laneB = (laneB &+ word) &* 0xBF58_476D_1CE4_E5B9
        laneB ^= laneB >> 31
    }

    private static func avalanche(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

extension UInt64 {
    fileprivate var rotated: UInt64 { (self << 32) | (self >> 32) }
}
