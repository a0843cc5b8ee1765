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

    func run() throws {
        guard let store = try openHistory(history) else {
            report("No sessions are recorded yet, so there is no run \(number) to continue.")
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
            report("There is no run \(number) in the history; `respite history` lists the runs and their numbers.")
            throw ExitStatus.notFound
        }
        let again = PlayStart.command(summary.source)
        switch summary.ending {
        case .finished:
            printLine("Run \(number) (\(summary.title)) played to its end; to play it again: \(again)")
            return
        case .open:
            report("Run \(number) (\(summary.title)) is playing now; stop it first.")
            throw ExitStatus.temporaryFailure
        default:
            break
        }
        var arguments = [summary.source, "--yes", "--device", device]
        for assignment in summary.parameters { arguments += ["--set", assignment] }
        if let step = summary.step {
            arguments += ["--from", String(step.number)]
            printLine(
                "Continuing run \(number), \(summary.title), from the start of step \(step.number): \(step.title).")
        } else {
            printLine("Run \(number), \(summary.title), stopped before its first step; it starts from the beginning.")
        }
        if let history { arguments += ["--history", history] }
        if plain { arguments.append("--plain") }
        if let file = try? SessionCatalog.locate().file(for: summary.source),
            let bytes = try? InputFile.read(file, maximumBytes: SessionLoader.maximumFileSize),
            HistoryRecorder.hash(bytes) != summary.fileHash
        {
            printLine(
                "note: the session has changed since that run; step \(summary.step?.number ?? 1) may not be the same.")
        }
        let play = try Play.parse(arguments)
        try play.run()
    }
}
