import Clinic
import Foundation
import Testing

/// A clinic machine in virtual time: its three clocks, its zone, and a player that is busy for a session's length.
/// It runs the daemon's loop (read the clocks, classify the wake, decide, sleep until the next occurrence or at most
/// 30 s) with no sleeping at all, so weeks of a schedule run in milliseconds.
struct VirtualClinic {
    var wall: Date
    var monotonic = 10_000.0
    var boot = 10_000.0
    var zone: TimeZone
    var scheduler: Scheduler
    var classifier = WakeClassifier()
    /// How long each session plays, seconds.
    var sessionLength: TimeInterval
    /// Monotonic second at which the session playing ends; nil when none plays.
    var playingUntil: Double?
    /// What happened, one line each: `play RULE due DUE at NOW`, `missed RULE due DUE (reason)`, `skipped …`,
    /// `queued …`, in UTC.
    var log: [String] = []
    var wakes = 0

    init(
        _ schedule: ClinicSchedule, start: String, zone: String = "Europe/London", sessionMinutes: Double = 20,
        saved: String? = nil
    ) {
        wall = utc(start)
        self.zone = TimeZone(identifier: zone)!
        scheduler = Scheduler(schedule: schedule, now: wall, saved: saved.map(utc))
        sessionLength = sessionMinutes * 60
    }

    var busy: Bool { playingUntil.map { monotonic < $0 } ?? false }

    /// One wake of the daemon.
    mutating func wake() {
        wakes += 1
        if let end = playingUntil, monotonic >= end { playingUntil = nil }
        let kind = classifier.classify(ClockReading(wall: wall, monotonic: monotonic, boot: boot))
        for decision in scheduler.wake(now: wall, kind: kind, busy: busy, machineZone: zone) {
            let o = decision.occurrence
            switch decision {
            case .play:
                log.append("play \(o.rule) due \(stamp(o.due)) at \(stamp(wall))")
                playingUntil = monotonic + sessionLength
            case .missed(_, let reason): log.append("missed \(o.rule) due \(stamp(o.due)) (\(reason.rawValue))")
            case .skipped: log.append("skipped \(o.rule) due \(stamp(o.due))")
            case .queued: log.append("queued \(o.rule) due \(stamp(o.due))")
            }
        }
    }

    /// Runs the loop until the wall clock reaches `end`.
    mutating func run(until end: String) {
        let end = utc(end)
        while wall < end {
            wake()
            var sleep = scheduler.sleepInterval(now: wall, machineZone: zone)
            // A session's end wakes the loop (a queued run may start).
            if let until = playingUntil, until > monotonic { sleep = min(sleep, until - monotonic) }
            sleep = min(max(sleep, 0.001), end.timeIntervalSince(wall))
            advance(sleep)
        }
    }

    mutating func advance(_ seconds: Double) {
        wall += seconds
        monotonic += seconds
        boot += seconds
    }

    /// The machine sleeps: the wall clock and CLOCK_BOOTTIME move, CLOCK_MONOTONIC does not.
    mutating func suspend(minutes: Double) {
        wall += minutes * 60
        boot += minutes * 60
    }

    /// The wall clock is set (NTP stepping it, or someone at the keyboard).
    mutating func step(minutes: Double) { wall += minutes * 60 }
}

func utc(_ text: String) -> Date {
    let formatter = ISO8601DateFormatter()
    return formatter.date(from: text)!
}

func stamp(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    return formatter.string(from: date)
}

func rule(
    _ name: String, days: ScheduleRule.Days = .weekly(Set(Weekday.allCases)), at times: [String],
    zone: String? = nil, whenBusy: ScheduleRule.WhenBusy = .skip, graceMinutes: Int = 10
) -> ScheduleRule {
    ScheduleRule(
        name: name, session: "pmr-short", days: days,
        times: times.map {
            let parts = $0.split(separator: ":").map { Int($0)! }
            return LocalTimeOfDay(hour: parts[0], minute: parts[1])
        }, timeZone: zone, graceSeconds: graceMinutes * 60, whenBusy: whenBusy)
}

func schedule(_ rules: [ScheduleRule], zone: String? = "Europe/London") -> ClinicSchedule {
    ClinicSchedule(file: "schedule.json", timeZone: zone, rules: rules)
}

let weekdays: ScheduleRule.Days = .weekly([.monday, .tuesday, .wednesday, .thursday, .friday])

@Suite struct SchedulerTests {
    /// Europe/London, 2025-03-30: the clocks go from 01:00 GMT to 02:00 BST. 01:30 does not exist that morning and
    /// plays at 02:30 BST (01:30 UTC), right after the jump; 02:30 is then the same instant and, a session playing,
    /// is skipped; 03:00 BST is 02:00 UTC.
    @Test func londonClocksGoForward() {
        var clinic = VirtualClinic(
            schedule([
                rule("a", at: ["00:30"]), rule("b", at: ["01:30"]), rule("c", at: ["02:30"]), rule("d", at: ["03:00"]),
            ]),
            start: "2025-03-29T22:00:00Z")
        clinic.run(until: "2025-03-30T03:00:00Z")
        #expect(
            clinic.log == [
                "play a due 2025-03-30T00:30:00Z at 2025-03-30T00:30:00Z",
                "play b due 2025-03-30T01:30:00Z at 2025-03-30T01:30:00Z",
                "skipped c due 2025-03-30T01:30:00Z",
                "play d due 2025-03-30T02:00:00Z at 2025-03-30T02:00:00Z",
            ])
        let shifted = clinic.scheduler.occurrences(
            after: utc("2025-03-30T00:00:00Z"), through: utc("2025-03-30T03:00:00Z"), machineZone: clinic.zone)
        #expect(shifted.map(\.shifted) == [false, true, false, false])
    }

    /// Europe/London, 2025-10-26: the clocks go from 02:00 BST back to 01:00 GMT, so 01:00–02:00 comes twice. 01:30
    /// plays once, the first time (00:30 UTC), not again at 01:30 UTC.
    @Test func londonClocksGoBack() {
        var clinic = VirtualClinic(
            schedule([rule("a", at: ["00:30"]), rule("b", at: ["01:30"]), rule("c", at: ["02:30"])]),
            start: "2025-10-25T21:00:00Z")
        clinic.run(until: "2025-10-26T04:00:00Z")
        #expect(
            clinic.log == [
                "play a due 2025-10-25T23:30:00Z at 2025-10-25T23:30:00Z",
                "play b due 2025-10-26T00:30:00Z at 2025-10-26T00:30:00Z",
                "play c due 2025-10-26T02:30:00Z at 2025-10-26T02:30:00Z",
            ])
    }

    /// Australia/Sydney: on 2025-04-06 the clocks go from 03:00 AEDT back to 02:00 AEST, so 02:30 comes twice and
    /// plays at the first (15:30 UTC the day before); on 2025-10-05 they go from 02:00 AEST to 03:00 AEDT, so 02:30
    /// is skipped and plays at 03:30 AEDT (16:30 UTC). An ordinary day either side for comparison.
    @Test func sydneyBothChanges() {
        let rules = schedule([rule("night", at: ["02:30"]), rule("morning", at: ["09:00"])], zone: "Australia/Sydney")
        var autumn = VirtualClinic(rules, start: "2025-04-04T12:00:00Z")
        autumn.run(until: "2025-04-07T12:00:00Z")
        #expect(
            autumn.log == [
                "play night due 2025-04-04T15:30:00Z at 2025-04-04T15:30:00Z",
                "play morning due 2025-04-04T22:00:00Z at 2025-04-04T22:00:00Z",
                "play night due 2025-04-05T15:30:00Z at 2025-04-05T15:30:00Z",  // 02:30 AEDT, the first of two
                "play morning due 2025-04-05T23:00:00Z at 2025-04-05T23:00:00Z",  // 09:00 AEST
                "play night due 2025-04-06T16:30:00Z at 2025-04-06T16:30:00Z",
                "play morning due 2025-04-06T23:00:00Z at 2025-04-06T23:00:00Z",
            ])
        var spring = VirtualClinic(rules, start: "2025-10-03T12:00:00Z")
        spring.run(until: "2025-10-06T12:00:00Z")
        #expect(
            spring.log == [
                "play night due 2025-10-03T16:30:00Z at 2025-10-03T16:30:00Z",
                "play morning due 2025-10-03T23:00:00Z at 2025-10-03T23:00:00Z",
                "play night due 2025-10-04T16:30:00Z at 2025-10-04T16:30:00Z",  // 02:30 skipped: 03:30 AEDT
                "play morning due 2025-10-04T22:00:00Z at 2025-10-04T22:00:00Z",  // 09:00 AEDT
                "play night due 2025-10-05T15:30:00Z at 2025-10-05T15:30:00Z",
                "play morning due 2025-10-05T22:00:00Z at 2025-10-05T22:00:00Z",
            ])
    }

    /// Monday–Friday 14:00 in London across both changes of 2025: ten weekdays each, 14:00 UTC in winter time and
    /// 13:00 UTC in summer time, never on a weekend, never twice, never missing one.
    @Test func weekdayRuleAcrossBothChanges() {
        let rules = schedule([rule("afternoon", days: weekdays, at: ["14:00"])])
        var spring = VirtualClinic(rules, start: "2025-03-23T00:00:00Z")
        spring.run(until: "2025-04-06T00:00:00Z")
        let springDays =
            ["24", "25", "26", "27", "28"].map { "2025-03-\($0)T14:00:00Z" }
            + ["31"].map { "2025-03-\($0)T13:00:00Z" } + ["01", "02", "03", "04"].map { "2025-04-\($0)T13:00:00Z" }
        #expect(spring.log == springDays.map { "play afternoon due \($0) at \($0)" })
        var autumn = VirtualClinic(rules, start: "2025-10-19T00:00:00Z")
        autumn.run(until: "2025-11-02T00:00:00Z")
        let autumnDays =
            ["20", "21", "22", "23", "24"].map { "2025-10-\($0)T13:00:00Z" }
            + ["27", "28", "29", "30", "31"].map { "2025-10-\($0)T14:00:00Z" }
        #expect(autumn.log == autumnDays.map { "play afternoon due \($0) at \($0)" })
        // Woken at least every 30 s: two weeks is at least 40 320 wakes, and not wildly more.
        #expect(spring.wakes >= 40_320 && spring.wakes < 41_000)
    }

    /// A suspend across 14:00: asleep from 13:50 to 14:20 BST, the run is missed (asleep) and not played late; asleep
    /// from 13:55 to 14:05 the next day, it plays at 14:05, within its 10-minute grace.
    @Test func suspendAcrossTheTime() {
        var clinic = VirtualClinic(
            schedule([rule("afternoon", days: weekdays, at: ["14:00"])]), start: "2025-06-02T08:00:00Z")
        clinic.run(until: "2025-06-02T12:50:00Z")
        clinic.suspend(minutes: 30)
        clinic.run(until: "2025-06-03T12:55:00Z")
        clinic.suspend(minutes: 10)
        clinic.run(until: "2025-06-04T14:00:00Z")
        #expect(
            clinic.log == [
                "missed afternoon due 2025-06-02T13:00:00Z (asleep)",
                "play afternoon due 2025-06-03T13:00:00Z at 2025-06-03T13:05:00Z",
                "play afternoon due 2025-06-04T13:00:00Z at 2025-06-04T13:00:00Z",
            ])
    }

    /// The wall clock set forward an hour at 13:30 BST (to 14:30): 14:00 is missed (the clock stepped), not played
    /// half an hour late. Set back an hour at 14:30 the next day, after 14:00 played: 14:00 comes round again on the
    /// clock but does not play twice. The day after, it plays as usual.
    @Test func clockStepsForwardAndBack() {
        var clinic = VirtualClinic(
            schedule([rule("afternoon", days: weekdays, at: ["14:00"])]), start: "2025-06-02T08:00:00Z")
        clinic.run(until: "2025-06-02T12:30:00Z")
        clinic.step(minutes: 60)
        clinic.run(until: "2025-06-03T13:30:00Z")
        clinic.step(minutes: -60)
        clinic.run(until: "2025-06-04T14:00:00Z")
        #expect(
            clinic.log == [
                "missed afternoon due 2025-06-02T13:00:00Z (clockStepped)",
                "play afternoon due 2025-06-03T13:00:00Z at 2025-06-03T13:00:00Z",
                "play afternoon due 2025-06-04T13:00:00Z at 2025-06-04T13:00:00Z",
            ])
        // A step of 10 minutes forward within the grace window still plays, 5 minutes late.
        var small = VirtualClinic(
            schedule([rule("afternoon", days: weekdays, at: ["14:00"])]), start: "2025-06-02T08:00:00Z")
        small.run(until: "2025-06-02T12:55:00Z")
        small.step(minutes: 10)
        small.run(until: "2025-06-02T14:00:00Z")
        #expect(small.log == ["play afternoon due 2025-06-02T13:00:00Z at 2025-06-02T13:05:00Z"])
    }

    /// A schedule in the machine's zone follows the machine: moved from London to New York at 11:00 BST, the 14:00
    /// run that day plays at 14:00 in New York (18:00 UTC), once; the day before it played at 14:00 BST.
    @Test func machineZoneChanges() {
        var clinic = VirtualClinic(
            schedule([rule("afternoon", at: ["14:00"])], zone: nil), start: "2025-06-01T08:00:00Z")
        clinic.run(until: "2025-06-02T10:00:00Z")
        clinic.zone = TimeZone(identifier: "America/New_York")!
        clinic.run(until: "2025-06-03T00:00:00Z")
        #expect(
            clinic.log == [
                "play afternoon due 2025-06-01T13:00:00Z at 2025-06-01T13:00:00Z",
                "play afternoon due 2025-06-02T18:00:00Z at 2025-06-02T18:00:00Z",
            ])
        // Moved the other way after that day's run (New York to London at 19:00 UTC): London's 14:00 has passed
        // and is not decided again.
        var back = VirtualClinic(
            schedule([rule("afternoon", at: ["14:00"])], zone: nil), start: "2025-06-02T08:00:00Z",
            zone: "America/New_York")
        back.run(until: "2025-06-02T19:00:00Z")
        back.zone = TimeZone(identifier: "Europe/London")!
        back.run(until: "2025-06-03T14:00:00Z")
        #expect(
            back.log == [
                "play afternoon due 2025-06-02T18:00:00Z at 2025-06-02T18:00:00Z",
                "play afternoon due 2025-06-03T13:00:00Z at 2025-06-03T13:00:00Z",
            ])
    }

    /// Overlaps: a 45-minute session at 14:00; at 14:30 a rule that skips is skipped, one that queues plays at 14:45
    /// when the first ends. With a 100-minute session, the queued run would wait more than an hour and is missed.
    @Test func busyOverlap() {
        let rules = schedule([
            rule("long", days: weekdays, at: ["14:00"]), rule("skipper", days: weekdays, at: ["14:30"]),
            rule("waiter", days: weekdays, at: ["14:30"], whenBusy: .queue),
        ])
        var clinic = VirtualClinic(rules, start: "2025-06-02T08:00:00Z", sessionMinutes: 45)
        clinic.run(until: "2025-06-02T16:00:00Z")
        #expect(
            clinic.log == [
                "play long due 2025-06-02T13:00:00Z at 2025-06-02T13:00:00Z",
                "skipped skipper due 2025-06-02T13:30:00Z",
                "queued waiter due 2025-06-02T13:30:00Z",
                "play waiter due 2025-06-02T13:30:00Z at 2025-06-02T13:45:00Z",
            ])
        var slow = VirtualClinic(rules, start: "2025-06-02T08:00:00Z", sessionMinutes: 100)
        slow.run(until: "2025-06-02T16:00:00Z")
        #expect(
            slow.log == [
                "play long due 2025-06-02T13:00:00Z at 2025-06-02T13:00:00Z",
                "skipped skipper due 2025-06-02T13:30:00Z",
                "queued waiter due 2025-06-02T13:30:00Z",
                "missed waiter due 2025-06-02T13:30:00Z (queueTooLong)",
            ])
    }

    /// Off overnight and started at 14:30: yesterday's and today's 14:00 are missed (not running), never played
    /// late; started at 14:05 instead, today's plays at once. A saved time in the future is not trusted.
    @Test func restartsRecordWhatWasMissed() {
        let rules = schedule([rule("afternoon", at: ["14:00"])])
        var late = VirtualClinic(rules, start: "2025-06-03T13:30:00Z", saved: "2025-06-02T10:00:00Z")
        late.run(until: "2025-06-03T14:00:00Z")
        #expect(
            late.log == [
                "missed afternoon due 2025-06-02T13:00:00Z (notRunning)",
                "missed afternoon due 2025-06-03T13:00:00Z (notRunning)",
            ])
        var soon = VirtualClinic(rules, start: "2025-06-03T13:05:00Z", saved: "2025-06-03T12:00:00Z")
        soon.run(until: "2025-06-03T14:00:00Z")
        #expect(soon.log == ["play afternoon due 2025-06-03T13:00:00Z at 2025-06-03T13:05:00Z"])
        // Saved two hours ahead of the clock (a machine without a clock battery, booted with an old time): what
        // was decided up to then is not decided again, so today's 14:00 BST (13:00 UTC) does not play twice.
        var behind = VirtualClinic(rules, start: "2025-06-03T12:00:00Z", saved: "2025-06-03T14:00:00Z")
        #expect(behind.scheduler.decidedThrough == utc("2025-06-03T14:00:00Z"))
        #expect(behind.scheduler.takeNotes().first?.contains("behind the schedule's last decision") == true)
        behind.run(until: "2025-06-04T14:00:00Z")
        #expect(behind.log == ["play afternoon due 2025-06-04T13:00:00Z at 2025-06-04T13:00:00Z"])
        // Saved three days ahead: not trusted, and the schedule starts from now.
        var future = VirtualClinic(rules, start: "2025-06-03T12:00:00Z", saved: "2025-06-06T12:00:00Z")
        #expect(future.scheduler.decidedThrough == utc("2025-06-03T12:00:00Z"))
        #expect(future.scheduler.takeNotes().first?.contains("not trusted") == true)
        future.run(until: "2025-06-03T14:00:00Z")
        #expect(future.log == ["play afternoon due 2025-06-03T13:00:00Z at 2025-06-03T13:00:00Z"])
        // Off for a month: only the last 7 days' misses are recorded.
        var month = VirtualClinic(rules, start: "2025-07-03T12:00:00Z", saved: "2025-06-03T12:00:00Z")
        month.wake()
        #expect(month.log.count == 7)
        #expect(month.log.allSatisfy { $0.hasSuffix("(notRunning)") })
    }

    /// One-off rules play once, on their date, in their own zone.
    @Test func oneOffInItsOwnZone() {
        var clinic = VirtualClinic(
            schedule([
                rule("once", days: .once(LocalDate(year: 2025, month: 12, day: 24)), at: ["10:00"], zone: "Asia/Tokyo")
            ]), start: "2025-12-22T00:00:00Z")
        clinic.run(until: "2025-12-27T00:00:00Z")
        #expect(clinic.log == ["play once due 2025-12-24T01:00:00Z at 2025-12-24T01:00:00Z"])
    }

    /// The three clocks tell a suspend from a clock step from an ordinary wake.
    @Test func wakesAreClassified() {
        var classifier = WakeClassifier()
        let start = utc("2025-06-02T12:00:00Z")
        #expect(classifier.classify(ClockReading(wall: start, monotonic: 100, boot: 100)) == .startup)
        #expect(classifier.classify(ClockReading(wall: start + 30, monotonic: 130, boot: 130)) == .normal)
        #expect(
            classifier.classify(ClockReading(wall: start + 630, monotonic: 160, boot: 730)) == .resumed(seconds: 570))
        #expect(
            classifier.classify(ClockReading(wall: start - 2_940, monotonic: 190, boot: 760))
                == .clockStepped(seconds: -3_600))
        // Three seconds of drift is noise.
        #expect(classifier.classify(ClockReading(wall: start - 2_907, monotonic: 220, boot: 790)) == .normal)
    }

    /// Local dates and times: the civil-date arithmetic agrees with Foundation's calendar over 1970…2100.
    @Test func civilDatesAgreeWithFoundation() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for days in stride(from: -1000, through: 47_500, by: 37) {
            let date = LocalDate(daysSinceEpoch: days)
            let components = calendar.dateComponents(
                [.year, .month, .day, .weekday], from: Date(timeIntervalSince1970: Double(days) * 86_400))
            #expect(date == LocalDate(year: components.year!, month: components.month!, day: components.day!))
            #expect(date.daysSinceEpoch == days)
            // Foundation's weekday is 1 = Sunday.
            #expect(Weekday.allCases[(components.weekday! + 5) % 7] == date.weekday)
        }
        #expect(!LocalDate(year: 2025, month: 2, day: 29).isValid)
        #expect(LocalDate(year: 2024, month: 2, day: 29).isValid)
    }

    /// The resolution rule against Foundation's own policies for the same two London days.
    @Test func resolutionMatchesFoundationPolicies() {
        let london = TimeZone(identifier: "Europe/London")!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = london
        for (day, month) in [(30, 3), (26, 10)] {
            for minutes in stride(from: 0, to: 4 * 60, by: 15) {
                let local = LocalDate(year: 2025, month: month, day: day)
                let time = LocalTimeOfDay(hour: minutes / 60, minute: minutes % 60)
                let ours = LocalResolution.resolve(local, time, in: london).instant
                // The first match after the last second of the day before: that day's time, as Foundation resolves it.
                let midnight = calendar.date(from: DateComponents(year: 2025, month: month, day: day))!
                let onTheDay = calendar.nextDate(
                    after: midnight.addingTimeInterval(-1),
                    matching: DateComponents(hour: time.hour, minute: time.minute, second: 0),
                    matchingPolicy: .nextTimePreservingSmallerComponents, repeatedTimePolicy: .first,
                    direction: .forward)
                #expect(ours == onTheDay, "\(local) \(time)")
            }
        }
    }

    /// One rule whose two times meet on the morning the clocks go forward (01:30 pushed past the jump, and 02:30)
    /// comes due once at that instant, not twice.
    @Test func aRuleComesDueOnceAtAnInstant() {
        var clinic = VirtualClinic(schedule([rule("night", at: ["01:30", "02:30"])]), start: "2025-03-29T22:00:00Z")
        clinic.run(until: "2025-03-30T03:00:00Z")
        #expect(clinic.log == ["play night due 2025-03-30T01:30:00Z at 2025-03-30T01:30:00Z"])
        // An ordinary day: both.
        var ordinary = VirtualClinic(schedule([rule("night", at: ["01:30", "02:30"])]), start: "2025-04-05T22:00:00Z")
        ordinary.run(until: "2025-04-06T03:00:00Z")
        #expect(ordinary.log.count == 2)
    }

    /// A reload that takes a queued run's rule away, and a stop, hand back the queued runs (to be recorded missed).
    @Test func queuedRunsAreHandedBackWhenTheyCannotPlay() {
        let rules = schedule([
            rule("long", days: weekdays, at: ["14:00"]),
            rule("waiter", days: weekdays, at: ["14:30"], whenBusy: .queue),
        ])
        var clinic = VirtualClinic(rules, start: "2025-06-02T08:00:00Z", sessionMinutes: 45)
        clinic.run(until: "2025-06-02T13:35:00Z")
        #expect(clinic.scheduler.queue.map(\.rule) == ["waiter"])
        let dropped = clinic.scheduler.replace(schedule([rule("long", days: weekdays, at: ["14:00"])]))
        #expect(dropped.map(\.rule) == ["waiter"])
        #expect(clinic.scheduler.queue.isEmpty)
        var again = VirtualClinic(rules, start: "2025-06-02T08:00:00Z", sessionMinutes: 45)
        again.run(until: "2025-06-02T13:35:00Z")
        #expect(again.scheduler.drainQueue().map(\.rule) == ["waiter"])
        #expect(again.scheduler.queue.isEmpty)
    }
}
