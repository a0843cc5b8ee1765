import ArgumentParser
import FileAccess
import Foundation
import History
import SessionKit

struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue a run from the history that did not finish, from the start of its step.",
        discussion: """
            Plays the run's session again with the same choices, starting at the beginning of the step it was \
            in when it stopped, was interrupted or lost its sound device. `respite history` lists the runs and \
            their numbers. The continuation is recorded as a run of its own.

            Examples:
              respite resume 42
              respite resume 42 --device infusion-room --plain
            """)

    @Argument(help: "The run's number, as `respite history` shows it.")
    var number: Int64

    @Option(help: ArgumentHelp("The history database.", valueName: "file"))
    var history: String?

    @Option(help: ArgumentHelp("ALSA playback device (`respite devices` lists them).", valueName: "name"))
    var device: String = "default"

    @Flag(help: "One line per event, no redrawing (for screen readers and logs).")
    var plain = false

    @Option(
        help: ArgumentHelp(
            "The language of the screen and questions: en, es or zh (default: from LANG, LC_MESSAGES or LC_ALL).",
            valueName: "code"))
    var lang: String?

    func run() throws {
        try Interface.choose(lang)
        let text = Interface.text
        guard let store = try openHistory(history) else {
            report(text.resumeNothingRecorded(number))
            throw ExitStatus.notFound
        }
        let found: RunSummary?
        do {
            found = try store.run(number)
        } catch {
            report(error.description)
            throw ExitStatus.ioFailure
        }
        guard let summary = found else {
            report(text.resumeNoSuchRun(number))
            throw ExitStatus.notFound
        }
        let again = PlayStart.command(summary.source)
        switch summary.ending {
        case .finished:
            printLine(text.resumeFinished(number, summary.title, again))
            return
        case .open:
            report(text.resumePlaying(number, summary.title))
            throw ExitStatus.temporaryFailure
        default:
            break
        }
        var arguments = [summary.source, "--yes", "--device", device]
        for assignment in summary.parameters { arguments += ["--set", assignment] }
        if let step = summary.step {
            arguments += ["--from", String(step.number)]
            printLine(text.resumeFromStep(number, summary.title, step.number, step.title))
        } else {
            printLine(text.resumeFromStart(number, summary.title))
        }
        if let lang { arguments += ["--lang", lang] }
        if let history { arguments += ["--history", history] }
        if plain { arguments.append("--plain") }
        if let file = try? SessionCatalog.locate().file(for: summary.source),
            let bytes = try? InputFile.read(file, maximumBytes: SessionLoader.maximumFileSize),
            HistoryRecorder.hash(bytes) != summary.fileHash
        {
            printLine(text.resumeChanged(summary.step?.number ?? 1))
        }
        let play = try Play.parse(arguments)
        try play.run()
    }
}
