import ArgumentParser
import Foundation
import Localization

/// The interface's words for this run of the program: `--lang` when a command was given one, else the locale's
/// (``Language/interface(option:environment:)``). Set once, before any thread starts, by the command that runs.
enum Interface {
    nonisolated(unsafe) private static var chosen: InterfaceText?

    /// The locale's, read from the environment once (the panel asks for its words every redraw).
    private static let fromLocale = InterfaceText.table(
        Language.interface(option: nil, environment: ProcessInfo.processInfo.environment) ?? .english)

    /// The words to show.
    static var text: InterfaceText { chosen ?? fromLocale }

    /// Takes `--lang`: from here on ``text`` is in that language.
    ///
    /// - Throws: a `ValidationError` naming the languages there are, for one Respite has no words for.
    static func choose(_ option: String?) throws {
        guard let option else { return }
        guard let language = Language.interface(option: option, environment: [:]) else {
            throw ValidationError(
                "--lang \(option): Respite's screens are in \(Language.allCases.map { "\($0.rawValue) (\($0.nativeName))" }.joined(separator: ", "))."
            )
        }
        chosen = InterfaceText.table(language)
    }
}
