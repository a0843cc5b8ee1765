import Foundation
import Localization
import SessionKit

/// The questions before and after a session: how much of each symptom the listener has now, 0–10, in the ESAS-r
/// wording. One question a line, answered by typing a number and Enter, so that a screen reader reads each one
/// and a clinic's staff can answer for a patient. Every question can be skipped (Enter alone), and all of them at
/// once (s); a skipped question is recorded as declined, never as 0.
struct RatingQuestions {
    let terminal: Terminal
    let signals: SignalWatcher

    /// What the listener answered.
    enum Outcome: Equatable {
        /// One rating per item, in the items' order; a declined one has no value.
        case answered([Rating])
        /// Input ended or a stop signal came before the questions were done: the answers so far, the rest
        /// declined.
        case interrupted([Rating])

        var ratings: [Rating] {
            switch self {
            case .answered(let ratings), .interrupted(let ratings): ratings
            }
        }

        /// True when at least one question was answered with a number.
        var anyAnswered: Bool { ratings.contains { $0.value != nil } }
    }

    /// Asks each of `items` in turn. `opening` is said first (the phase: "Before you begin, …").
    func ask(_ items: [RatingItem], opening: String) -> Outcome {
        terminal.printWrapped(opening)
        terminal.printWrapped(Interface.text.ratingInstructions)
        var ratings: [Rating] = []
        var skippingRest = false
        for item in items {
            if skippingRest {
                ratings.append(Rating(item: item.key, value: nil))
                continue
            }
            while true {
                terminal.write("\(Interface.text.question(item))\n> ")
                guard let line = terminal.readLine(stoppingOn: signals) else {
                    terminal.write("\n")
                    ratings.append(Rating(item: item.key, value: nil))
                    let rest = items.dropFirst(ratings.count).map { Rating(item: $0.key, value: nil) }
                    return .interrupted(ratings + rest)
                }
                let answer = line.trimmingCharacters(in: .whitespaces).lowercased()
                if answer.isEmpty {
                    ratings.append(Rating(item: item.key, value: nil))
                } else if answer == "s" {
                    ratings.append(Rating(item: item.key, value: nil))
                    skippingRest = true
                } else if let value = Int(answer), (0...10).contains(value), answer.allSatisfy(\.isASCII) {
                    ratings.append(Rating(item: item.key, value: value))
                } else {
                    terminal.printWrapped(Interface.text.ratingRetry)
                    continue
                }
                break
            }
        }
        return .answered(ratings)
    }

    /// One line comparing before and after, item by item, for those rated both times: "Pain: 6 before, 3 now."
    /// Nil when nothing was rated both times. It states the numbers only; it never says what they mean.
    static func comparison(before: [Rating], after: [Rating]) -> String? {
        let parts = after.compactMap { now -> String? in
            guard let value = now.value, let earlier = before.first(where: { $0.item == now.item })?.value,
                let item = RatingItem.named(now.item)
            else { return nil }
            return Interface.text.ratingCompared(Interface.text.words(item).shortName, earlier, value)
        }
        return parts.isEmpty ? nil : Interface.text.ratingComparisons(parts)
    }
}

extension InterfaceText {
    /// The words for `item` in this language (the item's own, English, for one the table does not name).
    func words(_ item: RatingItem) -> RatingWords {
        ratingItems[item.key]
            ?? RatingWords(item.name, short: item.shortName, low: item.low, high: item.high, when: item.when)
    }

    /// "Pain now: 0 = no pain … 10 = worst possible pain", in this language.
    func question(_ item: RatingItem) -> String {
        let words = words(item)
        return question(words.name, words.when, words.low, words.high)
    }
}
