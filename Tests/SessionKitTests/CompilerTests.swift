import Testing

@testable import SessionKit

@Suite struct CompilerTests {
    let rate = 48_000

    func session(_ steps: [Step], music: Music? = nil) -> Session {
        Session(
            id: "t", title: "T", description: "d", language: "en", author: "a", version: "1",
            protocol: ProtocolInfo(name: "n", therapy: "t", evidence: .low, recommendation: .weak, source: "s"),
            safety: ["Stop if anything hurts."], music: music, steps: steps)
    }

    /// Every speech clip is 2 s long, every file 10 s.
    func lengths(_ session: Session, _ parameters: Parameters) -> [Media: Int] {
        var lengths: [Media: Int] = [:]
        for media in Compiler.media(for: session, parameters: parameters) {
            switch media {
            case .speech: lengths[media] = 2 * rate
            case .file: lengths[media] = 10 * rate
            }
        }
        return lengths
    }

    func compile(_ session: Session, _ parameters: Parameters = Parameters()) throws -> Timeline {
        try Compiler.compile(session, parameters: parameters, sampleRate: rate, lengths: lengths(session, parameters))
    }

    @Test func stepsFollowEachOtherInExactFrames() throws {
        let s = session([
            Step(kind: .narration(Narration(text: "Hello.", pause: 1.5))),
            Step(kind: .silence(seconds: 2.25), cues: [Cue(at: 1, sound: .builtin(.chime))]),
            Step(kind: .bell(sound: .builtin(.bell), gain: -6, seconds: 6)),
        ])
        let timeline = try compile(s)
        #expect(timeline.steps.map(\.start) == [0, 168_000, 276_000])
        #expect(timeline.duration == 276_000 + 288_000)
        let chime = timeline.sounds.first { $0.source == .builtin(.chime, pitchRatio: 1) }
        #expect(chime?.start == 168_000 + 48_000)
        // The bell rings 9 s but the session ends 6 s after it: cut, with a fade.
        let bell = timeline.sounds.first { $0.source == .builtin(.bell, pitchRatio: 1) }
        #expect(bell?.end == timeline.duration)
        #expect((bell?.fadeOut ?? 0) >= 24_000)
        #expect(try compile(s) == timeline, "deterministic")
    }

    @Test func paceScalesPausesButNotSpeech() throws {
        let s = session([
            Step(kind: .narration(Narration(text: "Hello.", pause: 2))), Step(kind: .silence(seconds: 10)),
        ])
        let slow = try compile(s, Parameters(pace: 1.5))
        #expect(slow.duration == 2 * rate + 3 * rate + 15 * rate)
    }

    @Test func pmrPhasesSkipAndReleaseOnly() throws {
        let pmr = PMR(
            group: "left-arm", instruction: "Make a fist.", tense: 6, relax: 30, relaxText: "Notice.",
            rest: "Let it rest.")
        let s = session([Step(kind: .pmr(pmr))])
        let full = try compile(s)
        let kinds = full.entries.map(\.kind)
        #expect(kinds == [.narration, .tense, .release, .release, .relax, .narration])
        let tense = full.entries.first { $0.kind == .tense }
        #expect(tense?.frame == 2 * rate + rate / 2)
        #expect(tense?.length == 6 * rate)
        // Release at the end of tensing; relax lasts 30 s from the release.
        #expect(full.duration == 2 * rate + rate / 2 + 6 * rate + 30 * rate)

        let skipped = try compile(s, Parameters(skip: ["left-arm"]))
        #expect(skipped.entries.map(\.kind) == [.rest])
        #expect(skipped.duration == 2 * rate + 3 * rate)

        let gentle = try compile(s, Parameters(releaseOnly: true))
        #expect(!gentle.entries.contains { $0.kind == .tense })
        #expect(!gentle.sounds.contains { $0.bus == .cues }, "no release cue without tensing")
        #expect(gentle.entries.first?.text == "Let it rest.")
    }

    @Test func breathingPacerSoundsOnEveryPhase() throws {
        let s = session([Step(kind: .breathing(Breathing(inhale: 4, exhale: 6, cycles: 3, pacer: .chime)))])
        let timeline = try compile(s)
        let chimes = timeline.sounds.filter { if case .builtin(.chime, _) = $0.source { true } else { false } }
        #expect(chimes.map(\.start) == [0, 4, 10, 14, 20, 24].map { $0 * rate })
        #expect(timeline.duration == 30 * rate)
        #expect(timeline.steps[0].breath?.cycleLength == 10 * rate)
        let swell = try compile(session([Step(kind: .breathing(Breathing(inhale: 4, exhale: 6, cycles: 2)))]))
        #expect(
            swell.sounds.map(\.source) == [
                .breath(inhale: 4 * rate, hold: 0, exhale: 6 * rate),
                .breath(inhale: 4 * rate, hold: 0, exhale: 6 * rate),
            ])
    }

    @Test func musicSpansTheSessionAndDucksUnderNarration() throws {
        let s = session(
            [
                Step(kind: .narration(Narration(text: "One.", pause: 0.5))),
                Step(kind: .narration(Narration(text: "Two.", pause: 10))),
                Step(kind: .narration(Narration(text: "Three.", pause: 5))),
            ], music: Music(source: .bundled("music/bed.ogg"), gain: -10, duck: 12))
        let timeline = try compile(s)
        let bed = timeline.sounds.first { $0.bus == .music }
        #expect(bed?.start == 0)
        #expect(bed?.length == timeline.duration)
        #expect(bed?.source == .media(.file(.bundled("music/bed.ogg")), loop: true))
        // The music is already down 0.3 s before each narration; the mixer follows the voice after that.
        let duck = try #require(timeline.ducking)
        #expect(duck.depth == 12)
        #expect(duck.attack == Int(0.3 * Double(rate)))
        #expect(duck.windows.count == 3)
        #expect(duck.windows.map(\.upperBound) == timeline.sounds.filter { $0.bus == .voice }.map(\.start))
        #expect(duck.windows.allSatisfy { $0.count == duck.attack || $0.lowerBound == 0 })
        let off = try compile(s, Parameters(music: .off))
        #expect(!off.sounds.contains { $0.bus == .music })
        #expect(off.ducking == nil)
    }

    @Test func missingLengthsAreReportedNotGuessed() {
        let s = session([Step(kind: .narration(Narration(text: "Hello.")))])
        #expect(throws: CompileError.self) {
            try Compiler.compile(s, parameters: Parameters(), sampleRate: rate, lengths: [:])
        }
    }
}
