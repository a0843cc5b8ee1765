import Foundation

/// The files the decode benchmarks read: the same 3 min 16 s of music (Respite's two bundled beds,
/// `Audio/music/meadow-morning.ogg` then `tide-pad.ogg`, 48 kHz stereo) in every format Respite
/// reads, made with ffmpeg on first use and kept under the temporary directory for later runs.
///
/// Three sets, for the three kinds of file a session plays:
/// - 48 kHz stereo, the engine rate (music beds are made at it): WAV, FLAC, Ogg Vorbis, Opus and
///   MP3, decoded with no resampling;
/// - 44.1 kHz stereo, the commonest rate of bought or recorded music: WAV, FLAC, Ogg Vorbis and MP3,
///   resampled to 48 kHz (an Opus file always decodes at 48 kHz, so it has no 44.1 kHz form);
/// - 22.05 kHz mono, a narration recorded cheaply: WAV and MP3, resampled to 48 kHz and doubled to
///   stereo.
enum DecodeSources {
    /// One file to decode.
    struct Source: Sendable {
        /// Shown in the benchmark's name, e.g. `MP3 192 kb/s, 44.1 kHz stereo`.
        var title: String
        var file: String
        /// ffmpeg's options for making it from the 48 kHz stereo master.
        var options: [String]
    }

    static let sources: [Source] = {
        let stereo48 = "48 kHz stereo"
        let stereo44 = "44.1 kHz stereo"
        let mono22 = "22.05 kHz mono"
        let at44 = ["-ar", "44100"]
        let at22 = ["-ac", "1", "-ar", "22050"]
        let wav = ["-c:a", "pcm_s16le"]
        let flac = ["-c:a", "flac", "-sample_fmt", "s16"]
        let vorbis = ["-c:a", "libvorbis", "-q:a", "5"]
        let opus = ["-c:a", "libopus", "-b:a", "128k"]
        let mp3 = ["-c:a", "libmp3lame", "-b:a", "192k"]
        let mp3Speech = ["-c:a", "libmp3lame", "-b:a", "64k"]
        return [
            Source(title: "WAV 16-bit, \(stereo48)", file: "s48.wav", options: wav),
            Source(title: "FLAC 16-bit, \(stereo48)", file: "s48.flac", options: flac),
            Source(title: "Ogg Vorbis q5, \(stereo48)", file: "s48.ogg", options: vorbis),
            Source(title: "Opus 128 kb/s, \(stereo48)", file: "s48.opus", options: opus),
            Source(title: "MP3 192 kb/s, \(stereo48)", file: "s48.mp3", options: mp3),
            Source(title: "WAV 16-bit, \(stereo44)", file: "s44.wav", options: at44 + wav),
            Source(title: "FLAC 16-bit, \(stereo44)", file: "s44.flac", options: at44 + flac),
            Source(title: "Ogg Vorbis q5, \(stereo44)", file: "s44.ogg", options: at44 + vorbis),
            Source(title: "MP3 192 kb/s, \(stereo44)", file: "s44.mp3", options: at44 + mp3),
            Source(title: "WAV 16-bit, \(mono22)", file: "m22.wav", options: at22 + wav),
            Source(title: "MP3 64 kb/s, \(mono22)", file: "m22.mp3", options: at22 + mp3Speech),
        ]
    }()

    /// Where the files are kept; the version changes whenever ``sources`` does.
    static let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
        "respite-benchmarks/decode-sources-v1")

    /// Respite's repository: four folders up from this file (Benchmarks/Benchmarks/DecodeBenchmarks/).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The folder holding every source, made now if an earlier run has not made it. Safe to call from
    /// every benchmark's setup: the files are made once per process at most, and a folder is only
    /// used once complete.
    static func prepared() throws -> URL {
        try preparation.get()
    }

    private static let preparation: Result<URL, Error> = Result { try make() }

    private static func make() throws -> URL {
        let manager = FileManager.default
        let marker = folder.appendingPathComponent("complete")
        if manager.fileExists(atPath: marker.path) { return folder }

        let beds = ["meadow-morning.ogg", "tide-pad.ogg"].map {
            repository.appendingPathComponent("Audio/music").appendingPathComponent($0).path
        }
        for bed in beds where !manager.fileExists(atPath: bed) {
            throw DecodeFailure(description: "the bundled music bed \(bed) is missing")
        }
        let work = folder.deletingLastPathComponent().appendingPathComponent("decode-sources-\(getpid())")
        try? manager.removeItem(at: work)
        try manager.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? manager.removeItem(at: work) }

        let master = work.appendingPathComponent("master.wav").path
        try ffmpeg(
            [
                "-i", beds[0], "-i", beds[1], "-filter_complex", "[0:a][1:a]concat=n=2:v=0:a=1[a]", "-map", "[a]",
                "-c:a", "pcm_f32le", master,
            ])
        var arguments = ["-i", master]
        for source in sources {
            arguments += source.options + [work.appendingPathComponent(source.file).path]
        }
        try ffmpeg(arguments)
        try manager.removeItem(atPath: master)
        try Data().write(to: work.appendingPathComponent("complete"))
        try? manager.removeItem(at: folder)
        try manager.moveItem(at: work, to: folder)
        return folder
    }

    /// Runs `ffmpeg` quietly with `arguments`, overwriting outputs.
    private static func ffmpeg(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw DecodeFailure(
                description: "ffmpeg \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): "
                    + String(decoding: message, as: UTF8.self))
        }
    }
}

/// Making a benchmark input went wrong in a way no library reported.
struct DecodeFailure: Error, CustomStringConvertible {
    var description: String
}
