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

/// Renders `name` to `output`, reporting progress on a terminal; shared by `render` and `play`.
func renderSession(
    _ name: String, to output: String, sampleFormat: AudioFileFormat.SampleFormat = .pcm24, options: SessionOptions,
    catalog: SessionCatalog
) throws {
    let format: AudioFileFormat
    do {
        format = try AudioFileFormat.format(forPath: output, sampleFormat: sampleFormat)
    } catch {
        report(error.description)
        throw ExitStatus.cannotWrite
    }
    let prepared: PreparedSession
    do {
        prepared = try options.prepare(name, catalog: catalog)
    } catch {
        throw fail(error, context: name)
    }
    let showProgress = isatty(STDERR_FILENO) == 1
    let frames: Int
    do {
        frames = try OfflineRenderer.render(prepared, to: output, format: format) { fraction in
            if showProgress { report("rendering… \(Int(fraction * 100))%") }
        }
    } catch let error as AudioFileError where error.path == output {
        report("\(error.description) Check that the folder exists and can be written, or choose another -o file.")
        throw ExitStatus.cannotWrite
    } catch {
        throw fail(error, context: output)
    }
    let timeline = prepared.timeline
    printLine(
        "wrote \(output): \"\(prepared.session.title)\", \(clock(timeline.seconds(frames), tenths: true)), "
            + "\(frames) frames at \(timeline.sampleRate) Hz, stereo, \(format)")
}
