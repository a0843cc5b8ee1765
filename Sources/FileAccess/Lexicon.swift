/// How particular words are to be said: applied to narration text before either speech engine sees it.
///
/// espeak-ng, and Piper (which phonemises with espeak-ng), guess a word's pronunciation from its spelling, and for
/// words patients hear often in oncology they guess wrong: "lymphedema" comes out as LIM-fi-duh-muh and
/// "metastases" as met-uh-STAY-siz. An entry gives the word's phonemes in each engine's notation, or a respelling
/// both engines read:
/// - `espeak`: espeak-ng's ASCII phoneme notation (Kirshenbaum-like), e.g. `l,Imf@d'i:m@`; sent as `[[…]]`;
/// - `ipa`: IPA as espeak-ng writes it for Piper voices, e.g. `lˌɪmfədˈiːmə`; sent as `[[…]]`;
/// - `say`: plain text spoken instead of the word, by either engine, e.g. "Nah-kah-MOO-rah".
///
/// An engine without its form of an entry says the word as written (an entry with `say` alone serves both).
///
/// Matching: an entry is one word of letters (and apostrophes or hyphens inside it); it replaces every whole-word
/// occurrence in the text, ignoring case ("Lymphedema", "LYMPHEDEMA"). Text that itself contains `[[` or `]]` has
/// them spaced apart first, so only the lexicon ever gives an engine phonemes: a session's text is read, never
/// taken as phoneme codes.
///
/// The lexicon changes what is spoken, never what is shown: captions and the timeline keep the session's text. It
/// is part of a clip's cache key through the text it produces (``spokenText(_:for:)``), so a changed entry speaks
/// anew.
///
/// Thread safety: a value type; use anywhere.
public struct Lexicon: Sendable, Hashable {
    /// The forms of one entry; at least one is set.
    public struct Pronunciation: Sendable, Hashable {
        /// espeak-ng phoneme codes, without `[[ ]]`.
        public var espeak: String?
        /// IPA phonemes for Piper voices, without `[[ ]]`.
        public var ipa: String?
        /// A respelling either engine reads.
        public var say: String?

        public init(espeak: String? = nil, ipa: String? = nil, say: String? = nil) {
            self.espeak = espeak
            self.ipa = ipa
            self.say = say
        }
    }

    /// Which notation an engine takes phonemes in.
    public enum Notation: Sendable {
        /// espeak-ng's ASCII codes (`espeak`).
        case espeak
        /// IPA (`ipa`), as Piper voices take them.
        case ipa
    }

    /// The entries by lower-cased word.
    public private(set) var entries: [String: Pronunciation]

    /// The longest word or form accepted, in characters.
    public static let maximumLength = 64
    /// The most entries one lexicon may have.
    public static let maximumEntries = 500

    /// An empty lexicon.
    public static let empty = Lexicon(entries: [:])

    /// Respite's own entries: oncology words patients hear often, checked against espeak-ng 1.51 and Piper's
    /// 1.52, which both stress the first two wrongly. British and American spellings are both given.
    public static let builtin = Lexicon(entries: [
        "lymphedema": Pronunciation(espeak: "l,Imf@d'i:m@", ipa: "lˌɪmfədˈiːmə"),
        "lymphoedema": Pronunciation(espeak: "l,Imf@d'i:m@", ipa: "lˌɪmfədˈiːmə"),
        "metastases": Pronunciation(espeak: "m@t'ast@s,i:z", ipa: "mətˈæstəsˌiːz"),
        "metastasis": Pronunciation(espeak: "m@t'ast@sIs", ipa: "mətˈæstəsɪs"),
        "chemotherapy": Pronunciation(espeak: "k,i:moUT'Er@pi", ipa: "kˌiːmoʊθˈɛɹəpi"),
        "anemia": Pronunciation(espeak: "@n'i:mi@", ipa: "ənˈiːmiə"),
        "anaemia": Pronunciation(espeak: "@n'i:mi@", ipa: "ənˈiːmiə"),
        "port": Pronunciation(espeak: "p'o@t", ipa: "pˈɔːɹt"),
        "acupressure": Pronunciation(espeak: "'akjUpr,ES3", ipa: "ˈækjʊpɹˌɛʃɚ"),
    ])

    /// A lexicon of `entries`, keyed by word in any case (stored lower-cased).
    public init(entries: [String: Pronunciation]) {
        var lowered: [String: Pronunciation] = [:]
        for (word, pronunciation) in entries { lowered[word.lowercased()] = pronunciation }
        self.entries = lowered
    }

    /// This lexicon with `other`'s entries added, `other` winning for a word both have.
    public func merging(_ other: Lexicon) -> Lexicon {
        var merged = self
        merged.entries.merge(other.entries) { _, theirs in theirs }
        return merged
    }

    /// `text` as an engine taking phonemes in `notation` should be given it: every word with an entry replaced
    /// by its phonemes in `[[ ]]` (or its respelling), and any `[[` or `]]` already in the text spaced apart.
    ///
    /// For IPA (Piper), punctuation right after a replaced word goes inside the brackets: Piper drops punctuation
    /// that follows a phoneme block, which would lose the pause of a comma or a full stop.
    public func spokenText(_ text: String, for notation: Notation) -> String {
        let scalars = Self.neutralised(text)
        guard !entries.isEmpty else { return String(String.UnicodeScalarView(scalars)) }
        var result = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            guard Self.isWordScalar(scalars[index]) else {
                result.append(scalars[index])
                index += 1
                continue
            }
            var end = index
            while end < scalars.count && Self.continuesWord(scalars, at: end) { end += 1 }
            let word = String(String.UnicodeScalarView(scalars[index..<end]))
            defer { index = end }
            // "Lymphedema's" is found under "lymphedema", and keeps its "'s" after the replacement.
            var key = word.lowercased()
            var possessive = ""
            if entries[key] == nil, key.hasSuffix("'s") || key.hasSuffix("\u{2019}s") {
                key.removeLast(2)
                possessive = String(word.suffix(2))
            }
            guard let entry = entries[key] else {
                result.append(contentsOf: word.unicodeScalars)
                continue
            }
            let phonemes = notation == .espeak ? entry.espeak : entry.ipa
            if let phonemes {
                var inside = phonemes
                if notation == .ipa && possessive.isEmpty {
                    while end < scalars.count, Self.clausePunctuation.contains(scalars[end]) {
                        inside.unicodeScalars.append(scalars[end])
                        end += 1
                    }
                }
                // Never a third bracket beside the block's own: "x[word" must not become "x[[[…]]".
                if result.last == "[" { result.append(" ") }
                result.append(contentsOf: "[[\(inside)]]".unicodeScalars)
                if possessive.isEmpty, end < scalars.count, scalars[end] == "]" { result.append(" ") }
                result.append(contentsOf: possessive.unicodeScalars)
            } else if let say = entry.say {
                result.append(contentsOf: (say + possessive).unicodeScalars)
            } else {
                result.append(contentsOf: word.unicodeScalars)
            }
        }
        return String(result)
    }

    /// What is wrong with `word` as an entry's key, or nil: one word of letters, with apostrophes or hyphens only
    /// between letters, at most ``maximumLength`` characters.
    public static func problem(withWord word: String) -> String? {
        let scalars = Array(word.unicodeScalars)
        if scalars.isEmpty { return "is empty" }
        if scalars.count > maximumLength { return "is longer than \(maximumLength) characters" }
        if !isWordScalar(scalars[0]) { return "does not start with a letter" }
        var end = 0
        while end < scalars.count && continuesWord(scalars, at: end) { end += 1 }
        if end != scalars.count { return "is not one word (letters, with ' or - between them)" }
        return nil
    }

    /// What is wrong with `form` as an entry's phonemes or respelling, or nil: not empty, at most
    /// ``maximumLength`` characters, no brackets, no control characters or line breaks.
    public static func problem(withForm form: String) -> String? {
        if form.unicodeScalars.allSatisfy(\.properties.isWhitespace) { return "is empty" }
        if form.unicodeScalars.count > maximumLength { return "is longer than \(maximumLength) characters" }
        if form.unicodeScalars.contains(where: { $0 == "[" || $0 == "]" }) { return "contains '[' or ']'" }
        if form.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "contains a control character or a line break"
        }
        return nil
    }

    // MARK: - Scanning

    private static let clausePunctuation: Set<Unicode.Scalar> = [",", ".", ";", ":", "!", "?"]

    /// `[[` and `]]` in a session's own text become `[ [` and `] ]`, scalar by scalar (a combining mark on the
    /// second bracket makes it another character, but an engine still sees two brackets).
    static func neutralised(_ text: String) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if (scalar == "[" || scalar == "]"), result.last == scalar { result.append(" ") }
            result.append(scalar)
        }
        return result
    }

    /// Whether `scalar` is a letter or a digit: what words are made of.
    public static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    /// Whether the scalar at `index` belongs to the word it follows: a letter or digit, or an apostrophe or
    /// hyphen with a letter after it.
    static func continuesWord(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        let scalar = scalars[index]
        if isWordScalar(scalar) || scalar.properties.generalCategory == .nonspacingMark { return true }
        guard scalar == "'" || scalar == "\u{2019}" || scalar == "-" else { return false }
        return index + 1 < scalars.count && isWordScalar(scalars[index + 1])
    }
}
