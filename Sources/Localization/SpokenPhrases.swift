/// The words the engine adds to a session in its own language: a PMR step's "now" and release when the step
/// gives none, the default step titles, and the timeline's transcript lines. Also the words session lint
/// looks for in that language.
///
/// A session whose `language` has no table here must write these texts itself; `respite validate` names each
/// one missing, with its JSON path.
public struct SpokenPhrases: Sendable {
    public let language: Language
    /// Said at the moment tension starts, when a PMR step gives no `now`: "Now."
    public let now: String
    /// Said on the release cue, when a PMR step gives no `release`: "And let go, all at once."
    public let release: String
    /// Default step titles, for steps without a `label`.
    public let narrationTitle: String
    public let silenceTitle: String
    public let bellTitle: String
    public let breathingTitle: String
    /// "Step 3".
    public let stepTitle: @Sendable (_ number: Int) -> String
    /// Transcript: the start of a release-only relaxation.
    public let relax: String
    /// Transcript: "tense gently, 5 s" (seconds already formatted).
    public let tenseFor: @Sendable (_ seconds: String) -> String
    /// Transcript: "relax, 30 s".
    public let relaxFor: @Sendable (_ seconds: String) -> String
    /// Transcript: "silence, 4 s".
    public let silenceFor: @Sendable (_ seconds: String) -> String
    /// Transcript: "breath 2 of 6: in 4 s, hold 2 s, out 6 s" (hold nil when there is none).
    public let breath:
        @Sendable (_ cycle: Int, _ cycles: Int, _ inhale: String, _ hold: String?, _ exhale: String) -> String
    /// Lint: words that speak of tensing, which release-only wording must not contain (lowercase; a word
    /// matches whole, a phrase as written).
    public let tensingWords: [String]
    /// Lint: the words for minutes in a description ("minutes", "minutos", "分钟"), lowercase.
    public let minuteWords: [String]
    /// Lint: what every session's safety notes must mention (the unease some people feel when relaxing), and
    /// what a session with breathing must also mention (breathlessness; light-headedness), as alternatives
    /// to look for, lowercase.
    public let unease: [String]
    public let breathlessness: [String]
    public let lightHeadedness: [String]

    /// The table for a session's `language` (`es-419`, `en-GB`, `zh`), or nil when Respite has none.
    public init?(tag: String) {
        guard let language = Language(tag: tag) else { return nil }
        self = Self.table(language)
    }

    public static func table(_ language: Language) -> SpokenPhrases {
        switch language {
        case .english: english
        case .spanish: spanish
        case .chinese: chinese
        }
    }

    init(
        language: Language, now: String, release: String, narrationTitle: String, silenceTitle: String,
        bellTitle: String, breathingTitle: String, stepTitle: @escaping @Sendable (Int) -> String, relax: String,
        tenseFor: @escaping @Sendable (String) -> String, relaxFor: @escaping @Sendable (String) -> String,
        silenceFor: @escaping @Sendable (String) -> String,
        breath: @escaping @Sendable (Int, Int, String, String?, String) -> String, tensingWords: [String],
        minuteWords: [String], unease: [String], breathlessness: [String], lightHeadedness: [String]
    ) {
        self.language = language
        self.now = now
        self.release = release
        self.narrationTitle = narrationTitle
        self.silenceTitle = silenceTitle
        self.bellTitle = bellTitle
        self.breathingTitle = breathingTitle
        self.stepTitle = stepTitle
        self.relax = relax
        self.tenseFor = tenseFor
        self.relaxFor = relaxFor
        self.silenceFor = silenceFor
        self.breath = breath
        self.tensingWords = tensingWords
        self.minuteWords = minuteWords
        self.unease = unease
        self.breathlessness = breathlessness
        self.lightHeadedness = lightHeadedness
    }

    public static let english = SpokenPhrases(
        language: .english, now: "Now.", release: "And let go, all at once.", narrationTitle: "Narration",
        silenceTitle: "Silence", bellTitle: "Bell", breathingTitle: "Breathing", stepTitle: { "Step \($0)" },
        relax: "relax", tenseFor: { "tense gently, \($0) s" }, relaxFor: { "relax, \($0) s" },
        silenceFor: { "silence, \($0) s" },
        breath: { cycle, cycles, inhale, hold, exhale in
            "breath \(cycle) of \(cycles): in \(inhale) s" + (hold.map { ", hold \($0) s" } ?? "") + ", out \(exhale) s"
        },
        tensingWords: [
            "tense", "tensing", "tighten", "tightening", "tighter", "fist", "fists", "squeeze", "squeezing", "clench",
            "clenching", "hold it", "hold that", "chime", "chimes",
        ],
        minuteWords: ["minute", "minutes", "min"], unease: ["uneasy"],
        breathlessness: ["breathless", "short of breath"], lightHeadedness: ["light-headed", "dizz"])

    /// Spanish, in the formal address (usted) the bundled Spanish sessions use.
    public static let spanish = SpokenPhrases(
        language: .spanish, now: "Ahora.", release: "Y suelte, todo de una vez.", narrationTitle: "Narración",
        silenceTitle: "Silencio", bellTitle: "Campana", breathingTitle: "Respiración", stepTitle: { "Paso \($0)" },
        relax: "relajación", tenseFor: { "tensar con suavidad, \($0) s" }, relaxFor: { "relajación, \($0) s" },
        silenceFor: { "silencio, \($0) s" },
        breath: { cycle, cycles, inhale, hold, exhale in
            "respiración \(cycle) de \(cycles): inhalar \(inhale) s" + (hold.map { ", pausa \($0) s" } ?? "")
                + ", exhalar \(exhale) s"
        },
        tensingWords: [
            "tense", "tensen", "tensa", "tensar", "tensando", "tensione", "apriete", "apretar", "apretando",
            "contraiga", "contraer",
            "contrayendo", "puño", "puños", "sostenga", "campana", "campanita",
        ],
        minuteWords: ["minuto", "minutos", "min"], unease: ["inquiet"], breathlessness: ["falta de aire"],
        lightHeadedness: ["mare"])

    /// Mandarin Chinese, simplified characters.
    public static let chinese = SpokenPhrases(
        language: .chinese, now: "现在。", release: "然后一下子全部放松。", narrationTitle: "引导语", silenceTitle: "静默",
        bellTitle: "钟声", breathingTitle: "呼吸", stepTitle: { "第\($0)步" }, relax: "放松",
        tenseFor: { "轻轻绷紧，\($0) 秒" }, relaxFor: { "放松，\($0) 秒" }, silenceFor: { "静默，\($0) 秒" },
        breath: { cycle, cycles, inhale, hold, exhale in
            "第\(cycle)次呼吸（共\(cycles)次）：吸气 \(inhale) 秒" + (hold.map { "，屏息 \($0) 秒" } ?? "") + "，呼气 \(exhale) 秒"
        },
        tensingWords: ["绷紧", "收紧", "握拳", "用力", "铃声"], minuteWords: ["分钟"], unease: ["不安"],
        breathlessness: ["呼吸困难"], lightHeadedness: ["头晕"])
}
