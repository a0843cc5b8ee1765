/// A language Respite speaks and shows its own words in: the player's screen, its questions and messages
/// (the interface), and the phrases the engine adds to a session's narration (``SpokenPhrases``).
///
/// A session in another language still plays: its authors give every text the engine would otherwise add,
/// and the interface falls back to English (see `docs/languages.md`).
public enum Language: String, Sendable, CaseIterable, Comparable {
    case english = "en"
    case spanish = "es"
    case chinese = "zh"

    /// The language a BCP 47 tag (`es-419`, `zh-Hans-CN`, `cmn`) or a POSIX locale name (`es_ES.UTF-8`,
    /// `zh_TW@euro`) names, by its primary subtag; nil for one Respite has no words for, and for `C` and
    /// `POSIX`. Chinese is Mandarin: Cantonese (`yue`, `zh-yue`, and `zh-HK` or `zh-MO`, where it is spoken) has
    /// no table.
    public init?(tag: String) {
        let parts = Self.subtags(tag)
        switch parts.first ?? "" {
        case "en": self = .english
        case "es": self = .spanish
        // Mandarin is `cmn` (espeak-ng's voice), or `zh` with a script or region.
        case "zh" where !parts.contains(where: { ["yue", "hk", "mo"].contains($0) }), "cmn": self = .chinese
        default: return nil
        }
    }

    /// The interface language: `--lang` when given, else the first of `LANGUAGE` (a colon-separated list of
    /// preferences, as gettext reads it), `LC_ALL`, `LC_MESSAGES` and `LANG` that is set, not empty and names
    /// a language Respite has; English when none does. As in gettext, `LANGUAGE` is ignored when the locale is
    /// `C` or `POSIX` (a program run for a machine wants stable words).
    ///
    /// - Returns: the language, or nil when `--lang` names one Respite has no words for (the caller says so).
    public static func interface(option: String?, environment: [String: String]) -> Language? {
        if let option { return Language(tag: option) }
        let locale = messagesLocale(environment: environment)
        if let locale, locale == "C" || locale == "POSIX" { return .english }
        if let list = environment["LANGUAGE"], locale != nil {
            for entry in list.split(separator: ":") {
                if let language = Language(tag: String(entry)) { return language }
            }
        }
        return locale.flatMap { Language(tag: $0) } ?? .english
    }

    /// The locale messages are shown in, as POSIX names it: the first of `LC_ALL`, `LC_MESSAGES` and `LANG` that
    /// is set and not empty, without its codeset or modifier (`es_ES` for `es_ES.UTF-8@euro`); nil for none.
    public static func messagesLocale(environment: [String: String]) -> String? {
        ["LC_ALL", "LC_MESSAGES", "LANG"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty }.map {
            String($0.prefix { $0 != "." && $0 != "@" })
        }
    }

    /// A tag's or a locale name's subtags, lower case, without a codeset or modifier: `["zh", "hans", "cn"]` for
    /// `zh-Hans-CN`, `["es", "es"]` for `es_ES.UTF-8`.
    public static func subtags(_ tag: String) -> [String] {
        tag.prefix { $0 != "." && $0 != "@" }.split(whereSeparator: { $0 == "-" || $0 == "_" }).map {
            $0.lowercased()
        }
    }

    /// Its name in itself, for lists: "English", "Español", "中文".
    public var nativeName: String {
        switch self {
        case .english: "English"
        case .spanish: "Español"
        case .chinese: "中文"
        }
    }

    /// The language codes Respite has words for, for messages: "en, es, zh".
    public static var codeList: String { allCases.map(\.rawValue).joined(separator: ", ") }

    public static func < (lhs: Language, rhs: Language) -> Bool { lhs.rawValue < rhs.rawValue }

    /// True when `tag` (a session's `language`, `es-419`) is in the language `code` (`es`) names: the same
    /// primary subtag, or the same ``Language``.
    public static func tag(_ tag: String, isIn code: String) -> Bool {
        if let a = Language(tag: tag), let b = Language(tag: code) { return a == b }
        let primary = subtags(code).first
        return primary != nil && subtags(tag).first == primary
    }

    /// The espeak-ng voice that speaks a session in `tag` when the session names none: the tag itself, except
    /// for Mandarin. espeak-ng lists two Mandarin voices for `zh` and `cmn` at one priority; the first one it
    /// lists reads Latin letters as English and says most characters as pinyin with English tone numbers
    /// (espeak-ng issues #1028 and #1236), so Respite picks `cmn-latn-pinyin`, which says every character as
    /// a Mandarin syllable with its tone.
    public static func espeakVoice(forLanguage tag: String) -> String {
        Language(tag: tag) == .chinese ? "cmn-latn-pinyin" : tag.lowercased()
    }
}
