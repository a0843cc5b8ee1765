import Clinic
import Foundation
import Testing

/// The schedule file: what a valid one means, and every hostile or mistaken one refused with each problem located.
@Suite struct ScheduleFileTests {
    func parse(_ text: String) throws(ScheduleError) -> ClinicSchedule {
        try ClinicSchedule.parse(bytes: Array(text.utf8), file: "schedule.json")
    }

    func problems(_ text: String) -> [String] {
        do {
            _ = try parse(text)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test func aValidScheduleReadsAsWritten() throws {
        let schedule = try parse(
            """
            {"timeZone": "Europe/London", "device": "infusion-room",
             "rules": [
               {"name": "afternoon", "session": "pmr-short", "days": "Mon-Fri", "at": "14:00", "volume": -6,
                "set": ["pace=1.2"], "graceMinutes": 15, "whenBusy": "queue"},
               {"session": "breathing-paced", "days": ["sat", "sun", "fri-mon"], "at": ["11:00", "09:30:15", "11:00"],
                "timeZone": "Australia/Sydney", "device": "plughw:1"},
               {"session": "imagery-meadow", "date": "2026-12-24", "at": "10:00"}
             ]}
            """)
        #expect(schedule.timeZone == "Europe/London")
        #expect(schedule.device == "infusion-room")
        #expect(schedule.rules.count == 3)
        let first = schedule.rules[0]
        #expect(first.name == "afternoon")
        #expect(first.days == .weekly([.monday, .tuesday, .wednesday, .thursday, .friday]))
        #expect(first.times == [LocalTimeOfDay(hour: 14, minute: 0)])
        #expect(first.volume == -6)
        #expect(first.assignments == ["pace=1.2"])
        #expect(first.graceSeconds == 900)
        #expect(first.whenBusy == .queue)
        #expect(first.sessionLocation.line == 3)
        let second = schedule.rules[1]
        #expect(second.days == .weekly([.friday, .saturday, .sunday, .monday]))
        #expect(second.times.map(\.description) == ["09:30:15", "11:00"], "sorted, without repeats")
        #expect(second.name == "breathing-paced at 09:30:15, 11:00")
        #expect(second.graceSeconds == 600)
        #expect(second.whenBusy == .skip)
        #expect(schedule.rules[2].days == .once(LocalDate(year: 2026, month: 12, day: 24)))
    }

    @Test func everyProblemIsLocatedAtOnce() {
        let found = problems(
            """
            {"timeZone": "Europe/Londno",
             "rules": [
               {"name": "a", "session": "pmr-short", "days": "weekday", "at": "25:00"},
               {"name": "a", "session": "pmr-short", "days": "mon", "at": "14:00"},
               {"session": "", "date": "2026-02-30", "at": ["14:00", 9]},
               {"session": "x", "days": "mon", "date": "2026-01-01", "at": "1400", "volume": 12, "grace": 5},
               {"session": "y"},
               "not a rule"
             ],
             "rule": []}
            """)
        let expected = [
            "schedule.json:1:14: timeZone: 'Europe/Londno' is not a time zone this machine knows; did you mean 'Europe/London'?",
            "schedule.json:3:50: rules[0].days: 'weekday' is not a day; did you mean 'weekdays'?",
            "schedule.json:3:67: rules[0].at: there is no time 25:00",
            "schedule.json:4:13: rules[1].name: the name 'a' is already used by the rule at line 3",
            "schedule.json:5:16: rules[2].session: session should be text of 1…4096 characters",
            "schedule.json:5:28: rules[2].date: there is no day 2026-02-30",
            "schedule.json:5:58: rules[2].at[1]: a time should be text, but is the number 9",
            "schedule.json:6:21: rules[3].days: a rule has either \"days\" or \"date\", not both",
            "schedule.json:6:64: rules[3].at: '1400' is not a time",
            "schedule.json:6:82: rules[3].volume: should be a number of dB in -40…6, but is the number 12",
            "schedule.json:6:86: rules[3].grace: unknown key 'grace' in a rule",
            "schedule.json:7:4: rules[4]: a rule needs \"at\"",
            "schedule.json:7:4: rules[4]: a rule needs \"days\" (every week) or \"date\" (once)",
            "schedule.json:8:4: rules[5]: a rule should be an object in { }, but is the text \"not a rule\"",
            "schedule.json:10:2: rule: unknown key 'rule' at the top level; did you mean 'rules'?",
        ]
        #expect(found.count == expected.count, "\(found.joined(separator: "\n"))")
        for (line, prefix) in zip(found, expected) {
            #expect(line.hasPrefix(prefix), "\(line)\n  expected to start with\n\(prefix)")
        }
    }

    @Test func hostileFilesAreRefusedNotCrashedOn() {
        // Not JSON, the wrong shape, deep nesting, a huge file, control characters, abbreviations for zones.
        let cases = [
            "", "[]", "null", "{\"rules\": {}}", String(repeating: "[", count: 10_000),
            "{\"rules\": [{\"session\": \"a\\u0000b\", \"days\": \"mon\", \"at\": \"14:00\"}]}",
            "{\"timeZone\": \"EST\", \"rules\": []}", "{\"timeZone\": \"../../etc/passwd\", \"rules\": []}",
            "{\"rules\": [{\"session\": \"a\", \"days\": \"mon\", \"at\": \"14:00\", \"graceMinutes\": 1.5}]}",
            "{\"rules\": [{\"session\": \"a\", \"days\": \"mon\", \"at\": [\(Array(repeating: "\"10:00\"", count: 49).joined(separator: ","))]}]}",
            "{\"rules\": [{\"session\": \"a\", \"days\": [], \"at\": \"10:00\"}]}",
            "{\"rules\": [{\"session\": \"a\", \"date\": \"1999-12-31\", \"at\": \"10:00\"}]}",
            "{\"rules\": [{\"session\": \"a\", \"days\": \"mon\", \"at\": \"١٤:٠٠\"}]}",
        ]
        for text in cases {
            #expect(!problems(text).isEmpty, "accepted: \(text.prefix(80))")
        }
        let big = "{\"rules\": [" + String(repeating: " ", count: ClinicSchedule.maximumFileSize) + "]}"
        #expect(problems(big).first?.contains("at most") == true)
        #expect(throws: ScheduleError.self) { try ClinicSchedule.load("/nonexistent/schedule.json") }
        #expect(throws: ScheduleError.self) { try ClinicSchedule.load("/") }
    }

    @Test func controlRequestsAreSplitAndQuotedBack() throws {
        #expect(try ControlProtocol.parse("status").command == "status")
        let play = try ControlProtocol.parse("play  \"my session\"\tpace=1.2 \"a \\\"q\\\" \\\\ b\" \"\"")
        #expect(play.command == "play")
        #expect(play.arguments == ["my session", "pace=1.2", "a \"q\" \\ b", ""])
        for argument in ["plain", "with space", "quote\"d", "back\\slash", "", "ünïcödé 字"] {
            let line = "play " + ControlProtocol.quote(argument)
            #expect(try ControlProtocol.parse(line).arguments == [argument])
        }
        for bad in [
            "", "   ", "play \"open", "play \"ends\\", "a\u{0}b", "a\u{1B}[2J", String(repeating: "x", count: 5000),
            (["play"] + Array(repeating: "a", count: 40)).joined(separator: " "),
        ] {
            #expect(throws: ControlProtocol.RequestError.self) { try ControlProtocol.parse(bad) }
        }
        // A value with a line break stays on one line.
        #expect(ControlProtocol.field("title", "two\nlines") == "title: two lines")
    }

    @Test func answersBecomeJSON() throws {
        let status = ControlProtocol.json([
            ("state", "playing"), ("position", "83.5"), ("step", "3"), ("title", "Rest"),
        ])
        let object = try JSONSerialization.jsonObject(with: Data(status.utf8)) as? [String: Any]
        #expect(object?["state"] as? String == "playing")
        #expect(object?["position"] as? Double == 83.5)
        #expect(object?["step"] as? Int == 3)
        let list = ControlProtocol.json(
            [("rule", "a"), ("due", "x"), ("rule", "b"), ("due", "y"), ("note", "z")], list: true)
        let array = try JSONSerialization.jsonObject(with: Data(list.utf8)) as? [[String: Any]]
        #expect(array?.count == 2)
        #expect(array?[1]["note"] as? String == "z")
        #expect(ControlProtocol.json([], list: true).filter { !$0.isWhitespace } == "[]")
    }

    /// A rule without a name is named after its session and times; two such rules, or one and a named rule of
    /// that name, would share their records: refused.
    @Test func defaultNamesMayNotCollide() {
        let twins = problems(
            """
            {"rules": [{"session": "pmr-short", "days": "mon", "at": "09:00"},
                       {"session": "pmr-short", "days": "tue", "at": "09:00"}]}
            """)
        #expect(twins.count == 1)
        #expect(twins.first?.contains("rules[1]: this rule's name, 'pmr-short at 09:00'") == true, "\(twins)")
        let named = problems(
            """
            {"rules": [{"session": "pmr-short", "days": "mon", "at": "09:00"},
                       {"name": "pmr-short at 09:00", "session": "pmr-4", "days": "tue", "at": "10:00"}]}
            """)
        #expect(
            named.first?.contains("rules[1].name: the name 'pmr-short at 09:00' is already used") == true, "\(named)")
    }
}
