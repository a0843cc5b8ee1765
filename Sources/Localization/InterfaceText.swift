/// Every word the player shows a patient, in one language: the screen while a session plays, the start
/// screen, the questions before and after, the messages when something goes wrong, and the history.
///
/// Chosen by ``Language/interface(option:environment:)`` (`--lang`, else the locale), never by the session: a
/// Spanish-speaking patient may play an English session, and the other way round. Therapist-facing messages
/// (validate, lint, timeline) stay English. Times come in already formatted ("1:30"), as do decibels ("-6 dB").
///
/// Each language is a whole table (a missing phrase does not compile), in its own file.
public struct InterfaceText: Sendable {
    public let language: Language

    // MARK: Before the session
    /// The heading over a session's safety notes.
    public let beforeYouBegin: String
    /// Evidence: none graded.
    public let evidenceNone: String
    /// Evidence: the closest grade, as quality, strength and guideline (words from ``grades``), with the
    /// metadata's own English `summary` of it (the therapy and symptom graded, the match and its note: English
    /// shows that, other languages what they can say in their words); `more` other grades.
    public let evidence:
        @Sendable (
            _ quality: String, _ strength: String, _ guideline: String, _ match: String, _ summary: String,
            _ more: Int
        ) -> String
    /// The guideline's grades and the session's match, as the evidence line names them.
    public let grades: GradeWords
    /// The default crisis line in the United States (988, with its Spanish option).
    public let crisisLineUnitedStates: String
    /// The default crisis line elsewhere: local emergency numbers and the care team.
    public let crisisLineGeneral: String
    public let ratingsBefore: String
    public let ratingsAfter: String
    public let ratingInstructions: String
    public let ratingRetry: String
    /// "Thank you. Pain: 6 before, 4 now; …": the after ratings compared with the before.
    public let thankYou: String
    public let ratingCompared: @Sendable (_ item: String, _ before: Int, _ now: Int) -> String
    /// The comparisons joined into one sentence: "Pain: 6 before, 4 now; Anxiety: 3 before, 3 now."
    public let ratingComparisons: @Sendable (_ parts: [String]) -> String
    /// One question: "Pain now: 0 = no pain … 10 = worst possible pain".
    public let question: @Sendable (_ name: String, _ when: String, _ low: String, _ high: String) -> String
    /// The heading of one item's chart in `respite history --chart`: "Pain: ○ before, ● after (0 = …, 10 = …)".
    public let chartHeading: @Sendable (_ name: String, _ low: String, _ high: String) -> String
    /// The rating items Respite asks (keys as in the history: pain, anxiety, …).
    public let ratingItems: [String: RatingWords]
    public let gettingReady: String
    public let stoppedBeforeStart: String
    public let nothingPlayed: String
    public let lastTimeStopped: @Sendable (_ command: String) -> String
    public let rememberedChoiceDropped: @Sendable (_ choice: String, _ reason: String) -> String
    public let usingChoices: @Sendable (_ choices: String) -> String
    public let noStoppedPlace: String
    public let continuingFrom: @Sendable (_ time: String) -> String
    public let changedContinuesFromStep: @Sendable (_ step: Int, _ title: String, _ time: String) -> String
    public let changedStartsOver: String
    public let volumeHeld: @Sendable (_ volume: String, _ device: String, _ file: String) -> String

    // MARK: The start screen
    public let chooseHeading: String
    public let begin: String
    public let setOnCommandLine: String
    public let startHintOnBegin: String
    public let startHintOnChoice: String
    public let plainChooseHeading: String
    public let plainChooseInstructions: String
    public let noSuchChoice: @Sendable (_ text: String, _ count: Int) -> String
    public let choiceFixed: @Sendable (_ label: String) -> String
    public let choices: ChoiceWords

    // MARK: While playing
    public let stepOf: @Sendable (_ number: Int, _ count: Int, _ title: String) -> String
    /// Plain mode: the narration being said, "says: …".
    public let says: @Sendable (_ text: String) -> String
    /// Plain mode: a breath's phase and count, "breathe in, breath 2 of 6".
    public let breathLine: @Sendable (_ phase: String, _ cycle: Int, _ cycles: Int) -> String
    public let tenseGently: @Sendable (_ secondsLeft: Int) -> String
    public let releaseAndRelax: String
    public let about: String
    public let left: String
    public let breatheIn: String
    public let hold: String
    public let breatheOut: String
    public let rest: String
    public let breathOf: @Sendable (_ cycle: Int, _ cycles: Int) -> String
    /// The PMR phases in plain mode: tense, release, relax.
    public let pmrTense: String
    public let pmrRelease: String
    public let pmrRelax: String
    public let cue: String
    public let keys: @Sendable (_ volume: String) -> String
    public let pausedHint: String
    public let playingHint: String
    public let pausedAt: @Sendable (_ time: String) -> String
    public let resumedAt: @Sendable (_ time: String) -> String
    public let movedTo: @Sendable (_ time: String) -> String
    public let volume: @Sendable (_ volume: String) -> String
    public let suspended: @Sendable (_ time: String) -> String
    public let stoppingGently: String
    public let stoppingTerminated: String
    public let ended: String
    public let stoppedAt: @Sendable (_ time: String, _ length: String) -> String
    public let continueWithFrom: @Sendable (_ time: String) -> String
    public let continueLater: @Sendable (_ command: String) -> String

    // MARK: Finding and resuming a session
    /// No session by that name: what was asked, the nearest known name (nil when none is near), all of them, and
    /// where the listener's own go (nil when unknown).
    public let sessionNotFound:
        @Sendable (_ name: String, _ nearest: String?, _ known: String, _ yourFolder: String?) -> String
    public let fromNoSuchStep: @Sendable (_ given: String, _ steps: Int) -> String
    public let fromPastTheEnd: @Sendable (_ given: String, _ end: String) -> String
    public let resumeNothingRecorded: @Sendable (_ run: Int64) -> String
    public let resumeNoSuchRun: @Sendable (_ run: Int64) -> String
    public let resumeFinished: @Sendable (_ run: Int64, _ title: String, _ command: String) -> String
    public let resumePlaying: @Sendable (_ run: Int64, _ title: String) -> String
    public let resumeFromStep: @Sendable (_ run: Int64, _ title: String, _ step: Int, _ stepTitle: String) -> String
    public let resumeFromStart: @Sendable (_ run: Int64, _ title: String) -> String
    public let resumeChanged: @Sendable (_ step: Int) -> String
    /// `respite list`'s column headings: id, language, length, title, what it helps with.
    public let listHeadings: [String]
    /// Under `respite list` when some lengths are estimated.
    public let listAboutNote: String

    // MARK: Sound devices
    public let deviceLost: @Sendable (_ device: String, _ reason: String, _ seconds: Int) -> String
    public let deviceBack: @Sendable (_ time: String) -> String
    public let deviceNotBack: @Sendable (_ seconds: Int, _ time: String) -> String
    public let mustStop: @Sendable (_ reason: String) -> String
    public let sourceUnreadable: @Sendable (_ file: String, _ reason: String) -> String
    public let deviceBusy: @Sendable (_ device: String) -> String
    public let deviceMissing: @Sendable (_ device: String) -> String
    public let deviceFormat: @Sendable (_ device: String, _ rate: Int) -> String
    public let deviceFailed: @Sendable (_ device: String, _ reason: String) -> String
    public let noSoundCard: @Sendable (_ saving: String) -> String
    public let savingTo: @Sendable (_ place: String) -> String
    public let defaultSavePlace: @Sendable (_ id: String) -> String
    public let serverNotAnswering: @Sendable (_ path: String, _ reason: String) -> String
    public let serverNotReached: @Sendable (_ path: String, _ reason: String) -> String
    public let socketRefused: String
    public let socketNotSocket: String
    public let socketPermission: String
    public let socketTooLong: String

    // MARK: History
    public let history: HistoryWords

    /// The words for one rating item: "Pain now: 0 = no pain … 10 = worst possible pain".
    public struct RatingWords: Sendable {
        public let name: String
        public let shortName: String
        public let low: String
        public let high: String
        /// "now", or "lately" for sleep.
        public let when: String
        public init(_ name: String, short: String? = nil, low: String, high: String, when: String) {
            self.name = name
            self.shortName = short ?? name
            self.low = low
            self.high = high
            self.when = when
        }
    }

    /// The start screen's lines and options.
    public struct ChoiceWords: Sendable {
        public let leaveOut: @Sendable (_ area: String) -> String
        public let no: String
        public let yes: String
        public let releaseOnly: String
        public let breathing: String
        public let asWritten: String
        public let gentleBreathing: String
        public let pace: String
        public let quicker: String
        public let slower: String
        public let music: String
        public let none: String
        public let musicLevel: String
        public let quieter: @Sendable (_ decibels: String) -> String
        public let louder: @Sendable (_ decibels: String) -> String
        /// Off a terminal: "This session lets you choose A, B. Played on a terminal without --yes, …".
        public let lets: @Sendable (_ parts: [String]) -> String
        public let areasToLeaveOut: @Sendable (_ groups: String) -> String
        public let releaseOnlySet: String
        public let gentleBreathingSet: String
        public let paceSet: @Sendable (_ low: String, _ high: String) -> String
        public let musicSet: @Sendable (_ values: String) -> String
        public let musicLevelSet: @Sendable (_ value: String) -> String
        /// Joins alternatives: "a or b".
        public let or: String
    }

    /// `respite history`'s table.
    public struct HistoryWords: Sendable {
        public let run: String
        public let started: String
        public let session: String
        public let played: String
        public let howItEnded: String
        public let before: String
        public let after: String
        public let change: String
        public let notAnswered: String
        public let of: String
        public let legend: String
        public let resumeHint: String
        public let none: String
        public let noRatings: String
        public let playingNow: String
        public let finished: String
        public let stoppedByYou: String
        public let deviceLost: String
        public let signal: String
        public let failed: String
        public let crash: String
        public let inStep: @Sendable (_ number: Int) -> String
    }

    /// The quality of evidence and the strength of a recommendation, in words; and how closely a session delivers
    /// the therapy graded, as a clause a patient understands ("this session offers only part of the therapy that
    /// was graded").
    public struct GradeWords: Sendable {
        public let high, intermediate, low: String
        public let strong, moderate, weak: String
        public let full, partial, extrapolated: String
    }

    /// The table for `language`.
    public static func table(_ language: Language) -> InterfaceText {
        switch language {
        case .english: english
        case .spanish: spanish
        case .chinese: chinese
        }
    }

    /// Every fixed phrase in the table, for tests that look for one language's words in another's output.
    public var fixedPhrases: [String] {
        var phrases = [
            beforeYouBegin, evidenceNone, crisisLineUnitedStates, crisisLineGeneral, ratingsBefore, ratingsAfter,
            ratingInstructions, ratingRetry, thankYou, gettingReady, stoppedBeforeStart, nothingPlayed,
            noStoppedPlace, changedStartsOver, chooseHeading, begin, setOnCommandLine, startHintOnBegin,
            startHintOnChoice, plainChooseHeading, plainChooseInstructions, releaseAndRelax, breatheIn, breatheOut,
            pmrTense, pmrRelease, pmrRelax, pausedHint, playingHint, stoppingGently, stoppingTerminated, ended,
            choices.releaseOnly, choices.gentleBreathing, choices.musicLevel, history.howItEnded, history.legend,
            history.stoppedByYou,
        ]
        phrases += ratingItems.values.flatMap { [$0.name, $0.low, $0.high] }
        return phrases
    }
}
