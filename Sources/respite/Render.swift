import ArgumentParser
import AudioIO
import Foundation
import Player
import SessionKit

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render a session to a WAV, FLAC or Ogg Vorbis file.",
        discussion: """
            The file holds exactly what live playback would play, sample for sample. FLAC is \
            lossless and about half the size of WAV; Ogg is smallest, for phones.

            Examples:
              respite render pmr-short -o pmr-short.flac
              respite render my-session.json -o draft.wav --set music=none --rate 44100
            """)

    @Argument(help: "A session file or a bundled session id.")
    var session: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Output file: .wav, .flac or .ogg.", valueName: "file"))
    var output: String

    @Option(
        help: ArgumentHelp(
            "Sample format for WAV and FLAC: pcm16, pcm24 or float32 (WAV only).", valueName: "format"))
    var sampleFormat: AudioFileFormat.SampleFormat = .pcm24

    @OptionGroup var options: SessionOptions

    func run() throws {
        let catalog = SessionCatalog.locate()
        try renderSession(session, to: output, sampleFormat: sampleFormat, options: options, catalog: catalog)
    }
}

extension AudioFileFormat.SampleFormat: ExpressibleByArgument {}

/// Renders `name` to `output`, with its progress on one line rewritten in place when standard error is a terminal
/// (``ProgressLine``; nothing when it is not); shared by `render` and `play`.
///
/// The file appears only once complete (``AtomicFile``): until then, and after any failure or Ctrl-C, an earlier
/// file of that name is unchanged. `output` may not be one of the session's own inputs.
///
/// - Parameter keepExisting: never replace a file: write to the first free name of `output`, `output-2`, … (the
///   `play` fallback, which chose the name itself).
func renderSession(
    _ name: String, to output: String, sampleFormat: AudioFileFormat.SampleFormat = .pcm24, options: SessionOptions,
    catalog: SessionCatalog, keepExisting: Bool = false
) throws {
    // The fallback's own name: the first of ID.flac, ID-2.flac, … that nothing (not even a folder or a link) holds.
    let requested = output
    let output = keepExisting ? numberedNames(requested).first(where: isFree) ?? requested : requested
    let format: AudioFileFormat
    do {
        // A folder, a FIFO, a device or a NUL in the name is refused before the slow work.
        try AtomicFile.check(output)
        format = try AudioFileFormat.format(forPath: output, sampleFormat: sampleFormat)
    } catch let error as OutputFileError {
        report(error.description)
        throw ExitStatus.cannotWrite
    } catch {
        report("\(error)")
        throw ExitStatus.cannotWrite
    }
    let prepared: PreparedSession
    do {
        prepared = try options.prepare(name, catalog: catalog)
    } catch let error as StreamFailure {
        // Measuring the programme loudness reads every source too, and may meet the failure first.
        report("\(error.description) Nothing was written to '\(output)'; an earlier file of that name is unchanged.")
        throw ExitStatus.ioFailure
    } catch {
        throw fail(error, context: name)
    }
    let progress = ProgressLine("Rendering")
    let frames: Int
    let written: String
    do {
        defer { progress.finish() }
        let file = try AtomicFile(replacing: output, protecting: sessionInputs(prepared, name: name, catalog: catalog))
        frames = try OfflineRenderer.render(prepared, into: file, format: format) { fraction in
            progress.update(fraction)
        }
        if keepExisting {
            // Another process may take the name meanwhile: the next free one is used then, never replaced.
            written = try file.commitWithoutReplacing(names: numberedNames(requested).filter(isFree))
        } else {
            try file.commit()
            written = output
        }
    } catch let error as OutputFileError {
        report(error.description)
        throw ExitStatus.cannotWrite
    } catch let error as StreamFailure {
        report("\(error.description) Nothing was written to '\(output)'; an earlier file of that name is unchanged.")
        throw ExitStatus.ioFailure
    } catch let error as AudioFileError where error.path == output {
        report("\(error.description) Check that the folder exists and can be written, or choose another -o file.")
        throw ExitStatus.cannotWrite
    } catch {
        throw fail(error, context: output)
    }
    let timeline = prepared.timeline
    printLine(
        "wrote \(written): \"\(prepared.session.title)\", \(clock(timeline.seconds(frames), tenths: true)), "
            + "\(frames) frames at \(timeline.sampleRate) Hz, stereo, \(format)")
}

/// The files a render of this session must not write over: the session file, every sound it plays (recordings,
/// bundled audio, cached speech clips) and the configuration file.
private func sessionInputs(_ prepared: PreparedSession, name: String, catalog: SessionCatalog) -> [String] {
    var inputs = prepared.inputFiles
    if let file = try? catalog.file(for: name) { inputs.append(file) }
    if let configuration = Configuration.defaultPath() { inputs.append(configuration) }
    return inputs
}

/// True when nothing at all (no file, folder or link, even a dangling one) has the name `path`.
private func isFree(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) != 0 && errno == ENOENT
}

/// `folder/ID.flac`, then `folder/ID-2.flac` … `folder/ID-999.flac`.
func numberedNames(_ path: String) -> [String] {
    let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
    let name = path[slash...]
    let dot = name.lastIndex(of: ".") ?? name.endIndex
    let (stem, suffix) = (path[..<dot], path[dot...])
    return [path] + (2...999).map { "\(stem)-\($0)\(suffix)" }
}
