import FileAccess
import Testing

/// The lexicon rewrites what an engine reads, word by word, and nothing else.
@Suite struct LexiconTests {
    static let lexicon = Lexicon(entries: [
        "Nakamura": .init(espeak: "nak@m'u@r@", ipa: "nˌækəmˈʊɹə"),
        "Siobhan": .init(say: "shiv-AWN"),
        "port": .init(espeak: "p'o@t"),
    ])

    @Test func wholeWordsAreReplacedIgnoringCase() {
        let text = "Dr NAKAMURA checks the port; the portal and passport stay as written."
        #expect(
            Self.lexicon.spokenText(text, for: .espeak)
                == "Dr [[nak@m'u@r@]] checks the [[p'o@t]]; the portal and passport stay as written.")
    }

    @Test func piperTakesIPAWithTheFollowingPunctuationInside() {
        // Piper drops punctuation that follows a phoneme block, and with it the pause.
        #expect(
            Self.lexicon.spokenText("Hello, Nakamura. Rest now, Nakamura, rest.", for: .ipa)
                == "Hello, [[nˌækəmˈʊɹə.]] Rest now, [[nˌækəmˈʊɹə,]] rest.")
        // An entry without IPA leaves the word to the engine.
        #expect(Self.lexicon.spokenText("the port", for: .ipa) == "the port")
    }

    @Test func aRespellingServesBothEngines() {
        #expect(Self.lexicon.spokenText("Siobhan's breath", for: .espeak) == "shiv-AWN's breath")
        #expect(Self.lexicon.spokenText("Siobhan's breath", for: .ipa) == "shiv-AWN's breath")
    }

    @Test func aSessionsOwnBracketsAreNeverPhonemes() {
        let texts = [
            "say [[h@'loU]] now", "a ]]] b [[[ c", "[[[[x]]]]", "[[\u{301}h@loU] ] b", "a[[\u{20DD}x]]\u{20DD}",
            "x[lymphedema] and [port]] [[metastases",
        ]
        for text in texts {
            for notation in [Lexicon.Notation.espeak, .ipa] {
                let spoken = Lexicon.builtin.spokenText(text, for: notation)
                // Only the lexicon's own blocks: remove them, and no two brackets are left side by side.
                var rest = spoken.unicodeScalars.map { $0 }
                for form in Lexicon.builtin.entries.values.compactMap({ notation == .espeak ? $0.espeak : $0.ipa }) {
                    let block = Array("[[\(form)".unicodeScalars)
                    while let start = rest.indices.first(where: { rest[$0...].starts(with: block) }) {
                        let close = rest[start...].indices.first { rest[$0...].starts(with: ["]", "]"]) } ?? start
                        rest.removeSubrange(start..<(close + 2))
                    }
                }
                let pairs = zip(rest, rest.dropFirst()).filter { ($0 == "[" || $0 == "]") && $0 == $1 }
                #expect(pairs.isEmpty, "\(text) → \(spoken)")
            }
            let plain = Lexicon.empty.spokenText(text, for: .espeak)
            #expect(
                plain.unicodeScalars.filter { $0 != " " }.map { $0 }
                    == text.unicodeScalars.filter { $0 != " " }.map { $0 })
        }
    }

    @Test func theBuiltInEntriesAndASessionsOwnMerge() {
        let merged = Lexicon.builtin.merging(Lexicon(entries: ["lymphedema": .init(say: "limf-a-DEE-ma")]))
        #expect(merged.spokenText("lymphedema", for: .espeak) == "limf-a-DEE-ma")
        #expect(merged.spokenText("metastases", for: .espeak) == "[[m@t'ast@s,i:z]]")
        for word in ["lymphedema", "metastases", "chemotherapy", "anaemia", "anemia", "port", "acupressure"] {
            #expect(
                Lexicon.builtin.entries[word]?.espeak != nil && Lexicon.builtin.entries[word]?.ipa != nil, "\(word)")
        }
    }

    @Test func wordsAndFormsAreChecked() {
        #expect(Lexicon.problem(withWord: "lymphedema") == nil)
        #expect(Lexicon.problem(withWord: "O'Neill") == nil)
        #expect(Lexicon.problem(withWord: "self-care") == nil)
        #expect(Lexicon.problem(withWord: "two words") != nil)
        #expect(Lexicon.problem(withWord: "") != nil)
        #expect(Lexicon.problem(withWord: "-dash") != nil)
        #expect(Lexicon.problem(withWord: String(repeating: "a", count: 65)) != nil)
        #expect(Lexicon.problem(withForm: "l,Imf@d'i:m@") == nil)
        #expect(Lexicon.problem(withForm: "x]] [[y") != nil)
        #expect(Lexicon.problem(withForm: "a\nb") != nil)
        #expect(Lexicon.problem(withForm: "  ") != nil)
    }

    @Test func piperModelNamesAreFileNamesNeverPaths() {
        #expect(VoiceName.isPiperModel("en_US-joe-medium"))
        #expect(VoiceName.isPiperModel("de_DE-thorsten-high"))
        for bad in ["", "../x", "a/b", ".hidden", "x y", "joe\u{0}", String(repeating: "a", count: 81)] {
            #expect(!VoiceName.isPiperModel(bad), "\(bad)")
        }
    }
}
