import Testing

@testable import SessionKit

/// A session's own choices: steps marked `only` play for the chosen values, on every path a step can take.
@Suite struct SessionChoiceTests {
    let rate = 48_000

    static let scenes = """
        "choices": [{"key": "scene", "label": "Your safe place", "default": "beach",
                     "options": [{"value": "beach", "label": "A quiet beach"},
                                 {"value": "garden", "label": "A walled garden"}]}],
        "blocks": {"garden": [{"type": "narration", "text": "A garden gate.", "pause": 1},
                              {"type": "silence", "seconds": 7}]},
        """
    static let steps = """
        {"type": "narration", "text": "Welcome.", "pause": 1},
        {"type": "narration", "text": "Sand and sea.", "pause": 1, "only": {"scene": "beach"}},
        {"type": "block", "use": "garden", "only": {"scene": "garden"}},
        {"type": "repeat", "times": 2, "only": {"scene": ["beach", "garden"]},
         "steps": [{"type": "silence", "seconds": 2}]},
        {"type": "narration", "text": "Coming back.", "pause": 1}
        """

    func compile(_ session: Session, _ set: [String]) throws -> Timeline {
        let parameters = try session.parameters.applying(set, to: session)
        var lengths: [Media: Int] = [:]
        for media in Compiler.media(for: session, parameters: parameters) { lengths[media] = 2 * rate }
        return try Compiler.compile(session, parameters: parameters, sampleRate: rate, lengths: lengths)
    }

    @Test func onlyTheChosenScenePlaysAndStepNumbersStayTheSame() throws {
        let session = try TestSupport.load(TestSupport.session(steps: Self.steps, extra: Self.scenes))
        #expect(session.choices.map(\.key) == ["scene"])
        let beach = try compile(session, [])
        let garden = try compile(session, ["scene=garden"])
        let said = { (timeline: Timeline) in timeline.entries.filter { $0.kind == .narration }.map(\.text) }
        #expect(said(beach) == ["Welcome.", "Sand and sea.", "Coming back."])
        #expect(said(garden) == ["Welcome.", "A garden gate.", "Coming back."])
        #expect(beach.steps.count == garden.steps.count)
        // Beach: 3 narrations of 2 s + 1 s pause, and the repeat's 2 × 2 s.
        #expect(beach.duration == 3 * 3 * rate + 4 * rate)
        // Garden: the block's narration and 7 s silence instead of the beach's words.
        #expect(garden.duration == 3 * 3 * rate + 7 * rate + 4 * rate)
        // The step that did not play is there, empty.
        #expect(garden.steps[1].start == garden.steps[1].end)
    }

    @Test func aValueThatIsNotAnOptionIsRefusedWithTheOptions() throws {
        let session = try TestSupport.load(TestSupport.session(steps: Self.steps, extra: Self.scenes))
        #expect(throws: ParameterError.self) { try session.parameters.applying(["scene=forest"], to: session) }
        do {
            _ = try session.parameters.applying(["scene=gardn"], to: session)
            Issue.record("scene=gardn was accepted")
        } catch {
            #expect(error.description.contains("did you mean 'garden'?"))
            #expect(error.description.contains("options: beach, garden"))
        }
    }

    @Test func badChoicesAndOnlysAreLocatedErrors() throws {
        let bad = """
            "choices": [{"key": "pace", "label": "P", "default": "x", "options": [{"value": "Beach", "label": "B"}]}],
            """
        let steps = #"{"type": "silence", "seconds": 5, "only": {"scene": "beach"}}"#
        do {
            _ = try TestSupport.load(TestSupport.session(steps: steps, extra: bad))
            Issue.record("loaded")
        } catch {
            let messages = error.errors.map(\.message)
            #expect(messages.contains { $0.contains("the choice key 'pace' is already taken") })
            #expect(messages.contains { $0.contains("'Beach' must be lower-case") })
            #expect(messages.contains { $0.contains("a choice needs at least two options") })
            #expect(messages.contains { $0.contains("the default 'x' is not one of the options") })
            #expect(messages.contains { $0.contains("this session has no choice 'scene'") })
        }
    }

    @Test func anOnlyThatCanNeverPlayIsAnError() throws {
        let empty = #"{"type": "silence", "seconds": 5, "only": {"scene": []}}"#
        let nested = """
            {"type": "repeat", "times": 2, "only": {"scene": "garden"},
             "steps": [{"type": "silence", "seconds": 5, "only": {"scene": "beach"}}]}
            """
        for (steps, message) in [
            (empty, "an empty list of options: the step would never play"),
            (nested, "this step can never play: its 'only' and that of the block or repeat around it share no option"),
        ] {
            do {
                _ = try TestSupport.load(TestSupport.session(steps: steps, extra: Self.scenes))
                Issue.record("loaded: \(steps)")
            } catch {
                #expect(error.errors.contains { $0.message.hasPrefix(message) }, "\(error)")
                #expect(error.errors.allSatisfy { $0.line > 0 }, "located")
            }
        }
    }

    @Test func eachOptionAloneMustFitTheSixHoursNotAllTogether() throws {
        // Two scenes of 3 h 20 min each: 6 h 40 min in all, but never played together.
        let long = """
            {"type": "repeat", "times": 4, "only": {"scene": "beach"}, "steps": [{"type": "silence", "seconds": 3000}]},
            {"type": "repeat", "times": 4, "only": {"scene": "garden"}, "steps": [{"type": "silence", "seconds": 3000}]}
            """
        let session = try TestSupport.load(TestSupport.session(steps: long, extra: Self.scenes))
        #expect(session.steps.count == 8)
    }
}
