import Foundation
import Localization
import Testing

@testable import SessionKit

/// Languages: which one a tag or a locale names, the engine's words in a session's language, and text laid out
/// for every script.
struct LanguageTests {
    @Test(arguments: [
        ("es", Language.spanish), ("es-419", .spanish), ("es_ES.UTF-8", .spanish), ("es_US@euro", .spanish),
        ("zh", .chinese), ("zh-Hans-CN", .chinese), ("zh_TW.UTF-8", .chinese), ("cmn", .chinese),
        ("en-GB", .english), ("en_US.UTF-8", .english),
    ])
    func tagsAndLocalesNameALanguage(_ tag: String, _ language: Language) {
        #expect(Language(tag: tag) == language)
    }

    @Test func unknownTagsAndTheCLocaleNameNone() {
        for tag in ["", "C", "POSIX", "vi", "x", "esperanto", "e", "-", "zh-yue", "yue", "zh_HK.UTF-8", "spa"] {
            #expect(Language(tag: tag) == nil, "\(tag)")
        }
    }

    @Test func theInterfaceFollowsTheOptionThenTheLocaleInGettextsOrder() {
        let interface = { (option: String?, environment: [String: String]) in
            Language.interface(option: option, environment: environment)
        }
        #expect(interface(nil, [:]) == .english)
        #expect(interface(nil, ["LANG": "es_MX.UTF-8"]) == .spanish)
        #expect(interface(nil, ["LANG": "es_MX.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"]) == .chinese)
        #expect(interface(nil, ["LANG": "zh_CN.UTF-8", "LC_ALL": "es_ES.UTF-8"]) == .spanish)
        #expect(interface(nil, ["LANG": "en_US.UTF-8", "LANGUAGE": "vi:es:en"]) == .spanish)
        // LANGUAGE is ignored in the C locale, as gettext ignores it.
        #expect(interface(nil, ["LC_ALL": "C", "LANGUAGE": "es"]) == .english)
        #expect(interface(nil, ["LANG": "vi_VN.UTF-8"]) == .english)
        #expect(interface("es", ["LANG": "zh_CN.UTF-8"]) == .spanish)
        #expect(interface("vi", ["LANG": "es_ES.UTF-8"]) == nil, "an unknown --lang is the caller's to refuse")
    }

    @Test func mandarinIsSpokenByThePinyinVoice() {
        #expect(Language.espeakVoice(forLanguage: "zh") == "cmn-latn-pinyin")
        #expect(Language.espeakVoice(forLanguage: "es-419") == "es-419")
    }

    // MARK: The engine's words

    static func pmr(language: String, now: String = "", release: String = "") -> String {
        TestSupport.session(
            steps: #"{ "type": "pmr", "group": "right-arm", "prepare": "P", "tense": 6, "relax": 30"# + now + release
                + " }"
        ).replacingOccurrences(of: #""language": "en""#, with: #""language": "\#(language)""#)
    }

    @Test func aSpanishStepWithoutItsOwnWordsSaysTheSpanishOnes() throws {
        let session = try TestSupport.load(Self.pmr(language: "es-419"))
        guard case .pmr(let pmr) = session.steps[0].kind else {
            Issue.record("not a PMR step")
            return
        }
        #expect(pmr.now == "Ahora.")
        #expect(pmr.release == "Y suelte, todo de una vez.")
        let chinese = try TestSupport.load(Self.pmr(language: "zh"))
        guard case .pmr(let zh) = chinese.steps[0].kind else {
            Issue.record("not a PMR step")
            return
        }
        #expect(zh.now == "现在。")
    }

    @Test func aLanguageWithoutATableMustWriteItsOwnWordsAndValidateSaysWhere() {
        let errors = TestSupport.errors(Self.pmr(language: "vi"))
        #expect(errors.map(\.path).sorted() == ["steps[0].now", "steps[0].release"], "\(errors)")
        #expect(errors.allSatisfy { $0.message.contains("no words in 'vi'") }, "\(errors.map(\.message))")
        let written = Self.pmr(language: "vi", now: #", "now": "Bây giờ.""#, release: #", "release": "Thả lỏng.""#)
        #expect(TestSupport.errors(written).isEmpty)
    }

    @Test func theTranscriptAndTitlesAreInTheSessionsLanguage() throws {
        let text = TestSupport.session(
            steps:
                #"{ "type": "silence", "seconds": 4 }, { "type": "breathing", "inhale": 4, "exhale": 6, "cycles": 1 }"#
        ).replacingOccurrences(of: #""language": "en""#, with: #""language": "es""#)
        let session = try TestSupport.load(text)
        let timeline = try Compiler.compile(session, parameters: session.parameters, sampleRate: 1_000, lengths: [:])
        #expect(timeline.steps.map(\.title) == ["Silencio", "Respiración"])
        let words = timeline.entries.map(\.text)
        #expect(words.contains("silencio, 4 s"), "\(words)")
        #expect(words.contains("respiración 1 de 1: inhalar 4 s, exhalar 6 s"), "\(words)")
    }

    // MARK: Text for every script

    /// A Chinese caption has no spaces: it wraps between characters, two columns each, every line filled, and
    /// closing punctuation stays with the character before it.
    @Test func chineseWrapsBetweenCharactersByDisplayWidth() {
        let text = "欢迎您。这是一段大约五分钟的简短呼吸练习。请用您觉得舒服的姿势坐着或躺着，肩膀放松。您可以闭上眼睛，也可以睁着眼睛。"
        let lines = DisplayText.wrapped(text, width: 20)
        #expect(lines.joined() == text)
        #expect(lines.count >= 6)
        for line in lines {
            #expect(DisplayText.columns(line) <= 20, "\(line)")
            #expect(!"，。".contains(line.first ?? " "), "a line starts with punctuation: \(line)")
        }
        for line in lines.dropLast() { #expect(DisplayText.columns(line) >= 16, "a short line: \(line)") }
    }

    /// Emoji, combining marks, punctuation alone and widths narrower than a character: every character kept, in
    /// order, no line wider than asked (but a lone character wider than the whole line).
    @Test(arguments: [
        ("😀😀😀，😀😀。", 3), ("e\u{301}te\u{301}？", 2), ("，。、！？；：", 4), ("「你好」。「再见」！", 5), ("中文", 1),
        ("👩‍👩‍👧 家庭", 4),
    ])
    func oddTextWrapsWithoutLosingACharacter(_ text: String, _ width: Int) {
        let lines = DisplayText.wrapped(text, width: width)
        #expect(lines.joined().replacingOccurrences(of: " ", with: "") == text.replacingOccurrences(of: " ", with: ""))
        for line in lines {
            #expect(DisplayText.columns(line) <= width || line.count == 1, "\(line) in \(lines)")
        }
    }

    @Test func mixedChineseAndLatinKeepsTheLatinWordsWhole() {
        let lines = DisplayText.wrapped("请按 space 键暂停，按 q 键退出播放器程序。", width: 12)
        #expect(lines.allSatisfy { DisplayText.columns($0) <= 12 }, "\(lines)")
        #expect(lines.contains { $0.contains("space") }, "\(lines)")
        #expect(lines.joined(separator: " ").replacingOccurrences(of: " ", with: "") == "请按space键暂停，按q键退出播放器程序。")
    }

    /// Right-to-left text is kept in logical order (the terminal shows it right to left), wrapped between words by
    /// width, and no bidirectional control gets through to reorder the terminal's line.
    @Test func rightToLeftTextStaysInLogicalOrderWithoutControls() {
        let arabic = "تنفس ببطء، ودع كتفيك ترتخيان. لا داعي لحبس النفس في أي وقت."
        let lines = DisplayText.wrapped(arabic, width: 16)
        #expect(lines.joined(separator: " ") == arabic)
        #expect(lines.allSatisfy { DisplayText.columns($0) <= 16 })
        let hostile = "שלום \u{202E}evil\u{202C} עולם \u{2067}x\u{2069}"
        let safe = DisplayText.sanitized(hostile, singleLine: true)
        #expect(
            !safe.unicodeScalars.contains {
                (0x202A...0x202E).contains($0.value) || (0x2066...0x2069).contains($0.value)
            })
        #expect(safe.hasPrefix("שלום"))
    }
}
