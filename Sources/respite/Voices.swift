import ArgumentParser
import AudioIO
import Foundation
import Localization
import Player
import SessionKit

struct Voices: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the installed voices, by engine and language, and which one each bundled session uses.",
        discussion: """
            Narration without a recording is spoken by Piper (a natural, neural voice) where it is installed \
            and the session asks for it, and by espeak-ng otherwise. `make voices` installs Piper and the \
            en_US-joe-medium voice under $XDG_DATA_HOME/respite (~/.local/share/respite). A clinic adds a Piper \
            voice by copying its .onnx and .onnx.json files into ~/.local/share/respite/voices, or into \
            /usr/local/share/respite/voices for every user; RESPITE_VOICES (folders separated by ':') and \
            RESPITE_PIPER (the piper program; empty turns the neural engine off) override where Respite looks.

            Examples:
              respite voices
              respite voices --json
            """)

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var logging: LoggingOptions

    struct Entry: Encodable {
        var voice: String
        var engine: String
        var name: String
        var language: String
        var detail: String
        var path: String?
    }

    struct SessionUse: Encodable {
        var id: String
        /// The session's `language`.
        var language: String
        /// `engine:name` of the voice that speaks it here.
        var voice: String
        /// What the session asks for.
        var requested: String
        /// Why the two differ, when they do.
        var notice: String?
    }

    struct Document: Encodable {
        var piper: String?
        var piperProblem: String?
        var voiceFolders: [String]
        var voices: [Entry]
        var sessions: [SessionUse]
    }

    func run() throws {
        let synthesizer: SpeechSynthesizer
        do {
            synthesizer = try SpeechSynthesizer()
        } catch {
            throw fail(error, context: "the speech cache")
        }
        let piper = synthesizer.piper
        var voices = synthesizer.neuralVoices()
        var espeakProblem: String?
        do {
            voices += try synthesizer.espeakVoices()
        } catch {
            espeakProblem = error.description
        }
        let catalog = SessionCatalog.locate()
        let preparer = SessionPreparer(sampleRate: 48_000, audioRoot: catalog.audioRoot, synthesizer: synthesizer)
        var uses: [SessionUse] = []
        for file in catalog.bundledFiles() {
            guard let session = try? catalog.load(file) else { continue }
            let voice = session.voice
            let requested =
                voice.requestedEngine == .piper
                ? "piper:" + (voice.model ?? "(\(session.language))")
                : "espeak:" + (voice.name ?? Language.espeakVoice(forLanguage: session.language))
            let choice = try? preparer.speechVoice(for: voice, language: session.language)
            uses.append(
                SessionUse(
                    id: session.id, language: session.language, voice: choice?.voice.description ?? requested,
                    requested: requested,
                    notice: choice?.notice))
        }
        if json {
            let document = Document(
                piper: piper.program, piperProblem: piper.problem, voiceFolders: piper.folders,
                voices: voices.map {
                    Entry(
                        voice: $0.voice.description, engine: $0.voice.engine.rawValue, name: $0.voice.name,
                        language: $0.language, detail: $0.detail, path: $0.path)
                }, sessions: uses)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            printLine(String(decoding: try encoder.encode(document), as: UTF8.self))
            return
        }
        printLine("Neural voices (Piper):")
        if let program = piper.program {
            printLine("  engine: \(program)")
        }
        if let problem = piper.problem { printLine("  not available: \(problem)") }
        let neural = voices.filter { $0.voice.engine == .piper }
        for voice in neural {
            printLine(
                "  \(voice.voice.description.padding(toLength: 30, withPad: " ", startingAt: 0)) \(voice.language.padding(toLength: 8, withPad: " ", startingAt: 0)) \(voice.detail)"
            )
        }
        if neural.isEmpty { printLine("  (none installed; looked in \(piper.folders.joined(separator: ", ")))") }
        printLine("")
        printLine("espeak-ng voices (the fallback, in every language it knows):")
        if let espeakProblem { printLine("  not available: \(espeakProblem)") }
        for voice in voices where voice.voice.engine == .espeak {
            printLine("  \(voice.voice.description.padding(toLength: 30, withPad: " ", startingAt: 0)) \(voice.detail)")
        }
        printLine("")
        printLine("Bundled sessions:")
        let idWidth = max(18, uses.map(\.id.count).max() ?? 0)  // ids are [a-z0-9-]: one column each
        for use in uses {
            var line = "  \(use.id.padding(toLength: idWidth, withPad: " ", startingAt: 0)) \(use.voice)"
            if use.voice != use.requested { line += " (asks for \(use.requested))" }
            printLine(line)
        }
    }
}
