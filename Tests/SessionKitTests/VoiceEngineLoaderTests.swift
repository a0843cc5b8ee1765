import FileAccess
import Testing

@testable import SessionKit

/// `voice.engine`, `voice.model` and `voice.lexicon` as the loader reads and checks them.
@Suite struct VoiceEngineLoaderTests {
    static let steps = #"{"type": "narration", "text": "Hello."}"#

    static func load(_ voice: String) throws -> Session {
        try TestSupport.load(TestSupport.session(steps: steps, extra: "\"voice\": \(voice),"))
    }

    static func errors(_ voice: String) -> [SessionError] {
        TestSupport.errors(TestSupport.session(steps: steps, extra: "\"voice\": \(voice),"))
    }

    @Test func theNeuralVoiceAndALexiconAreRead() throws {
        let session = try Self.load(
            """
            {"engine": "piper", "model": "en_US-joe-medium", "name": "en-us", "rate": 135,
             "lexicon": {"Nakamura": {"espeak": "nak@m'u@r@", "ipa": "nˌækəmˈʊɹə"}, "Siobhan": {"say": "shiv-AWN"}}}
            """)
        #expect(session.voice.requestedEngine == .piper)
        #expect(session.voice.model == "en_US-joe-medium")
        #expect(session.voice.name == "en-us")
        // `voice` starts on line 5 of the document; "model" is on its first line.
        #expect(session.voice.modelLine == 5 && session.voice.modelColumn > 30)
        #expect(session.voice.lexicon.entries["nakamura"] == .init(espeak: "nak@m'u@r@", ipa: "nˌækəmˈʊɹə"))
        #expect(session.voice.lexicon.entries["siobhan"] == .init(say: "shiv-AWN"))
        // A model alone asks for Piper; nothing asks for espeak-ng.
        #expect(try Self.load(#"{"model": "en_US-joe-medium"}"#).voice.requestedEngine == .piper)
        #expect(try Self.load(#"{"name": "en-gb"}"#).voice.requestedEngine == .espeak)
        // The voice (and so the cache of its narration) changes with the lexicon.
        #expect(
            try Self.load(#"{"lexicon": {"port": {"say": "poort"}}}"#).voice
                != Self.load(#"{"lexicon": {"port": {"say": "pawt"}}}"#).voice)
    }

    @Test func badValuesAreReportedAtTheirPlace() {
        let cases: [(String, String, String)] = [
            (#"{"engine": "festival"}"#, "voice.engine", "unknown speech engine 'festival'"),
            (#"{"engine": "Piper"}"#, "voice.engine", "unknown speech engine"),
            (#"{"model": "../../etc/passwd"}"#, "voice.model", "is not a Piper model name"),
            (#"{"model": "voices/en_US"}"#, "voice.model", "is not a Piper model name"),
            (#"{"engine": "espeak", "model": "en_US-joe-medium"}"#, "voice.model", "'engine' is \"espeak\""),
            (#"{"lexicon": ["port"]}"#, "voice.lexicon", "should be an object"),
            (#"{"lexicon": {"two words": {"say": "x"}}}"#, #"voice.lexicon["two words"]"#, "is not one word"),
            (#"{"lexicon": {"port": "pawt"}}"#, "voice.lexicon.port", "should be an object"),
            (#"{"lexicon": {"port": {}}}"#, "voice.lexicon.port", "says nothing"),
            (#"{"lexicon": {"port": {"ipa": "x]] [[y"}}}"#, "voice.lexicon.port.ipa", "contains '[' or ']'"),
            (#"{"lexicon": {"port": {"espeak": "a\nb"}}}"#, "voice.lexicon.port.espeak", "control character"),
            (#"{"lexicon": {"port": {"sound": "x"}}}"#, "voice.lexicon.port.sound", "unknown key 'sound'"),
        ]
        for (voice, path, message) in cases {
            let errors = Self.errors(voice)
            #expect(errors.contains { $0.path == path && $0.message.contains(message) }, "\(voice): \(errors)")
            #expect(errors.allSatisfy { $0.line > 0 && $0.column > 0 }, "\(voice): \(errors)")
        }
        let many = (0...Lexicon.maximumEntries).map { #""w\#($0)x": {"say": "x"}"# }.joined(separator: ", ")
        #expect(Self.errors(#"{"lexicon": {\#(many)}}"#).contains { $0.message.contains("at most 500") })
    }
}
