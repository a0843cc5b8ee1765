import Foundation

/// A date on the wall calendar of some place, with no time zone: what a schedule names ("2025-03-30").
public struct LocalDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    /// 1…12.
    public var month: Int
    /// 1…31 (checked against the month by ``isValid``).
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (negative before it).
    public var daysSinceEpoch: Int {
        // Howard Hinnant's days_from_civil: exact for every Gregorian date, no calendar object involved.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * m + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date `days` days after 1970-01-01.
    public init(daysSinceEpoch days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// The day `count` days later (earlier when negative).
    public func adding(days count: Int) -> LocalDate { LocalDate(daysSinceEpoch: daysSinceEpoch + count) }

    /// The day of the week.
    public var weekday: Weekday { Weekday.allCases[((daysSinceEpoch % 7) + 7 + 3) % 7] }  // 1970-01-01 was a Thursday

    /// True when the day exists (30 February does not).
    public var isValid: Bool {
        guard (1...12).contains(month), day >= 1 else { return false }
        return LocalDate(daysSinceEpoch: daysSinceEpoch) == self
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    /// The local date of an instant in a zone.
    public init(_ instant: Date, in zone: TimeZone) {
        let local = Int(floor(instant.timeIntervalSince1970)) + zone.secondsFromGMT(for: instant)
        self.init(daysSinceEpoch: Int(floor(Double(local) / 86_400)))
    }
}

/// A day of the week, Monday first (ISO 8601).
public enum Weekday: String, Sendable, CaseIterable, Comparable {
    case monday = "mon", tuesday = "tue", wednesday = "wed", thursday = "thu", friday = "fri", saturday = "sat"
    case sunday = "sun"

    /// 0 for Monday … 6 for Sunday.
    public var index: Int {
        switch self {
        case .monday: 0
        case .tuesday: 1
        case .wednesday: 2
        case .thursday: 3
        case .friday: 4
        case .saturday: 5
        case .sunday: 6
        }
    }

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.index < rhs.index }
}

/// A time of day on a wall clock, to the second: what a schedule names ("14:00", "06:30:15").
public struct LocalTimeOfDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// 0…86 399.
    public var secondsSinceMidnight: Int

    public init(hour: Int, minute: Int, second: Int = 0) {
        secondsSinceMidnight = hour * 3600 + minute * 60 + second
    }

    public var hour: Int { secondsSinceMidnight / 3600 }
    public var minute: Int { secondsSinceMidnight / 60 % 60 }
    public var second: Int { secondsSinceMidnight % 60 }

    /// `HH:MM`, or `HH:MM:SS` when the seconds are not 0.
    public var description: String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(two(hour)):\(two(minute))" + (second == 0 ? "" : ":\(two(second))")
    }

    public static func < (lhs: LocalTimeOfDay, rhs: LocalTimeOfDay) -> Bool {
        lhs.secondsSinceMidnight < rhs.secondsSinceMidnight
    }
}

/// Where a wall-clock time falls in a zone's real time, and what Respite does with each case.
///
/// Daylight saving makes a local time either missing (clocks go forward over it) or doubled (clocks go back
/// over it). Respite's rules, the same as Foundation's `nextTimePreservingSmallerComponents` and `.first`:
/// - a time inside the skipped hour plays right after the jump, as far past it as it was into the gap
///   (01:30 on the morning clocks go from 01:00 to 02:00 plays at 02:30);
/// - a time inside the repeated hour plays once, the first time the clock shows it.
public enum LocalResolution: Sendable, Equatable {
    /// The time exists once.
    case exact(Date)
    /// The time falls in a gap; it plays at this instant, after the jump.
    case skipped(Date)
    /// The time comes twice; it plays at the first, and the second is not a run.
    case repeated(first: Date, second: Date)

    /// The instant it plays at.
    public var instant: Date {
        switch self {
        case .exact(let date), .skipped(let date), .repeated(let date, _): date
        }
    }

    /// Resolves a date and a time of day in a zone.
    public static func resolve(_ date: LocalDate, _ time: LocalTimeOfDay, in zone: TimeZone) -> LocalResolution {
        // The wall time's seconds as if it were UTC; the instant is that minus the offset in force then. An offset
        // is a candidate when the zone really has it at the instant it gives. Offsets change at most once in a day
        // or so anywhere, so the offsets a day either side hold every candidate.
        let naive = Double(date.daysSinceEpoch * 86_400 + time.secondsSinceMidnight)
        let before = zone.secondsFromGMT(for: Date(timeIntervalSince1970: naive - 86_400 * 1.5))
        let after = zone.secondsFromGMT(for: Date(timeIntervalSince1970: naive + 86_400 * 1.5))
        var found: [Date] = []
        for offset in Set([before, after]) {
            let instant = Date(timeIntervalSince1970: naive - Double(offset))
            if zone.secondsFromGMT(for: instant) == offset { found.append(instant) }
        }
        found.sort()
        switch found.count {
        case 0:
            // In the gap: read with the offset before the jump, which lands as far after it as the time was into it.
            return .skipped(Date(timeIntervalSince1970: naive - Double(before)))
        case 1:
            return .exact(found[0])
        default:
            return .repeated(first: found[0], second: found[found.count - 1])
        }
    }
}
