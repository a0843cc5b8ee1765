import CSndFile

/// What ``AudioFileWriter`` writes: a container, its sample encoding and, for lossy codecs, a quality.
///
/// Choose one with the static constructors (``wav(_:)``, ``flac(_:)``, ``oggVorbis(quality:)``,
/// ``oggOpus(quality:)``) or from a file name with ``format(forPath:sampleFormat:)``.
public struct AudioFileFormat: Sendable, Hashable, CustomStringConvertible {
    /// The file container and codec.
    public enum Container: String, Sendable, CaseIterable {
        /// RIFF WAV, uncompressed.
        case wav
        /// FLAC, lossless.
        case flac
        /// Ogg Vorbis, lossy.
        case oggVorbis
        /// Ogg Opus, lossy; libsndfile writes it only at 8, 12, 16, 24 or 48 kHz.
        case oggOpus
    }

    /// How each sample is stored, for the lossless containers.
    public enum SampleFormat: String, Sendable, CaseIterable {
        /// Signed 16-bit integer; samples are clipped to -1…1.
        case pcm16
        /// Signed 24-bit integer; samples are clipped to -1…1.
        case pcm24
        /// IEEE 32-bit float, unclipped (WAV only; FLAC cannot store it).
        case float32
    }

    /// The container and codec.
    public let container: Container
    /// The sample encoding; ignored by the lossy containers, which encode from float.
    public let sampleFormat: SampleFormat
    /// Encoder quality for the lossy containers, 0…1 (libsndfile's VBR quality; Vorbis 0.6 is about 190 kbit/s
    /// stereo). Ignored by WAV and FLAC.
    public let quality: Double

    /// WAV, 24-bit PCM unless told otherwise.
    public static func wav(_ sampleFormat: SampleFormat = .pcm24) -> AudioFileFormat {
        AudioFileFormat(container: .wav, sampleFormat: sampleFormat, quality: 1)
    }

    /// FLAC, 24-bit unless told otherwise. `.float32` is refused by ``AudioFileWriter``.
    public static func flac(_ sampleFormat: SampleFormat = .pcm24) -> AudioFileFormat {
        AudioFileFormat(container: .flac, sampleFormat: sampleFormat, quality: 1)
    }

    /// Ogg Vorbis at `quality` 0…1 (default 0.6).
    public static func oggVorbis(quality: Double = 0.6) -> AudioFileFormat {
        AudioFileFormat(container: .oggVorbis, sampleFormat: .float32, quality: min(1, max(0, quality)))
    }

    /// Ogg Opus at `quality` 0…1 (default 0.6); the file's sample rate must be 8, 12, 16, 24 or 48 kHz.
    public static func oggOpus(quality: Double = 0.6) -> AudioFileFormat {
        AudioFileFormat(container: .oggOpus, sampleFormat: .float32, quality: min(1, max(0, quality)))
    }

    /// File name extensions ``format(forPath:sampleFormat:)`` understands, lower case, without the dot.
    public static let supportedExtensions = ["wav", "flac", "ogg", "opus"]

    /// Chooses the format from `path`'s extension (case-insensitive): `.wav` → WAV, `.flac` → FLAC,
    /// `.ogg` → Ogg Vorbis (quality 0.6), `.opus` → Ogg Opus.
    ///
    /// - Parameters:
    ///   - path: the file to be written.
    ///   - sampleFormat: sample encoding for WAV and FLAC (default 24-bit PCM).
    /// - Throws: ``AudioFileError`` listing the supported extensions when the extension is missing or unknown.
    public static func format(
        forPath path: String, sampleFormat: SampleFormat = .pcm24
    ) throws(AudioFileError) -> AudioFileFormat {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        let ext = parts.count > 1 ? parts[parts.count - 1].lowercased() : ""
        switch ext {
        case "wav": return .wav(sampleFormat)
        case "flac": return .flac(sampleFormat)
        case "ogg": return .oggVorbis()
        case "opus": return .oggOpus()
        default:
            let list = supportedExtensions.map { ".\($0)" }.joined(separator: ", ")
            throw AudioFileError(
                call: "AudioFileFormat.format(forPath:)", path: path,
                message: ext.isEmpty ? "the file name has no extension" : "'.\(ext)' is not a format Respite writes",
                suggestion: "Name the output with one of \(list).")
        }
    }

    public var description: String {
        switch container {
        case .wav: "WAV \(sampleFormat.rawValue)"
        case .flac: "FLAC \(sampleFormat.rawValue)"
        case .oggVorbis: "Ogg Vorbis q\(quality)"
        case .oggOpus: "Ogg Opus q\(quality)"
        }
    }

    /// libsndfile's `SF_FORMAT_*` code: major format ORed with the subtype.
    var sndfileFormat: Int32 {
        let subtype: Int32 =
            switch sampleFormat {
            case .pcm16: Int32(SF_FORMAT_PCM_16)
            case .pcm24: Int32(SF_FORMAT_PCM_24)
            case .float32: Int32(SF_FORMAT_FLOAT)
            }
        switch container {
        case .wav: return Int32(SF_FORMAT_WAV) | subtype
        case .flac: return Int32(SF_FORMAT_FLAC) | subtype
        case .oggVorbis: return Int32(SF_FORMAT_OGG) | Int32(SF_FORMAT_VORBIS)
        case .oggOpus: return Int32(SF_FORMAT_OGG) | Int32(SF_FORMAT_OPUS)
        }
    }

    /// Whether samples must be clipped to -1…1 on the way in (integer encodings wrap around otherwise).
    var needsClipping: Bool {
        switch container {
        case .wav, .flac: sampleFormat != .float32
        case .oggVorbis, .oggOpus: false
        }
    }

    /// Whether the codec changes the samples (Ogg Vorbis, Ogg Opus): their peaks move on encoding.
    public var isLossy: Bool { container == .oggVorbis || container == .oggOpus }
}
