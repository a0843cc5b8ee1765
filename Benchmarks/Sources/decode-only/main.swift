/// `decode-only`: decodes audio files and converts them to the engine rate exactly as
/// `respite render` does, and does nothing else: no mixing, no ducking, no limiter, no file written.
///
/// It is the floor under Respite's render time: `scripts/compare` runs it on the same inputs as
/// `respite render`, and the difference between the two is what mixing, ducking, the true-peak
/// limiter and writing the output cost.
///
/// Each file becomes one stream job played whole, and ``MediaStreamer/drain(_:sampleRate:)`` runs
/// the streaming loader's own code on it: libsndfile decodes, libsoxr converts the rate, the frames
/// are made stereo and written into the stream's ring, and dropped from there as the mixer would
/// read them. One thread decodes every file, as Respite's loader thread does.
///
///     decode-only [--rate HZ] FILE...
///
/// Prints, per file, its rate, channels and the frames produced at the target rate, then the total.
/// Exits 1 if a file cannot be opened, decoded or resampled, 64 on bad arguments.
import AudioIO
import Player

#if canImport(Glibc)
    import Glibc
#endif

/// Writes `message` to standard error and exits with `status`.
func fail(_ message: String, status: Int32) -> Never {
    let text = "decode-only: \(message)\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
    exit(status)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var rate = 48_000
if let index = arguments.firstIndex(of: "--rate") {
    guard index + 1 < arguments.count, let value = Int(arguments[index + 1]), value > 0 else {
        fail("--rate needs a positive number of Hz", status: 64)
    }
    rate = value
    arguments.removeSubrange(index...(index + 1))
}
guard !arguments.isEmpty, !arguments.contains(where: { $0.hasPrefix("-") }) else {
    fail("usage: decode-only [--rate HZ] FILE...", status: 64)
}

do {
    var total = 0
    for path in arguments {
        let reader = try AudioFileReader(path: path)
        let frames = try MediaStreamer.drain([MediaStreamer.wholeFile(path, sampleRate: rate)], sampleRate: rate)
        print("\(path): \(reader.sampleRate) Hz, \(reader.channels) ch -> \(frames) frames at \(rate) Hz")
        total += frames
    }
    print("decoded \(total) frames at \(rate) Hz in all")
} catch {
    fail("\(error)", status: 1)
}
