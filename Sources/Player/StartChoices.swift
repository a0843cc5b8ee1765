import Localization
import SessionKit

/// What a session lets a listener choose before it plays, made from the session itself: one line per muscle
/// group it can leave out and release-only when it has muscle relaxation, the pace, and the music bed and
/// its level. The start screen shows these lines; their values become `--set` assignments.
///
/// Values come from three places, later ones winning: the session's declared `parameters`, the listener's
/// remembered choices, and `--set` on the command line. A line set on the command line is ``Line/fixed``: the
/// screen shows it but does not change it, and it is not remembered.
public struct StartChoices: Sendable, Equatable {
    /// One thing to choose and its possible values.
    public struct Line: Sendable, Equatable {
        /// What the line sets.
        public enum Target: Sendable, Equatable {
            /// Leave this PMR group out (one line per group; together they make `skip=`).
            case skip(group: String)
            case releaseOnly
            case pace
            case music
            case musicGain
            /// One of the session's own choices (``SessionKit/Session/choices``), by key.
            case choice(key: String)
            case gentleBreathing
        }

        public var target: Target
        /// What the line is about, e.g. "Leave out the left arm".
        public var label: String
        /// The values to cycle through, with their words.
        public var options: [Option]
        /// The index in ``options`` chosen now.
        public var selected: Int
        /// Set on the command line: shown, not changed, not remembered.
        public var fixed: Bool

        /// The words of the chosen value.
        public var value: String { options[selected].label }
    }

    /// One value of a line.
    public struct Option: Sendable, Equatable {
        /// The value as a listener reads it: "yes", "0.8 (quicker)", "none".
        public var label: String
        /// The value as `--set` writes it after `key=`: "true", "0.8", "none", "builtin:ocean".
        public var value: String
    }

    /// The lines, in the order shown.
    public var lines: [Line]

    /// Paces offered besides the session's own, each of which must keep the session valid.
    public static let paces: [Double] = [0.7, 0.8, 1, 1.2, 1.5]
    /// Music levels offered, in dB relative to the session's own.
    public static let musicOffsets: [Double] = [0, -6, -12, 6]
    /// Built-in beds offered besides the session's own music.
    public static let beds: [BuiltinSound] = [.ocean, .rain, .drone]

    /// The choices `session` offers, set to `parameters` (the session's defaults with remembered choices and
    /// `--set` applied), with the lines whose keys appear in `fixedKeys` marked as set on the command line.
    ///
    /// Every value offered is checked with ``SessionKit/Parameters/applying(_:to:loader:)`` against the session,
    /// so a pace that would push a cue out of its silence is not offered.
    ///
    /// - Parameter words: the interface's words for the lines and options. An area to leave out is named by its
    ///   group (`right-arm`: "right arm") in an English session, and by its step's label in another language.
    public init(
        session: Session, parameters: Parameters, fixedKeys: Set<String> = [], loader: SessionLoader,
        words: InterfaceText.ChoiceWords = InterfaceText.english.choices
    ) {
        let defaults = session.parameters
        func valid(_ assignment: String) -> Bool {
            (try? defaults.applying([assignment], to: session, loader: loader)) != nil
        }
        var lines: [Line] = []
        for choice in session.choices {
            let chosen = parameters.choice(choice.key, in: session)
            lines.append(
                Line(
                    target: .choice(key: choice.key), label: choice.label,
                    options: choice.options.map { Option(label: $0.label, value: $0.value) },
                    selected: choice.options.firstIndex { $0.value == chosen } ?? 0,
                    fixed: fixedKeys.contains(choice.key)))
        }
        var groups: [String] = []
        var areas: [String: String] = [:]
        let english = session.language.isEmpty || Language(tag: session.language) == .english
        for step in session.steps {
            if case .pmr(let pmr) = step.kind, !groups.contains(pmr.group) {
                groups.append(pmr.group)
                areas[pmr.group] =
                    english ? pmr.group.replacingOccurrences(of: "-", with: " ") : step.label ?? pmr.group
            }
        }
        for group in groups {
            lines.append(
                Line(
                    target: .skip(group: group), label: words.leaveOut(areas[group] ?? group),
                    options: [Option(label: words.no, value: "no"), Option(label: words.yes, value: "yes")],
                    selected: parameters.skip.contains(group) ? 1 : 0, fixed: fixedKeys.contains("skip")))
        }
        if !groups.isEmpty {
            lines.append(
                Line(
                    target: .releaseOnly, label: words.releaseOnly,
                    options: [Option(label: words.no, value: "false"), Option(label: words.yes, value: "true")],
                    selected: parameters.releaseOnly ? 1 : 0, fixed: fixedKeys.contains("releaseOnly")))
        }
        let breathes = session.steps.contains { if case .breathing = $0.kind { true } else { false } }
        if breathes {
            lines.append(
                Line(
                    target: .gentleBreathing, label: words.breathing,
                    options: [
                        Option(label: words.asWritten, value: "false"),
                        Option(label: words.gentleBreathing, value: "true"),
                    ],
                    selected: parameters.gentleBreathing ? 1 : 0, fixed: fixedKeys.contains("gentleBreathing")))
        }
        var paces = Self.paces.filter { $0 == defaults.pace || valid("pace=\(Self.number($0))") }
        for pace in [defaults.pace, parameters.pace] where !paces.contains(pace) { paces.append(pace) }
        paces.sort()
        lines.append(
            Line(
                target: .pace, label: words.pace,
                options: paces.map { pace in
                    let said =
                        pace == defaults.pace
                        ? words.asWritten : pace < defaults.pace ? words.quicker : words.slower
                    return Option(label: "\(Self.number(pace)) (\(said))", value: Self.number(pace))
                },
                selected: paces.firstIndex(of: parameters.pace) ?? 0, fixed: fixedKeys.contains("pace")))
        var music: [Option] = []
        if let own = session.music {
            music.append(
                Option(label: "\(words.asWritten) (\(Self.name(of: own.source)))", value: own.source.description))
        }
        music.append(Option(label: words.none, value: "none"))
        for bed in Self.beds where session.music?.source != .builtin(bed) {
            music.append(Option(label: bed.rawValue, value: "builtin:\(bed.rawValue)"))
        }
        let chosenMusic: String
        switch parameters.music {
        case .session: chosenMusic = session.music?.source.description ?? "none"
        case .off: chosenMusic = "none"
        case .source(let reference): chosenMusic = reference.description
        }
        if !music.contains(where: { $0.value == chosenMusic }) {
            music.append(Option(label: chosenMusic, value: chosenMusic))
        }
        lines.append(
            Line(
                target: .music, label: words.music, options: music,
                selected: music.firstIndex { $0.value == chosenMusic } ?? 0, fixed: fixedKeys.contains("music")))
        let ownGain = defaults.musicGain ?? session.music?.gain ?? 0
        var gains = Self.musicOffsets.map { ownGain + $0 }.filter { (-60...12).contains($0) }
        let chosenGain = parameters.musicGain ?? ownGain
        if !gains.contains(chosenGain) { gains.append(chosenGain) }
        lines.append(
            Line(
                target: .musicGain, label: words.musicLevel,
                options: gains.map { gain in
                    let offset = gain - ownGain
                    let said =
                        offset == 0
                        ? words.asWritten
                        : offset < 0 ? words.quieter(Self.number(-offset)) : words.louder(Self.number(offset))
                    return Option(label: said, value: Self.number(gain))
                },
                selected: gains.firstIndex(of: chosenGain) ?? 0, fixed: fixedKeys.contains("musicGain")))
        self.lines = lines
    }

    /// Moves line `index` to its next value (wrapping), unless it is fixed.
    public mutating func advance(_ index: Int) {
        guard lines.indices.contains(index), !lines[index].fixed else { return }
        lines[index].selected = (lines[index].selected + 1) % lines[index].options.count
    }

    /// The choices as `--set` assignments, for the lines that are not fixed and differ from `defaults` (the
    /// session's declared parameters): what is remembered for next time.
    public func assignments(over defaults: Parameters, session: Session) -> [String] {
        var result: [String] = []
        let skipLines = lines.filter { if case .skip = $0.target { true } else { false } }
        if let first = skipLines.first, !first.fixed {
            let skipped = skipLines.compactMap { line -> String? in
                guard case .skip(let group) = line.target, line.selected == 1 else { return nil }
                return group
            }
            if skipped != defaults.skip { result.append("skip=" + skipped.joined(separator: ",")) }
        }
        for line in lines where !line.fixed {
            let value = line.options[line.selected].value
            switch line.target {
            case .skip: break
            case .releaseOnly:
                if (value == "true") != defaults.releaseOnly { result.append("releaseOnly=\(value)") }
            case .gentleBreathing:
                if (value == "true") != defaults.gentleBreathing { result.append("gentleBreathing=\(value)") }
            case .choice(let key):
                if value != defaults.choice(key, in: session) { result.append("\(key)=\(value)") }
            case .pace:
                if value != Self.number(defaults.pace) { result.append("pace=\(value)") }
            case .music:
                let own = session.music?.source.description ?? "none"
                if value != own || defaults.music != .session { result.append("music=\(value)") }
            case .musicGain:
                if value != Self.number(defaults.musicGain ?? session.music?.gain ?? 0) {
                    result.append("musicGain=\(value)")
                }
            }
        }
        return result
    }

    /// A number as a listener writes it: `1`, `0.8`, `-6`.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e9 { return String(Int(value)) }
        return String(value)
    }

    /// A music bed's name for a listener: `tide-pad` for `audio:music/tide-pad.ogg`, `ocean` for a built-in.
    static func name(of reference: SoundReference) -> String {
        switch reference {
        case .builtin(let sound): sound.rawValue
        case .bundled(let path), .file(let path):
            String((path.split(separator: "/").last ?? Substring(path)).split(separator: ".").first ?? "")
        }
    }
}
