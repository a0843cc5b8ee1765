import Foundation
import Localization

/// One question asked before and after a session: how much of one symptom the listener has *now* (sleep: lately), 0–10, in the
/// wording of the revised Edmonton Symptom Assessment System (ESAS-r), the scale integrative oncology services
/// use to measure what a session did ("0 = no pain … 10 = worst possible pain").
///
/// Only the items below can be asked: their wording is the scale's, so that a rating means the same in every
/// session and on every machine. `pain` and `anxiety` are asked by default; a session or the configuration adds
/// others by key.
public struct RatingItem: Sendable, Equatable, Hashable {
    /// Stable key, stored in the history and used by `--before pain=6`: `pain`, `anxiety`, `fatigue`, ….
    public let key: String
    /// The symptom as the scale names it: "Pain", "Tiredness (lack of energy)".
    public let name: String
    /// The meaning of 0: "no pain".
    public let low: String
    /// The meaning of 10: "worst possible pain".
    public let high: String
    /// When the rating is of: "now" for a symptom; "lately" for sleep, which is not felt in the moment.
    public let when: String

    public init(key: String, name: String, low: String, high: String, when: String = "now") {
        self.key = key
        self.name = name
        self.low = low
        self.high = high
        self.when = when
    }

    /// The name without its explanation, for a summary line: "Tiredness".
    public var shortName: String { String(name.prefix { $0 != "(" }).trimmingCharacters(in: .whitespaces) }

    /// "Pain now: 0 = no pain … 10 = worst possible pain".
    public var question: String { "\(name) \(when): 0 = \(low) … 10 = \(high)" }

    /// The items Respite can ask, in the order the questions are asked, in English words (the interface's
    /// English table: one place for them; other languages' words are in their tables, by key).
    public static let known: [RatingItem] = [
        "pain", "anxiety", "fatigue", "drowsiness", "nausea", "appetite", "breathlessness", "depression", "wellbeing",
        "sleep",
    ].compactMap { key in
        InterfaceText.english.ratingItems[key].map {
            RatingItem(key: key, name: $0.name, low: $0.low, high: $0.high, when: $0.when)
        }
    }

    /// Asked when neither a session nor the configuration says otherwise.
    public static let defaultKeys = ["pain", "anxiety"]

    /// The item with this key, or nil.
    public static func named(_ key: String) -> RatingItem? { known.first { $0.key == key } }

    /// The items for `keys` (unknown keys left out, each item once), in the order of ``known``.
    public static func items(_ keys: [String]) -> [RatingItem] {
        let wanted = Set(keys)
        return known.filter { wanted.contains($0.key) }
    }

    /// Every key, for messages: "pain, anxiety, fatigue, …".
    public static var keyList: String { known.map(\.key).joined(separator: ", ") }
}

/// One 0–10 rating (ESAS-r: "0 = no pain … 10 = worst possible pain", rated now); `value` nil when the listener
/// declined to answer, which is never recorded as 0.
public struct Rating: Sendable, Equatable, Codable {
    /// `pain`, `anxiety`, or an item a session or the configuration adds (`fatigue`, `nausea`, `sleep`).
    public var item: String
    /// 0…10, or nil when declined.
    public var value: Int?

    public init(item: String, value: Int?) {
        self.item = item
        self.value = value
    }
}

/// Reads `pain=6,anxiety=4` (as `--before` and `--after` take them): each item once, each value 0–10 or `-`
/// (declined, recorded as NULL, never as 0).
///
/// - Returns: the ratings in the order given, or a message that says what is wrong and what to write.
public func parseRatings(_ text: String) -> Result<[Rating], RatingSyntaxError> {
    var ratings: [Rating] = []
    for part in text.split(separator: ",", omittingEmptySubsequences: false) {
        let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let key = pair[0].trimmingCharacters(in: .whitespaces).lowercased()
        guard pair.count == 2 else {
            return .failure(
                RatingSyntaxError("'\(String(part).escapingInvisible)' should be an item and a number, like pain=6"))
        }
        guard RatingItem.named(key) != nil else {
            return .failure(
                RatingSyntaxError(
                    "'\(key.escapingInvisible)' is not a rating Respite asks; the items are \(RatingItem.keyList)"))
        }
        guard !ratings.contains(where: { $0.item == key }) else {
            return .failure(RatingSyntaxError("\(key) is rated twice; give each item once"))
        }
        let value = pair[1].trimmingCharacters(in: .whitespaces)
        if value == "-" {
            ratings.append(Rating(item: key, value: nil))
        } else if !value.isEmpty, value.count <= 2, value.allSatisfy({ $0.isASCII && $0.isNumber }),
            let number = Int(value), (0...10).contains(number)
        {
            ratings.append(Rating(item: key, value: number))
        } else {
            return .failure(
                RatingSyntaxError(
                    "\(key)=\(value.escapingInvisible): a rating is a whole number from 0 to 10, or - to leave it out"))
        }
    }
    return .success(ratings)
}

/// What is wrong with a `--before` or `--after` value.
public struct RatingSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
