import FileAccess
import Foundation
import SessionKit

extension ClinicSchedule {
    /// Keys of the top-level object.
    static let keys = ["timeZone", "device", "rules"]
    /// Keys of one rule.
    static let ruleKeys = [
        "name", "session", "days", "date", "at", "timeZone", "device", "volume", "set", "graceMinutes", "whenBusy",
    ]
    /// Day words `days` takes besides day names and ranges.
    static let dayWords: [String: Set<Weekday>] = [
        "daily": Set(Weekday.allCases), "weekdays": [.monday, .tuesday, .wednesday, .thursday, .friday],
        "weekends": [.saturday, .sunday],
    ]

    /// Reads a schedule file: every problem at once, each located.
    ///
    /// - Throws: ``ScheduleError`` when the file cannot be read or anything in it is wrong.
    public static func load(_ path: String) throws(ScheduleError) -> ClinicSchedule {
        let bytes: [UInt8]
        do {
            bytes = try InputFile.read(path, maximumBytes: maximumFileSize)
        } catch {
            throw ScheduleError([ScheduleProblem(file: path, message: error.message, suggestion: error.suggestion)])
        }
        return try parse(bytes: bytes, file: path)
    }

    /// Reads a schedule from bytes already read. Pure: touches no file and no clock.
    ///
    /// - Parameters:
    ///   - bytes: UTF-8 JSON, at most ``maximumFileSize`` bytes.
    ///   - file: the name shown in every problem.
    public static func parse(bytes: [UInt8], file: String) throws(ScheduleError) -> ClinicSchedule {
        guard bytes.count <= maximumFileSize else {
            throw ScheduleError([
                ScheduleProblem(
                    file: file, message: "the file is \(bytes.count) bytes; at most \(maximumFileSize) are accepted",
                    suggestion: "a schedule is a short list of rules")
            ])
        }
        let root: JSONValue
        do {
            root = try JSONParser(documentName: "schedule").parse(bytes)
        } catch {
            throw ScheduleError([
                ScheduleProblem(
                    file: file, path: error.path.description, line: error.location.line,
                    column: error.location.column, message: error.message, suggestion: error.suggestion)
            ])
        }
        var reader = Reader(file: file)
        let schedule = reader.read(root)
        guard reader.problems.isEmpty, let schedule else {
            throw ScheduleError(
                reader.problems.enumerated().sorted {
                    ($0.element.line ?? 0, $0.element.column ?? 0, $0.offset)
                        < ($1.element.line ?? 0, $1.element.column ?? 0, $1.offset)
                }.map(\.element))
        }
        return schedule
    }

    /// Whether `name` is a time zone this machine knows by its IANA name.
    public static func isKnownZone(_ name: String) -> Bool {
        name.contains("/") || name == "UTC" ? TimeZone(identifier: name) != nil : false
    }

    /// Turns a parsed document into a schedule, recording every problem rather than stopping at the first.
    struct Reader {
        let file: String
        private(set) var problems: [ScheduleProblem] = []

        init(file: String) { self.file = file }

        mutating func report(_ message: String, suggestion: String? = nil, path: JSONPath, at location: JSONLocation) {
            problems.append(
                ScheduleProblem(
                    file: file, path: path.description, line: location.line, column: location.column,
                    message: message, suggestion: suggestion))
        }

        mutating func read(_ root: JSONValue) -> ClinicSchedule? {
            guard case .object(let object) = root.kind else {
                report(
                    "a schedule should be an object in { }, but is \(root.kindDescription)",
                    suggestion: "see docs/clinic.md for an example", path: .root, at: root.location)
                return nil
            }
            var schedule = ClinicSchedule(file: file, rules: [])
            var sawRules = false
            for member in object.members {
                let path = JSONPath.root.appending(member.key)
                switch member.key {
                case "timeZone": schedule.timeZone = zone(member.value, path: path)
                case "device": schedule.device = deviceName(member.value, path: path)
                case "rules":
                    sawRules = true
                    schedule.rules = rules(member.value, path: path)
                default: unknownKey(member, path: path, known: ClinicSchedule.keys, context: "at the top level")
                }
            }
            if !sawRules {
                report(
                    "a schedule needs \"rules\"", suggestion: "add \"rules\": [ ] with one object for each session",
                    path: .root, at: root.location)
            }
            return schedule
        }

        mutating func rules(_ value: JSONValue, path: JSONPath) -> [ScheduleRule] {
            guard case .array(let elements) = value.kind else {
                report(
                    "rules should be a list [ ], but is \(value.kindDescription)", path: path, at: value.location)
                return []
            }
            guard elements.count <= ClinicSchedule.maximumRules else {
                report(
                    "there are \(elements.count) rules; at most \(ClinicSchedule.maximumRules) are accepted",
                    path: path, at: value.location)
                return []
            }
            var rules: [ScheduleRule] = []
            var names: [String: JSONLocation] = [:]
            for (index, element) in elements.enumerated() {
                let rulePath = path.appending(index)
                // Names are checked whatever else is wrong with a rule: one run of validate shows every problem.
                if case .object(let object) = element.kind, let member = object["name"],
                    case .string(let name) = member.value.kind
                {
                    if let first = names[name] {
                        report(
                            "the name '\(name)' is already used by the rule at line \(first.line)",
                            suggestion: "give each rule its own \"name\"", path: rulePath.appending("name"),
                            at: member.value.location)
                    } else {
                        names[name] = element.location
                    }
                }
                let before = problems.count
                guard let rule = rule(element, path: rulePath), problems.count == before else { continue }
                // A rule without a name is named after its session and times, and that may be another rule's name.
                if case .object(let object) = element.kind, object["name"] == nil {
                    if let first = names[rule.name] {
                        report(
                            "this rule's name, '\(rule.name)' (from its session and times), is already used by the rule "
                                + "at line \(first.line)",
                            suggestion: "give each rule its own \"name\"", path: rulePath, at: element.location)
                        continue
                    }
                    names[rule.name] = element.location
                }
                rules.append(rule)
            }
            return rules
        }

        mutating func rule(_ value: JSONValue, path: JSONPath) -> ScheduleRule? {
            guard case .object(let object) = value.kind else {
                report(
                    "a rule should be an object in { }, but is \(value.kindDescription)",
                    suggestion: "e.g. { \"session\": \"pmr-short\", \"days\": \"weekdays\", \"at\": \"14:00\" }",
                    path: path, at: value.location)
                return nil
            }
            let before = problems.count
            var name: String?
            var session: (String, JSONLocation)?
            var weekly: Set<Weekday>?
            var date: LocalDate?
            var times: [LocalTimeOfDay] = []
            var rule = ScheduleRule(name: "", session: "", days: .weekly([]), times: [])
            for member in object.members {
                let memberPath = path.appending(member.key)
                let value = member.value
                switch member.key {
                case "name":
                    name = text(value, path: memberPath, what: "name", limit: 80)
                case "session":
                    if let id = text(value, path: memberPath, what: "session", limit: 4096) {
                        session = (id, value.location)
                    }
                case "days": weekly = days(value, path: memberPath)
                case "date": date = self.date(value, path: memberPath)
                case "at": times = self.times(value, path: memberPath)
                case "timeZone": rule.timeZone = zone(value, path: memberPath)
                case "device": rule.device = deviceName(value, path: memberPath)
                case "volume":
                    if let number = number(value, path: memberPath, range: -40...6, unit: "dB") { rule.volume = number }
                case "set":
                    rule.assignments = assignments(value, path: memberPath)
                    rule.assignmentsLocation = value.location
                case "graceMinutes":
                    if let minutes = number(value, path: memberPath, range: 1...240, unit: "minutes", whole: true) {
                        rule.graceSeconds = Int(minutes) * 60
                    }
                case "whenBusy":
                    if case .string(let word) = value.kind, let policy = ScheduleRule.WhenBusy(rawValue: word) {
                        rule.whenBusy = policy
                    } else {
                        report(
                            "whenBusy should be \"skip\" or \"queue\", but is \(value.kindDescription)",
                            suggestion: "\"skip\" records a run that comes due while another plays as skipped; "
                                + "\"queue\" plays it after (within an hour of its time)",
                            path: memberPath, at: value.location)
                    }
                default:
                    unknownKey(member, path: memberPath, known: ClinicSchedule.ruleKeys, context: "in a rule")
                }
            }
            if session == nil && object["session"] == nil {
                report(
                    "a rule needs a \"session\"", suggestion: "e.g. \"session\": \"pmr-short\"", path: path,
                    at: value.location)
            }
            if object["at"] == nil {
                report(
                    "a rule needs \"at\": the time or times it plays", suggestion: "e.g. \"at\": \"14:00\"",
                    path: path, at: value.location)
            }
            switch (object["days"], object["date"]) {
            case (nil, nil):
                report(
                    "a rule needs \"days\" (every week) or \"date\" (once)",
                    suggestion: "e.g. \"days\": \"weekdays\" or \"date\": \"2026-12-24\"", path: path,
                    at: value.location)
            case (.some(let days), .some):
                report(
                    "a rule has either \"days\" or \"date\", not both",
                    suggestion: "make two rules for a weekly time and a one-off", path: path.appending("days"),
                    at: days.keyLocation)
            default:
                break
            }
            guard problems.count == before, let (id, location) = session else { return nil }
            rule.session = id
            rule.sessionLocation = location
            rule.days = date.map(ScheduleRule.Days.once) ?? .weekly(weekly ?? [])
            rule.times = times
            rule.name = name ?? "\(id) at \(times.map(\.description).joined(separator: ", "))"
            return rule
        }

        /// `"weekdays"`, `"mon-fri"`, `["mon", "wed", "fri"]`, `["sat-sun"]`.
        mutating func days(_ value: JSONValue, path: JSONPath) -> Set<Weekday>? {
            let suggestion =
                "write day names mon…sun, ranges such as \"mon-fri\", or \"daily\", \"weekdays\", \"weekends\""
            var words: [(String, JSONValue, JSONPath)] = []
            switch value.kind {
            case .string(let word): words = [(word, value, path)]
            case .array(let elements):
                for (index, element) in elements.enumerated() {
                    guard case .string(let word) = element.kind else {
                        report(
                            "a day should be text, but is \(element.kindDescription)", suggestion: suggestion,
                            path: path.appending(index), at: element.location)
                        continue
                    }
                    words.append((word, element, path.appending(index)))
                }
            default:
                report(
                    "days should be text or a list of days, but is \(value.kindDescription)",
                    suggestion: suggestion, path: path, at: value.location)
                return nil
            }
            var days = Set<Weekday>()
            let before = problems.count
            for (word, element, elementPath) in words {
                let lowered = word.lowercased()
                if let set = ClinicSchedule.dayWords[lowered] {
                    days.formUnion(set)
                } else if let day = Weekday(rawValue: lowered) {
                    days.insert(day)
                } else if case let parts = lowered.split(separator: "-", omittingEmptySubsequences: false),
                    parts.count == 2, let first = Weekday(rawValue: String(parts[0])),
                    let last = Weekday(rawValue: String(parts[1]))
                {
                    // A range runs forward through the week and may wrap: "fri-mon" is Friday to Monday.
                    var index = first.index
                    while true {
                        days.insert(Weekday.allCases[index])
                        if Weekday.allCases[index] == last { break }
                        index = (index + 1) % 7
                    }
                } else {
                    let known = Weekday.allCases.map(\.rawValue) + ClinicSchedule.dayWords.keys.sorted()
                    report(
                        "'\(word)' is not a day",
                        suggestion: Suggestions.nearest(to: lowered, in: known).map { "did you mean '\($0)'?" }
                            ?? suggestion, path: elementPath, at: element.location)
                }
            }
            if days.isEmpty && problems.count == before {
                report("days names no day", suggestion: suggestion, path: path, at: value.location)
            }
            return days
        }

        /// `"2026-12-24"`: a real calendar date, years 2000…2999.
        mutating func date(_ value: JSONValue, path: JSONPath) -> LocalDate? {
            let suggestion = "write the date as \"YYYY-MM-DD\", e.g. \"2026-12-24\""
            guard case .string(let text) = value.kind else {
                report(
                    "date should be text, but is \(value.kindDescription)", suggestion: suggestion, path: path,
                    at: value.location)
                return nil
            }
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
                parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
                let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
            else {
                report("'\(text)' is not a date", suggestion: suggestion, path: path, at: value.location)
                return nil
            }
            let date = LocalDate(year: year, month: month, day: day)
            guard date.isValid, (2000...2999).contains(year) else {
                report("there is no day \(text)", suggestion: suggestion, path: path, at: value.location)
                return nil
            }
            return date
        }

        /// `"14:00"`, `"06:30:15"`, or a list of them.
        mutating func times(_ value: JSONValue, path: JSONPath) -> [LocalTimeOfDay] {
            var found: [LocalTimeOfDay] = []
            switch value.kind {
            case .string: if let time = time(value, path: path) { found.append(time) }
            case .array(let elements):
                if elements.isEmpty {
                    report(
                        "at lists no time", suggestion: "e.g. \"at\": [\"10:00\", \"14:00\"]", path: path,
                        at: value.location)
                }
                if elements.count > 48 {
                    report(
                        "at lists \(elements.count) times; at most 48 a day are accepted", path: path,
                        at: value.location)
                    return []
                }
                for (index, element) in elements.enumerated() {
                    if let time = time(element, path: path.appending(index)) { found.append(time) }
                }
            default:
                report(
                    "at should be a time such as \"14:00\" or a list of them, but is \(value.kindDescription)",
                    path: path, at: value.location)
            }
            return Array(Set(found)).sorted()
        }

        mutating func time(_ value: JSONValue, path: JSONPath) -> LocalTimeOfDay? {
            let suggestion = "write a 24-hour time, \"HH:MM\" or \"HH:MM:SS\", e.g. \"14:00\""
            guard case .string(let text) = value.kind else {
                report(
                    "a time should be text, but is \(value.kindDescription)", suggestion: suggestion, path: path,
                    at: value.location)
                return nil
            }
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard (2...3).contains(parts.count), parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
                parts.allSatisfy({ $0.allSatisfy(\.isNumber) })
            else {
                report("'\(text)' is not a time", suggestion: suggestion, path: path, at: value.location)
                return nil
            }
            let numbers = parts.map { Int($0) ?? 0 }  // two ASCII digits each, checked above
            guard numbers[0] < 24, numbers[1] < 60, numbers.count < 3 || numbers[2] < 60 else {
                report(
                    "there is no time \(text) (hours run 00…23, minutes and seconds 00…59)", suggestion: suggestion,
                    path: path, at: value.location)
                return nil
            }
            return LocalTimeOfDay(hour: numbers[0], minute: numbers[1], second: numbers.count == 3 ? numbers[2] : 0)
        }

        mutating func zone(_ value: JSONValue, path: JSONPath) -> String? {
            guard case .string(let name) = value.kind else {
                report(
                    "timeZone should be an IANA zone name such as \"Europe/London\", but is \(value.kindDescription)",
                    path: path, at: value.location)
                return nil
            }
            guard name.utf8.count <= 64, ClinicSchedule.isKnownZone(name) else {
                let near = Suggestions.nearest(
                    to: name, in: TimeZone.knownTimeZoneIdentifiers, maximumDistance: 3)
                report(
                    "'\(name)' is not a time zone this machine knows",
                    suggestion: near.map { "did you mean '\($0)'?" }
                        ?? "use an IANA name such as \"America/New_York\" (see `timedatectl list-timezones`); "
                        + "abbreviations such as EST change meaning with daylight saving",
                    path: path, at: value.location)
                return nil
            }
            return name
        }

        mutating func deviceName(_ value: JSONValue, path: JSONPath) -> String? {
            guard case .string(let name) = value.kind, !name.isEmpty, name.utf8.count <= 256,
                !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else {
                report(
                    "device should be an ALSA device name, but is \(value.kindDescription)",
                    suggestion: "`respite devices` lists them, e.g. \"default\" or \"plughw:1\"", path: path,
                    at: value.location)
                return nil
            }
            return name
        }

        mutating func assignments(_ value: JSONValue, path: JSONPath) -> [String] {
            let suggestion = "e.g. \"set\": [\"pace=1.2\", \"music=none\"], as `respite play --set` takes them"
            guard case .array(let elements) = value.kind else {
                report(
                    "set should be a list of key=value texts, but is \(value.kindDescription)",
                    suggestion: suggestion, path: path, at: value.location)
                return []
            }
            var result: [String] = []
            for (index, element) in elements.enumerated() {
                guard case .string(let text) = element.kind, text.contains("="), !text.hasPrefix("="),
                    text.utf8.count <= 1024
                else {
                    report(
                        "'\(element.kindDescription)' is not key=value", suggestion: suggestion,
                        path: path.appending(index), at: element.location)
                    continue
                }
                result.append(text)
            }
            return result
        }

        mutating func text(_ value: JSONValue, path: JSONPath, what: String, limit: Int) -> String? {
            guard case .string(let text) = value.kind, !text.isEmpty, text.count <= limit,
                !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else {
                report(
                    "\(what) should be text of 1…\(limit) characters without control characters, but is "
                        + value.kindDescription, path: path, at: value.location)
                return nil
            }
            return text
        }

        mutating func number(
            _ value: JSONValue, path: JSONPath, range: ClosedRange<Double>, unit: String, whole: Bool = false
        ) -> Double? {
            guard case .number(let number) = value.kind, range.contains(number.value), !whole || number.isWhole
            else {
                report(
                    "should be \(whole ? "a whole number" : "a number") of \(unit) in \(plain(range.lowerBound))…"
                        + "\(plain(range.upperBound)), but is \(value.kindDescription)", path: path,
                    at: value.location)
                return nil
            }
            return number.value
        }

        mutating func unknownKey(_ member: JSONObject.Member, path: JSONPath, known: [String], context: String) {
            report(
                "unknown key '\(member.key)' \(context)",
                suggestion: Suggestions.suggestion(for: member.key, in: known, listing: "known keys"), path: path,
                at: member.keyLocation)
        }

        func plain(_ value: Double) -> String {
            value.rounded() == value ? String(Int(value)) : String(value)
        }
    }
}
