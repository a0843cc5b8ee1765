import Player
import SessionKit
import Testing

/// Steps a choice leaves out take no time: they are never announced, and next and previous pass over them.
@Suite struct ChoiceMomentsTests {
    @Test func aSceneNotChosenIsNeverAnnouncedNorLandedOn() throws {
        let fixture = try Fixture()
        let session = try fixture.session(
            #""choices": [{ "key": "scene", "label": "Your safe place", "default": "beach", "options": ["#
                + #"{ "value": "beach", "label": "A quiet beach" }, { "value": "garden", "label": "A garden" }] }], "#
                + #""steps": [{ "type": "silence", "label": "Arriving", "seconds": 3 }, "#
                + #"{ "type": "silence", "label": "The beach", "seconds": 5, "only": { "scene": "beach" } }, "#
                + #"{ "type": "silence", "label": "The garden", "seconds": 6, "only": { "scene": "garden" } }, "#
                + #"{ "type": "silence", "label": "Back", "seconds": 2 }]"#)
        let prepared = try fixture.prepare(session, set: ["scene=garden"], normalised: false)
        let timeline = prepared.timeline
        let announced = SessionMoments(timeline).moments.compactMap { moment -> String? in
            if case .stepStarted(_, let title) = moment.kind { return title }
            return nil
        }
        #expect(announced == ["Arriving", "The garden", "Back"])
        #expect(timeline.step(at: 3 * 48_000)?.title == "The garden")
        let player = LivePlayer(prepared: prepared, output: { FaultyOutput() })  // never started
        #expect(player.nextStepStart(after: 0) == 3 * 48_000, "from Arriving to the garden")
        #expect(player.previousStepStart(before: 9 * 48_000 + 100) == 3 * 48_000)
    }

    @Test func nextOnTheLastHeardStepIsTheLastStepEvenWithAnUnchosenSceneAfterIt() throws {
        let fixture = try Fixture()
        let session = try fixture.session(
            #""choices": [{ "key": "scene", "label": "Your safe place", "default": "beach", "options": ["#
                + #"{ "value": "beach", "label": "A quiet beach" }, { "value": "garden", "label": "A garden" }] }], "#
                + #""steps": [{ "type": "silence", "label": "Arriving", "seconds": 3 }, "#
                + #"{ "type": "silence", "label": "The beach", "seconds": 5, "only": { "scene": "beach" } }, "#
                + #"{ "type": "silence", "label": "The garden", "seconds": 6, "only": { "scene": "garden" } }]"#)
        let prepared = try fixture.prepare(session, normalised: false)
        #expect(prepared.timeline.steps.last?.isHeard == false)
        let player = LivePlayer(prepared: prepared, output: { FaultyOutput() })  // never started
        #expect(player.nextStepStart(after: 4 * 48_000) == nil, "the beach is the last step heard")
        #expect(prepared.timeline.step(at: 8 * 48_000)?.title == "The beach")
    }
}
