import ArgumentParser
import Player
import SessionKit

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check session files and report every problem with its place.",
        discussion: """
            Each problem is reported as FILE:LINE:COLUMN: JSON.PATH: what is wrong; what to do.
            Exit status 0 when every file is valid, 65 when any is invalid, 66 when one is missing, 74 when \
            a sound file cannot be decoded.

            Besides the text, every sound file is opened and decoded, narration without a recording is \
            synthesised (and cached), and the session is laid out at default settings and checked with \
            lint's errors (a cue past the end of its step, music louder than the voice, a fade that \
            clicks): a session that validates renders and plays as written. --quick checks the text alone.

            Example:
              respite validate Sessions/pmr-short.json my-session.json
            """)

    @Argument(help: "Session files or bundled session ids.")
    var sessions: [String]

    @Flag(help: "Check the file's text only: no sound opened, no speech synthesised.")
    var quick = false

    @OptionGroup var logging: LoggingOptions

    func run() throws {
        let catalog = SessionCatalog.locate()
        var status: ExitCode?
        for name in sessions {
            do {
                let session = try catalog.load(name)
                if !quick {
                    // At the session's own settings, and with each option of each of its choices: every scene a
                    // listener can pick is spoken, laid out and checked.
                    var variants: [[String]] = [[]]
                    for choice in session.choices {
                        variants += choice.options.filter { $0.value != choice.defaultValue }.map {
                            ["\(choice.key)=\($0.value)"]
                        }
                    }
                    var errors: [(String, SessionLint.Finding)] = []
                    let options = try SessionOptions.parse([])
                    let targets = try Configuration.load().loudness
                    for assignments in variants {
                        let parameters = try session.parameters.applying(
                            assignments, to: session, loader: catalog.loader)
                        let prepared = try options.prepare(
                            session, parameters: parameters, catalog: catalog, measuringProgramme: false,
                            requireInstalledModel: true)
                        // What lint calls an error (a cue past its step, music over the voice, a fade that
                        // clicks) makes the session invalid too; its warnings are lint's to print.
                        let found = SessionLint.check(prepared, targets: targets).errors
                        let with = assignments.isEmpty ? "" : " (with \(assignments.joined(separator: " ")))"
                        errors += found.map { (with, $0) }
                    }
                    if !errors.isEmpty {
                        for (with, error) in errors {
                            let position = error.place.flatMap { $0.line > 0 ? ":\($0.line):\($0.column)" : nil }
                            report("\(name)\(position ?? ""): \(error.message)\(with)")
                        }
                        status = status == ExitStatus.notFound ? status : ExitStatus.invalidSession
                        continue
                    }
                }
                printLine("ok: \(name): \"\(session.title)\", \(session.steps.count) steps")
            } catch {
                let code = fail(error, context: name)
                // A missing file outranks an invalid one: the command could not even check it.
                if status != ExitStatus.notFound { status = code }
            }
        }
        if let status { throw status }
    }
}
