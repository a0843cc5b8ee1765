import Testing

@testable import SessionKit

@Suite struct CompilerTests {
    let rate = 48_000

    func session(_ steps: [Step], music: Music? = nil) -> Session {
        Session(
            id: "t", title: "T", description: "d", language: "en", author: "a", version: "1",
            protocol: ProtocolInfo(name: "n", source: "s"),
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
            group: "left-arm", prepare: "In a moment, make a fist.", tense: 6, relax: 30, relaxText: "Notice.",
            rest: "Let it rest.")
        let s = session([Step(kind: .pmr(pmr))])
        let full = try compile(s)
        let kinds = full.entries.map(\.kind)
        #expect(kinds == [.narration, .tense, .narration, .release, .release, .relax, .narration])
        // The hold starts on the "now", a second after the preparation ends, and lasts the step's 6 s.
        let tense = full.entries.first { $0.kind == .tense }
        #expect(tense?.frame == 2 * rate + rate)
        #expect(tense?.length == 6 * rate)
        #expect(full.entries.first { $0.frame == tense?.frame && $0.kind == .narration }?.text == "Now.")
        let release = full.entries.first { $0.kind == .release }
        #expect(release?.frame == 2 * rate + rate + 6 * rate)
        // Relax lasts 30 s from the release.
        #expect(full.duration == 2 * rate + rate + 6 * rate + 30 * rate)

        let skipped = try compile(s, Parameters(skip: ["left-arm"]))
        #expect(skipped.entries.map(\.kind) == [.rest])
        #expect(skipped.duration == 2 * rate + 3 * rate)

        let gentle = try compile(s, Parameters(releaseOnly: true))
        #expect(!gentle.entries.contains { $0.kind == .tense })
        #expect(!gentle.sounds.contains { $0.bus == .cues }, "no release cue without tensing")
        #expect(gentle.entries.first?.text == "Let it rest.")
    }

    @Test("tension lasts 5 to 7 s from the now at every pace, while pace scales the rest", arguments: [0.5, 1, 2])
    func tensionStaysWithinTheProtocol(pace: Double) throws {
        for tense in [5.0, 6, 7] {
            let s = session([Step(kind: .pmr(PMR(group: "hands", prepare: "In a moment.", tense: tense, relax: 30)))])
            let timeline = try compile(s, Parameters(pace: pace))
            let hold = try #require(timeline.entries.first { $0.kind == .tense })
            let release = try #require(timeline.entries.first { $0.kind == .release })
            #expect((5 * rate...7 * rate).contains(hold.length))
            #expect(hold.length == Int((min(max(tense * pace, 5), 7) * Double(rate)).rounded()))
            #expect(release.frame == hold.frame + hold.length)
            // The hold starts on the "now", which is said at that very frame.
            #expect(timeline.entries.contains { $0.frame == hold.frame && $0.text == "Now." })
        }
    }

    @Test func releaseOnlySpeaksItsOwnWordsAndNeverTenses() throws {
        let intro = Narration(
            text: "When I say now, tense.", releaseOnly: ReleaseOnlyText(text: "Notice each area and let it soften."))
        let explanation = Narration(text: "You will hear a chime.", releaseOnly: ReleaseOnlyText(text: ""))
        let pmr = PMR(
            group: "hands", prepare: "In a moment, make fists.", nowCue: .builtin(.tone), tense: 6, relax: 30,
            relaxText: "Let your hands open.", rest: "Let your hands rest.",
            releaseOnly: ReleaseOnlyText(text: "Notice your hands.", relaxText: "Let them be heavy."))
        let s = session([
            Step(kind: .narration(intro)), Step(kind: .narration(explanation)), Step(kind: .pmr(pmr)),
        ])
        let gentle = try compile(s, Parameters(releaseOnly: true))
        let words = gentle.entries.filter { [.narration, .rest, .release].contains($0.kind) }.map(\.text)
        #expect(words == ["Notice each area and let it soften.", "Notice your hands.", "Let them be heavy."])
        #expect(!gentle.entries.contains { $0.kind == .tense })
        #expect(!gentle.sounds.contains { $0.bus == .cues }, "no now cue and no release cue without tensing")

        let full = try compile(s)
        #expect(
            full.entries.filter { $0.kind == .narration }.map(\.text).prefix(3)
                == ["When I say now, tense.", "You will hear a chime.", "In a moment, make fists."])
        // The now cue and the release cue.
        #expect(full.sounds.filter { $0.bus == .cues }.count == 2)
    }

    @Test func gentleBreathingKeepsTheSetAboutAsLongWithoutHolds() throws {
        let breathing = Breathing(inhale: 4, hold: 2, exhale: 6, cycles: 6)
        let s = session([Step(kind: .breathing(breathing))])
        let usual = try compile(s)
        let gentle = try compile(s, Parameters(gentleBreathing: true))
        let pattern = try #require(gentle.steps.first?.breath)
        #expect(pattern.inhale == 3 * rate && pattern.hold == 0 && pattern.exhale == 4 * rate)
        #expect(pattern.cycles == 10)  // 6 × 12 s = 72 s; 72 / 7 ≈ 10
        #expect(abs(gentle.duration - usual.duration) <= 7 * rate / 2)
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
