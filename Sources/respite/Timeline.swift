import ArgumentParser
import Foundation
import Player
import SessionKit

struct Timeline: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show when every narration, cue, breath and PMR phase happens.",
        discussion: """
            One row per event: time, step, kind and text. Times are exact: they are the frames the \
            renderer uses. Narration without a recording is synthesised (and cached) to measure it.

            Examples:
              respite timeline pmr-short
              respite timeline my-session.json --set pace=1.3 --json
            """)

    @Argument(help: "A session file or a bundled session id.")
    var session: String

    @OptionGroup var options: SessionOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let catalog = SessionCatalog.locate()
        // The first stage alone: times need every length, not the loudness or the mix.
        let layout: SessionLayout
        do {
            layout = try options.layout(session, catalog: catalog)
        } catch {
            throw fail(error, context: session)
        }
        let timeline = layout.timeline
        if json {
            printLine(try jsonText(layout))
            return
        }
        printLine(
            "\(layout.session.title) (\(layout.session.id)): \(clock(timeline.seconds(timeline.duration), tenths: true)), \(timeline.duration) frames at \(timeline.sampleRate) Hz"
        )
        if let voice = layout.voice { printLine("narration without a recording: \(voice)") }
        for entry in timeline.entries {
            let time = clock(timeline.seconds(entry.frame), tenths: true)
            let step = timeline.steps[entry.step]
            let kind = entry.kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
            let where_ = "\(step.number)".padding(toLength: 3, withPad: " ", startingAt: 0)
            printLine("\(DisplayText.padded(time, to: 9, leading: true))  \(where_) \(kind) \(entry.text)")
        }
        printLine(
            "\(DisplayText.padded(clock(timeline.seconds(timeline.duration), tenths: true), to: 9, leading: true))      end"
        )
    }

    private func jsonText(_ layout: SessionLayout) throws -> String {
        struct Event: Encodable {
            var frame: Int
            var seconds: Double
            var lengthFrames: Int
            var step: Int
            var stepTitle: String
            var kind: String
            var text: String
            /// Who speaks a narration: `piper:MODEL`, `espeak:VOICE`, or `recording`.
            var voice: String?
        }
        struct Document: Encodable {
            var id: String
            var title: String
            var sampleRate: Int
            var durationFrames: Int
            var durationSeconds: Double
            var events: [Event]
        }
        let timeline = layout.timeline
        // A narration's sound starts at its entry's frame, on the voice bus.
        var spoken: [Int: String] = [:]
        for sound in timeline.sounds where sound.bus == .voice {
            guard case .media(let media, _) = sound.source else { continue }
            switch media {
            case .speech: spoken[sound.start] = layout.voice?.description ?? "espeak"
            case .file: spoken[sound.start] = spoken[sound.start] ?? "recording"
            }
        }
        let document = Document(
            id: layout.session.id, title: layout.session.title, sampleRate: timeline.sampleRate,
            durationFrames: timeline.duration, durationSeconds: timeline.seconds(timeline.duration),
            events: timeline.entries.map {
                Event(
                    frame: $0.frame, seconds: timeline.seconds($0.frame), lengthFrames: $0.length,
                    step: timeline.steps[$0.step].number, stepTitle: timeline.steps[$0.step].title,
                    kind: $0.kind.rawValue, text: $0.text, voice: $0.kind == .narration ? spoken[$0.frame] : nil)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }
}
