import Foundation
import SessionKit

/// What the first word on the command line asks for, before the parser sees it: a newcomer's `respite` alone,
/// `respite pmr-short` for `respite play pmr-short`, or a mistyped command.
enum FirstWord {
    /// Run with these arguments.
    case arguments([String])
    /// No arguments at all: say how to start (exit 0).
    case welcome
    /// A word that is neither a command nor a session: say what was meant (exit 64).
    case unknown(String)

    /// The subcommands, and the words the parser itself answers (`help`).
    static let commands = [
        "play", "resume", "list", "history", "export", "validate", "lint", "timeline", "render", "devices", "voices",
        "clinic", "ctl",
        "help",
    ]

    /// Reads `arguments` (without the program's name).
    ///
    /// - Parameter isSession: whether a word names a session (a file, or a session's id).
    static func route(_ arguments: [String], isSession: (String) -> Bool) -> FirstWord {
        guard let first = arguments.first else { return .welcome }
        if first.hasPrefix("-") || commands.contains(first) { return .arguments(arguments) }
        if isSession(first) { return .arguments(["play"] + arguments) }
        return .unknown(first)
    }

    /// What bare `respite` prints.
    static let welcomeText = """
        Respite plays guided relaxation sessions: progressive muscle relaxation, imagery and paced breathing.

        To begin, try a short session of muscle relaxation:
          respite play pmr-short
        (or just `respite pmr-short`). While it plays, space pauses and resumes and q stops gently.

        To see every session and how long it lasts:
          respite list

        For all the commands and options:
          respite --help
        """

    /// The message for a first word that is neither a command nor a session: the nearest command or session, and
    /// what the words may be.
    static func unknownText(_ word: String, sessionIDs: [String]) -> String {
        let shown = DisplayText.sanitized(word, singleLine: true)
        var text = "respite: '\(shown)' is not a command or a session."
        let commandWords = commands.filter { $0 != "help" }
        if let near = Suggestions.nearest(to: word, in: commandWords) {
            text += " Did you mean `respite \(near)`?"
        } else if let near = Suggestions.nearest(to: word, in: sessionIDs) {
            text += " Did you mean the session '\(near)' (`respite play \(near)`)?"
        }
        text += " Commands: \(commandWords.joined(separator: ", ")). "
        text += sessionIDs.isEmpty ? "" : "Sessions: \(sessionIDs.joined(separator: ", ")). "
        text += "`respite --help` says more."
        return text
    }
}
