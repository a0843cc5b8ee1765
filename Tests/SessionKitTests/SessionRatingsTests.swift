import SessionKit
import Testing

/// A session's own rating items: known ESAS-r items only, each once, with located errors.
@Suite struct SessionRatingsTests {
    @Test func aSessionAddsKnownItems() throws {
        let session = try TestSupport.load(
            TestSupport.session(steps: #"{"type": "bell"}"#, extra: #""ratings": ["sleep", "fatigue"],"#))
        #expect(session.ratings == ["sleep", "fatigue"])
        #expect(
            RatingItem.items(["pain", "anxiety"] + session.ratings).map(\.key) == [
                "pain", "anxiety", "fatigue", "sleep",
            ])
        #expect(RatingItem.named("sleep")?.question == "Sleep lately: 0 = best sleep … 10 = worst possible sleep")
        // Every ESAS-r item, each with its English words.
        #expect(
            RatingItem.known.map(\.key) == [
                "pain", "anxiety", "fatigue", "drowsiness", "nausea", "appetite", "breathlessness", "depression",
                "wellbeing", "sleep",
            ])
        #expect(RatingItem.named("appetite")?.high == "worst possible lack of appetite")
    }

    @Test(arguments: [
        (#""ratings": ["sleeep"],"#, "'sleeep' is not a rating Respite asks", "did you mean 'sleep'?"),
        (#""ratings": ["pain", "pain"],"#, "'pain' is listed twice", "list each item once"),
        (#""ratings": [3],"#, "should be", "a rating item's name in double quotes"),
        (#""ratings": "sleep","#, "should be", "a list of rating items"),
    ])
    func aBadItemIsALocatedError(_ extra: String, _ message: String, _ words: String) throws {
        let errors = TestSupport.errors(TestSupport.session(steps: #"{"type": "bell"}"#, extra: extra))
        let error = try #require(errors.first, "accepted \(extra)")
        #expect(error.path.hasPrefix("ratings"), "\(error)")
        #expect(error.line != nil && error.column != nil)
        #expect("\(error)".contains(message) && "\(error)".contains(words), "\(error)")
    }
}
