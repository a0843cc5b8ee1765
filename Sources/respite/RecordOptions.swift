import ArgumentParser
import Foundation
import History
import Player
import SessionKit

/// `play`'s options for what is recorded: where the history is, and the ratings before and after.
struct RecordOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The history database (default: the configuration's \\\"history\\\", else "
                + "$XDG_DATA_HOME/respite/history.sqlite); every play is recorded there.",
            valueName: "file"))
    var history: String?

    @Option(
        help: ArgumentHelp(
            "Ratings before the session, 0–10 (- declines one), instead of asking: pain=6,anxiety=4.",
            valueName: "ratings"))
    var before: String?

    @Option(help: ArgumentHelp("Ratings after the session, as --before, instead of asking.", valueName: "ratings"))
    var after: String?

    @Flag(help: "Do not ask how you feel before and after the session.")
    var noRatings = false

    /// Checks `--before` and `--after` before anything is shown.
    func check() throws {
        if history?.isEmpty == true { throw ValidationError("--history needs a file's path.") }
        for (name, value) in [("--before", before), ("--after", after)] {
            guard let value else { continue }
            if case .failure(let problem) = parseRatings(value) { throw ValidationError("\(name): \(problem)") }
        }
        if noRatings && (before != nil || after != nil) {
            throw ValidationError("--no-ratings and --before/--after disagree; give one of them.")
        }
    }

    /// The ratings given with `--before` or `--after` (checked by ``check()``).
    func given(_ phase: RatingPhase) -> [Rating]? {
        guard let text = phase == .before ? before : after else { return nil }
        return try? parseRatings(text).get()
    }

    /// The items to ask: the configuration's (pain and anxiety unless it says otherwise), then the session's own.
    static func items(configuration: Configuration, session: Session) -> [RatingItem] {
        RatingItem.items(configuration.ratings.items + session.ratings)
    }
}
