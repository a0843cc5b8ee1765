import Localization

extension SessionLoader.Decoder {
    /// A step as written, before `block` and `repeat` steps are expanded.
    indirect enum RawStep {
        /// A step that plays.
        case step(Step)
        /// `repeat`: `steps`, `times` times.
        case repeating(times: Int, steps: [RawStep], label: String?, only: [String: [String]])
        /// `block`: the block named `name`, `times` times; `location` and `path` are its `use`.
        case block(
            name: String, times: Int, label: String?, path: JSONPath, location: JSONLocation, only: [String: [String]])
    }

    /// The step types, in the order the format documents them.
    static let stepTypes = ["narration", "silence", "bell", "pmr", "breathing", "block", "repeat"]
    static let commonStepKeys = ["type", "label", "cues", "only"]
    static let stepKeys: [String: [String]] = [
        "narration": ["text", "audio", "pause", "gain", "releaseOnly"],
        "silence": ["seconds"],
        "bell": ["sound", "gain", "seconds"],
        "pmr": [
            "group", "prepare", "now", "nowCue", "tense", "releaseCue", "release", "relax", "relaxText", "rest",
            "releaseOnly",
        ],
        "breathing": ["inhale", "hold", "exhale", "rest", "cycles", "pacer", "text", "gentle"],
        "block": ["use", "repeat"],
        "repeat": ["times", "steps"],
    ]
    static let cueKeys = ["at", "sound", "gain"]
    static let gentleKeys = ["inhale", "exhale", "rest", "text"]
    /// Keys of earlier versions of the format, with what replaced them.
    static let retiredStepKeys: [String: [String: (message: String, suggestion: String)]] = [
        "pmr": [
            "instruction": (
                "'instruction' was replaced by 'prepare' and 'now': the hold is timed from the \"now\", so the "
                    + "instruction must not itself say to tense",
                "rename it to \"prepare\" and word it as what comes (\"In a moment, gently make a fist…\"), "
                    + "leaving out \"hold it\"; the step then says \"Now.\" (or its 'now') and times the tension from there"
            )
        ]
    ]

    /// Decodes a list of steps; steps with problems are left out (the problems are reported).
    mutating func decodeSteps(_ elements: [JSONValue], path: JSONPath, pace: Double) -> [RawStep] {
        var steps: [RawStep] = []
        for (index, element) in elements.enumerated() {
            if let step = decodeStep(element, path: path.appending(index), pace: pace) { steps.append(step) }
        }
        return steps
    }

    mutating func decodeStep(_ value: JSONValue, path: JSONPath, pace: Double) -> RawStep? {
        guard let node = node(value, path: path, what: "a step") else { return nil }
        let typeListing = "step types: \(Self.stepTypes.joined(separator: ", "))"
        guard let typeValue = node.value("type") else {
            report(
                "this step has no 'type'", suggestion: "add \"type\": one of \(Self.stepTypes.joined(separator: ", "))",
                path: node.path("type"), at: node.location)
            return nil
        }
        guard case .string(let type) = typeValue.kind else {
            typeMismatch(typeValue, path: node.path("type"), expected: "a step type in double quotes")
            return nil
        }
        guard let keys = Self.stepKeys[type] else {
            report(
                "unknown step type '\(type)'",
                suggestion: Suggestions.suggestion(for: type, in: Self.stepTypes, listing: "step types")
                    ?? typeListing,
                path: node.path("type"), at: typeValue.location)
            return nil
        }
        let isGroup = type == "block" || type == "repeat"
        if isGroup, let cues = node.object["cues"] {
            report(
                "a \(type) step can't have cues", suggestion: "put the cues on the steps inside it",
                path: node.path("cues"), at: cues.keyLocation)
        }
        let known = (isGroup ? ["type", "label", "only"] : Self.commonStepKeys) + keys
        let current = retire(node, Self.retiredStepKeys[type] ?? [:])
        checkKeys(
            Node(
                object: JSONObject(members: current.object.members.filter { !isGroup || $0.key != "cues" }),
                location: node.location, path: node.path),
            known: known, context: "in a \(type) step")
        let label = text(node, "label", required: false)

        let kind: Step.Kind
        let fixedLength: Double?
        switch type {
        case "narration":
            var narration = Narration(text: text(node, "text") ?? "")
            narration.audio = (sound(node, "audio", required: false) ?? nil)
            narration.pause = seconds(node, "pause", zeroAllowed: true) ?? narration.pause
            narration.gain = gain(node, "gain") ?? narration.gain
            narration.releaseOnly = decodeReleaseOnly(node, keys: ["text"])
            kind = .narration(narration)
            fixedLength = nil
        case "silence":
            let length = seconds(node, "seconds", required: true, zeroAllowed: false)
            kind = .silence(seconds: length ?? 1)
            fixedLength = length.map { $0 * pace }
        case "bell":
            let sound = (sound(node, "sound", required: false) ?? nil) ?? .builtin(.bell)
            let length = seconds(node, "seconds", zeroAllowed: false) ?? (node.value("seconds") == nil ? 6 : nil)
            kind = .bell(sound: sound, gain: gain(node, "gain") ?? -6, seconds: length ?? 6)
            fixedLength = length
        case "pmr":
            kind = .pmr(decodePMR(node))
            fixedLength = nil
        case "breathing":
            kind = .breathing(decodeBreathing(node))
            fixedLength = nil
        case "block":
            let name = text(node, "use") ?? ""
            let times = integer(node, "repeat", range: 1...100) ?? 1
            guard let use = node.value("use"), case .string = use.kind, !name.isEmpty else { return nil }
            return .block(
                name: name, times: times, label: label, path: node.path("use"), location: use.location,
                only: decodeOnly(node))
        default:  // repeat
            let times = integer(node, "times", required: true, range: 1...100) ?? 1
            guard let elements = list(node, "steps", required: true, what: "a list of steps in [ ]") else {
                return nil
            }
            if elements.isEmpty, let value = node.value("steps") {
                report(
                    "a repeat needs at least one step to repeat", suggestion: "add steps, or remove the repeat",
                    path: node.path("steps"), at: value.location)
            }
            return .repeating(
                times: times, steps: decodeSteps(elements, path: node.path("steps"), pace: pace), label: label,
                only: decodeOnly(node))
        }
        let cues = decodeCues(node, fixedLength: fixedLength, stepType: type)
        var step = Step(label: label, kind: kind, cues: cues, path: path.description, only: decodeOnly(node))
        (step.line, step.column) = (node.location.line, node.location.column)
        return .step(step)
    }

    mutating func decodePMR(_ node: Node) -> PMR {
        let group = text(node, "group") ?? ""
        if let value = node.value("group"), case .string = value.kind, !group.isEmpty,
            group.count > 64 || !group.unicodeScalars.allSatisfy(Self.isSlugCharacter)
        {
            let slug = Self.slug(group)
            report(
                "the group name '\(group)' must be lower-case letters a-z, digits and '-' (at most 64)",
                suggestion: slug.isEmpty ? "e.g. \"right-arm\"" : "e.g. \"\(slug)\"", path: node.path("group"),
                at: value.location)
        }
        var pmr = PMR(
            // A step still using 'instruction' is told about it once, not also that 'prepare' is missing.
            group: group, prepare: text(node, "prepare", required: node.value("instruction") == nil) ?? "",
            tense: seconds(node, "tense", required: true, zeroAllowed: false) ?? 5,
            relax: seconds(node, "relax", required: true, range: 10...60, zeroAllowed: false) ?? 20)
        if let value = node.value("tense"), case .number(let number) = value.kind, number.value > 0,
            number.value <= SessionLoader.maximumDuration, !PMR.tensionRange.contains(number.value)
        {
            report(
                "tension is held 5 to 7 seconds from the \"now\" (Bernstein & Borkovec), not \(number.literal): a "
                    + "longer hold brings cramp and pain, and pace keeps it within 5 to 7 at any setting",
                suggestion: "write a tense from 5 to 7", path: node.path("tense"), at: value.location)
        }
        let nowText = text(node, "now", required: false, allowEmpty: true)
        // The engine's own words in the session's language; an empty language is the default, English.
        let phrases = language.isEmpty ? SpokenPhrases.english : SpokenPhrases(tag: language)
        pmr.nowCue = sound(node, "nowCue", required: false) ?? nil
        if let nowText {
            pmr.now = nowText
            if nowText.trimmingSpaces().isEmpty && pmr.nowCue == nil, let value = node.value("now") {
                report(
                    "'now' is empty and there is no 'nowCue': nothing would mark when to start tensing",
                    suggestion: "write the word, e.g. \"Now.\", or add \"nowCue\": \"builtin:tone\"",
                    path: node.path("now"), at: value.location)
            }
        } else if let phrases {
            pmr.now = phrases.now
        } else if pmr.nowCue != nil {
            pmr.now = ""  // the cue alone marks it: Respite has no words in this language
        } else {
            report(
                "this step has no 'now', and Respite has no words in '\(language)' (it has \(Language.codeList))",
                suggestion: "add \"now\": the word in this session's language that starts the tension",
                path: node.path("now"), at: node.location)
        }
        pmr.releaseCue = (sound(node, "releaseCue", required: false) ?? nil) ?? pmr.releaseCue
        if let release = text(node, "release", required: false, allowEmpty: true) {
            pmr.release = release
        } else if let phrases {
            pmr.release = phrases.release
        } else {
            report(
                "this step has no 'release', and Respite has no words in '\(language)' (it has \(Language.codeList))",
                suggestion: "add \"release\": what is said on the release cue, in this session's language",
                path: node.path("release"), at: node.location)
        }
        pmr.relaxText = text(node, "relaxText", required: false, allowEmpty: true)
        pmr.rest = text(node, "rest", required: false, allowEmpty: true)
        pmr.releaseOnly = decodeReleaseOnly(node, keys: ["text", "relaxText"])
        return pmr
    }

    /// `only`: `{"scene": "beach"}` or `{"scene": ["beach", "garden"]}`, naming the session's choices and their
    /// options.
    mutating func decodeOnly(_ node: Node) -> [String: [String]] {
        guard let value = field(node, "only", required: false),
            let object = self.node(value, path: node.path("only"), what: "'only'")
        else { return [:] }
        var only: [String: [String]] = [:]
        for member in object.object.members {
            let path = object.path(member.key)
            guard let choice = choices.first(where: { $0.key == member.key }) else {
                let keys = choices.map(\.key)
                report(
                    "this session has no choice '\(member.key)'",
                    suggestion: keys.isEmpty
                        ? "declare it in the top-level \"choices\"" : "choices: \(keys.joined(separator: ", "))",
                    path: path, at: member.keyLocation)
                continue
            }
            var values: [JSONValue] = [member.value]
            if case .array(let elements) = member.value.kind {
                values = elements
                if elements.isEmpty {
                    report(
                        "an empty list of options: the step would never play",
                        suggestion:
                            "list the options it plays for: \(choice.options.map(\.value).joined(separator: ", "))",
                        path: path, at: member.value.location)
                }
            }
            var chosen: [String] = []
            for element in values {
                guard case .string(let text) = element.kind else {
                    typeMismatch(element, path: path, expected: "an option of '\(choice.key)' in double quotes")
                    continue
                }
                if !choice.options.contains(where: { $0.value == text }) {
                    report(
                        "'\(text)' is not an option of '\(choice.key)'",
                        suggestion: "options: \(choice.options.map(\.value).joined(separator: ", "))", path: path,
                        at: element.location)
                }
                chosen.append(text)
            }
            only[member.key] = chosen
        }
        return only
    }

    /// `releaseOnly`: the words a step says when the listener chose release-only relaxation.
    mutating func decodeReleaseOnly(_ node: Node, keys: [String]) -> ReleaseOnlyText {
        guard let value = field(node, "releaseOnly", required: false),
            let object = self.node(value, path: node.path("releaseOnly"), what: "'releaseOnly'")
        else { return ReleaseOnlyText() }
        checkKeys(object, known: keys, context: "in 'releaseOnly'")
        return ReleaseOnlyText(
            text: text(object, "text", required: false, allowEmpty: true),
            relaxText: keys.contains("relaxText") ? text(object, "relaxText", required: false, allowEmpty: true) : nil)
    }

    mutating func decodeBreathing(_ node: Node) -> Breathing {
        var breathing = Breathing(
            inhale: seconds(node, "inhale", required: true, range: 1...10, zeroAllowed: false) ?? 4,
            exhale: seconds(node, "exhale", required: true, range: 1...15, zeroAllowed: false) ?? 6,
            cycles: integer(node, "cycles", required: true, range: 1...100) ?? 1)
        breathing.hold = seconds(node, "hold", range: 0...10, zeroAllowed: true) ?? 0
        breathing.rest = seconds(node, "rest", range: 0...10, zeroAllowed: true) ?? 0
        breathing.pacer = choice(node, "pacer", required: false) ?? .swell
        breathing.text = text(node, "text", required: false, allowEmpty: true)
        if let value = field(node, "gentle", required: false),
            let gentle = self.node(value, path: node.path("gentle"), what: "'gentle'")
        {
            checkKeys(gentle, known: Self.gentleKeys, context: "in 'gentle'")
            breathing.gentle = GentleBreathing(
                inhale: seconds(gentle, "inhale", required: true, range: 1...10, zeroAllowed: false) ?? 3,
                exhale: seconds(gentle, "exhale", required: true, range: 1...15, zeroAllowed: false) ?? 4,
                rest: seconds(gentle, "rest", range: 0...10, zeroAllowed: true) ?? 0,
                text: text(gentle, "text", required: false, allowEmpty: true))
        }
        return breathing
    }

    /// Decodes `cues`; `fixedLength` is the step's length in seconds when known before speech is
    /// synthesised (silence, bell), and each cue must start within it.
    mutating func decodeCues(_ node: Node, fixedLength: Double?, stepType: String) -> [Cue] {
        guard let elements = list(node, "cues", required: false, what: "a list of cues in [ ]") else { return [] }
        var cues: [Cue] = []
        for (index, element) in elements.enumerated() {
            let path = node.path("cues").appending(index)
            guard let cueNode = self.node(element, path: path, what: "a cue") else { continue }
            checkKeys(cueNode, known: Self.cueKeys, context: "in a cue")
            let at = seconds(cueNode, "at", required: true, zeroAllowed: true)
            let sound = (sound(cueNode, "sound", required: true) ?? nil) ?? .builtin(.bell)
            let gain = gain(cueNode, "gain") ?? -6
            if let at, let fixedLength, at >= fixedLength, let value = cueNode.value("at") {
                report(
                    "this cue starts at \(SessionLoader.plain(at)) s, but the \(stepType) step lasts only "
                        + "\(SessionLoader.plain(fixedLength)) s",
                    suggestion: "a cue must start within its step; use an 'at' below "
                        + SessionLoader.plain(fixedLength),
                    path: cueNode.path("at"), at: value.location)
            }
            cues.append(Cue(at: at ?? 0, sound: sound, gain: gain))
        }
        return cues
    }
}
