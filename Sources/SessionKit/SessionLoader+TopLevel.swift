extension SessionLoader.Decoder {
    static let topLevelKeys = [
        "format", "id", "title", "description", "language", "author", "version", "tags", "helpsWith", "protocol",
        "ratings", "safety", "voice", "parameters", "music", "choices", "blocks", "steps",
    ]
    static let protocolKeys = ["name", "source", "audience", "evidence"]
    static let evidenceKeys = ["guideline", "therapy", "symptom", "quality", "strength", "match", "note"]
    /// What `evidence` says when no guideline graded what the session does.
    static let notGraded = "not graded"
    /// How an evidence entry is written, for messages.
    static let evidenceExample =
        "\"evidence\": [{\"guideline\": \"SIO–ASCO 2022, cancer pain\", \"therapy\": \"guided imagery with "
        + "progressive muscle relaxation\", \"symptom\": \"general cancer pain\", \"quality\": \"low\", "
        + "\"strength\": \"weak\", \"match\": \"partial\"}], or \"evidence\": \"not graded\""
    static let voiceKeys = ["engine", "model", "name", "rate", "pitch", "gain", "lexicon"]
    static let parameterKeys = Parameters.keys
    static let musicKeys = ["source", "gain", "loop", "fadeIn", "fadeOut", "duck"]

    /// A `skip` entry, kept with its position until the session's PMR groups are known.
    struct SkipEntry {
        var group: String
        var location: JSONLocation
        var path: JSONPath
    }

    /// The whole session, or `nil` when the document is not even an object.
    mutating func decodeSession(_ root: JSONValue) -> Session? {
        guard let top = node(root, path: .root, what: "a session") else { return nil }
        checkKeys(top, known: Self.topLevelKeys, context: "at the top level")

        let format = integer(top, "format", required: true, range: 0...1_000_000)
        if let format, format != 1, let value = top.value("format") {
            report(
                "format \(format) is not one this version of Respite reads",
                suggestion: "this version reads format 1; write \"format\": 1, or update Respite",
                path: top.path("format"), at: value.location)
        }
        let id = decodeID(top)
        let title = text(top, "title") ?? ""
        let description = text(top, "description") ?? ""
        let language = decodeLanguage(top)
        self.language = language
        let author = text(top, "author") ?? ""
        let version = text(top, "version") ?? ""
        let tags = decodeTags(top)
        let helpsWith = decodeTextList(top, "helpsWith", example: "[\"anxiety\", \"pain\", \"sleep\"]")
        let ratings = decodeRatings(top)
        let protocolInfo = decodeProtocol(top)
        let safety = decodeSafety(top)
        let voice = decodeVoice(top)
        let music = decodeMusic(top)
        var (parameters, skipEntries) = decodeParameters(top)
        let choices = decodeChoices(top)
        self.choices = choices

        let blocks = decodeBlocks(top, pace: parameters.pace)
        var steps: [RawStep] = []
        let stepsValue = top.value("steps")
        if let elements = list(top, "steps", required: true, what: "a list of steps in [ ]"),
            let stepsValue
        {
            if elements.isEmpty {
                report(
                    "a session needs at least one step", suggestion: "add a step, e.g. { \"type\": \"bell\" }",
                    path: top.path("steps"), at: stepsValue.location)
            }
            steps = decodeSteps(elements, path: top.path("steps"), pace: parameters.pace)
        }

        let groups = reachableGroups(steps, blocks: blocks)
        parameters.skip = checkSkip(skipEntries, groups: groups)
        skipEntries.removeAll()

        let stepsLocation = stepsValue?.location ?? top.location
        let expanded = expandAll(steps, blocks: blocks, at: stepsLocation) ?? []
        if !expanded.isEmpty {
            // The longest of the choices' options counts: each option alone must fit.
            var totals = [SessionLoader.fixedSeconds(of: expanded, parameters: parameters, choices: choices)]
            for choice in choices {
                for option in choice.options {
                    var chosen = parameters
                    chosen.choices[choice.key] = option.value
                    totals.append(SessionLoader.fixedSeconds(of: expanded, parameters: chosen, choices: choices))
                }
            }
            let total = totals.max() ?? 0
            if total > SessionLoader.maximumSessionDuration {
                report(
                    "the session's silences, pauses, holds, breaths and bells alone last "
                        + "\(SessionLoader.describeDuration(total)); a session can be at most 6 hours long",
                    suggestion: "shorten it, or check that durations are in seconds",
                    path: top.path("steps"), at: stepsLocation)
            }
        }

        return Session(
            format: format ?? 1, id: id, title: title, description: description, language: language,
            author: author, version: version, tags: tags, helpsWith: helpsWith, ratings: ratings,
            protocol: protocolInfo,
            safety: safety, voice: voice,
            parameters: parameters, music: music, choices: choices, blockNames: blocks.order, steps: expanded,
            directory: directory)
    }

    // MARK: Metadata

    mutating func decodeID(_ top: Node) -> String {
        guard let id = text(top, "id", allowEmpty: true), let value = top.value("id"), case .string = value.kind
        else { return "" }
        if id.isEmpty || id.count > 64 || !id.unicodeScalars.allSatisfy(Self.isSlugCharacter) {
            let slug = Self.slug(id)
            report(
                "the id '\(id)' must be 1 to 64 characters: lower-case letters a-z, digits and '-'",
                suggestion: slug.isEmpty ? "e.g. \"hands-only\"" : "e.g. \"\(slug)\"",
                path: top.path("id"), at: value.location)
        }
        return id
    }

    static func isSlugCharacter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-"
    }

    /// A best guess at what a therapist meant: `Hands Only!` → `hands-only`.
    static func slug(_ text: String) -> String {
        var result = ""
        for scalar in text.lowercased().unicodeScalars {
            if isSlugCharacter(scalar) {
                result.unicodeScalars.append(scalar)
            } else if (scalar == " " || scalar == "_") && !result.isEmpty && !result.hasSuffix("-") {
                result += "-"
            }
        }
        while result.hasSuffix("-") { result.removeLast() }
        return String(result.prefix(64))
    }

    mutating func decodeLanguage(_ top: Node) -> String {
        guard let language = text(top, "language", allowEmpty: true), let value = top.value("language"),
            case .string = value.kind
        else { return "" }
        let parts = language.split(separator: "-", omittingEmptySubsequences: false)
        let isLetters: (Substring) -> Bool = { $0.allSatisfy { $0.isASCII && $0.isLetter } }
        let isAlphanumeric: (Substring) -> Bool = { $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
        let valid =
            parts.first.map { (2...3).contains($0.count) && isLetters($0) } == true
            && parts.dropFirst().allSatisfy { (1...8).contains($0.count) && isAlphanumeric($0) }
        if !valid {
            report(
                "'\(language)' is not a language tag",
                suggestion: "use a BCP 47 tag such as \"en\", \"en-GB\" or \"fr\"",
                path: top.path("language"), at: value.location)
        }
        return language
    }

    mutating func decodeTags(_ top: Node) -> [String] {
        decodeTextList(top, "tags", example: "[\"pmr\", \"short\"]")
    }

    /// An optional list of short texts under `key`.
    mutating func decodeTextList(_ top: Node, _ key: String, example: String) -> [String] {
        guard let elements = list(top, key, required: false, what: "a list of text, e.g. \(example)")
        else { return [] }
        var texts: [String] = []
        for (index, element) in elements.enumerated() {
            guard case .string(let text) = element.kind else {
                typeMismatch(element, path: top.path(key).appending(index), expected: "text in double quotes")
                continue
            }
            texts.append(text)
        }
        return texts
    }

    /// `ratings`: the rating items this session asks besides the configuration's, by ``RatingItem`` key.
    mutating func decodeRatings(_ top: Node) -> [String] {
        let known = "the items are \(RatingItem.keyList)"
        guard let elements = list(top, "ratings", required: false, what: "a list of rating items, e.g. [\"sleep\"]")
        else { return [] }
        var keys: [String] = []
        for (index, element) in elements.enumerated() {
            let path = top.path("ratings").appending(index)
            guard case .string(let key) = element.kind else {
                typeMismatch(element, path: path, expected: "a rating item's name in double quotes")
                continue
            }
            guard RatingItem.named(key) != nil else {
                let nearest = Suggestions.nearest(to: key, in: RatingItem.known.map(\.key))
                report(
                    "'\(key.escapingInvisible)' is not a rating Respite asks",
                    suggestion: nearest.map { "did you mean '\($0)'? \(known)" } ?? known, path: path,
                    at: element.location)
                continue
            }
            if keys.contains(key) {
                report(
                    "'\(key.escapingInvisible)' is listed twice", suggestion: "list each item once", path: path,
                    at: element.location)
                continue
            }
            keys.append(key)
        }
        return keys
    }

    mutating func decodeProtocol(_ top: Node) -> ProtocolInfo {
        var info = ProtocolInfo(name: "", source: "")
        guard let value = field(top, "protocol", required: true),
            let written = node(value, path: top.path("protocol"), what: "'protocol'")
        else { return info }
        let moved = "is now part of each entry of 'evidence', which lists every grade that bears on the session"
        let node = retire(
            written,
            [
                "therapy": ("'therapy' \(moved)", "write " + Self.evidenceExample),
                "recommendation": ("'recommendation' \(moved), as 'strength'", "write " + Self.evidenceExample),
                "for": ("'for' \(moved), as 'symptom'", "write " + Self.evidenceExample),
            ])
        checkKeys(node, known: Self.protocolKeys, context: "in 'protocol'")
        info.name = text(node, "name") ?? ""
        info.source = text(node, "source") ?? ""
        info.audience = text(node, "audience", required: false)
        info.evidence = decodeEvidence(node)
        return info
    }

    /// `evidence`: a non-empty list of grades, or the text "not graded".
    mutating func decodeEvidence(_ node: Node) -> [EvidenceGrade] {
        guard let value = field(node, "evidence", required: true) else { return [] }
        let path = node.path("evidence")
        switch value.kind {
        case .string(let text):
            if text.trimmingSpaces().lowercased() != Self.notGraded {
                report(
                    "'evidence' is a list of guideline grades, or \"not graded\" (found \"\(text)\")",
                    suggestion: "write " + Self.evidenceExample, path: path, at: value.location)
            }
            return []
        case .array(let elements):
            if elements.isEmpty {
                report(
                    "'evidence' is empty", suggestion: "list the grades, or write \"evidence\": \"not graded\"",
                    path: path, at: value.location)
            }
            var grades: [EvidenceGrade] = []
            for (index, element) in elements.enumerated() {
                guard let entry = self.node(element, path: path.appending(index), what: "an evidence entry") else {
                    continue
                }
                checkKeys(entry, known: Self.evidenceKeys, context: "in an evidence entry")
                let grade = EvidenceGrade(
                    guideline: text(entry, "guideline") ?? "", therapy: text(entry, "therapy") ?? "",
                    symptom: text(entry, "symptom") ?? "", quality: choice(entry, "quality", required: true) ?? .low,
                    strength: choice(entry, "strength", required: true) ?? .weak,
                    match: choice(entry, "match", required: true) ?? .extrapolated,
                    note: text(entry, "note", required: false))
                grades.append(grade)
            }
            return grades
        default:
            typeMismatch(value, path: path, expected: "a list of grades in [ ], or \"not graded\"")
            return []
        }
    }

    /// `choices`: what the listener may choose, each with a slug key, words, at least two options and a default.
    mutating func decodeChoices(_ top: Node) -> [SessionChoice] {
        guard let elements = list(top, "choices", required: false, what: "a list of choices in [ ]") else {
            return []
        }
        var choices: [SessionChoice] = []
        for (index, element) in elements.enumerated() {
            guard let node = self.node(element, path: top.path("choices").appending(index), what: "a choice") else {
                continue
            }
            checkKeys(node, known: ["key", "label", "options", "default"], context: "in a choice")
            let key = slug(node, "key", example: "scene")
            if Parameters.keys.contains(key) || choices.contains(where: { $0.key == key }),
                let value = node.value("key")
            {
                report(
                    "the choice key '\(key)' is already taken",
                    suggestion:
                        "use another name; taken: \((Parameters.keys + choices.map(\.key)).joined(separator: ", "))",
                    path: node.path("key"), at: value.location)
            }
            var options: [SessionChoice.Option] = []
            let optionsPath = node.path("options")
            for (number, value) in (list(node, "options", required: true, what: "a list of options in [ ]") ?? [])
                .enumerated()
            {
                guard let option = self.node(value, path: optionsPath.appending(number), what: "an option") else {
                    continue
                }
                checkKeys(option, known: ["value", "label"], context: "in an option")
                let slug = slug(option, "value", example: "beach")
                if options.contains(where: { $0.value == slug }), let written = option.value("value") {
                    report(
                        "the option '\(slug)' is listed twice", suggestion: "remove one of them",
                        path: option.path("value"), at: written.location)
                }
                options.append(SessionChoice.Option(value: slug, label: text(option, "label") ?? ""))
            }
            if options.count < 2, let value = node.value("options") {
                report(
                    "a choice needs at least two options", suggestion: "add options, or remove the choice",
                    path: optionsPath, at: value.location)
            }
            let defaultValue = text(node, "default") ?? ""
            if let value = node.value("default"), case .string = value.kind,
                !options.contains(where: { $0.value == defaultValue })
            {
                report(
                    "the default '\(defaultValue)' is not one of the options",
                    suggestion: "use one of: \(options.map(\.value).joined(separator: ", "))",
                    path: node.path("default"),
                    at: value.location)
            }
            choices.append(
                SessionChoice(key: key, label: text(node, "label") ?? "", options: options, defaultValue: defaultValue))
        }
        return choices
    }

    /// A lower-case slug under `key` (a-z, 0-9, '-'), reported with a suggestion when it is not one.
    mutating func slug(_ node: Node, _ key: String, example: String) -> String {
        guard let slug = text(node, key), let value = node.value(key), case .string = value.kind else { return "" }
        if slug.count > 64 || !slug.unicodeScalars.allSatisfy(Self.isSlugCharacter) {
            let suggested = Self.slug(slug)
            report(
                "'\(slug)' must be lower-case letters a-z, digits and '-' (at most 64)",
                suggestion: "e.g. \"\(suggested.isEmpty ? example : suggested)\"", path: node.path(key),
                at: value.location)
        }
        return slug
    }

    mutating func decodeSafety(_ top: Node) -> [String] {
        guard let elements = list(top, "safety", required: true, what: "a list of text in [ ]"),
            let value = top.value("safety")
        else { return [] }
        var notes: [String] = []
        for (index, element) in elements.enumerated() {
            guard case .string(let note) = element.kind else {
                typeMismatch(element, path: top.path("safety").appending(index), expected: "text in double quotes")
                continue
            }
            notes.append(note)
        }
        if elements.count == notes.count && !notes.contains(where: { !$0.trimmingSpaces().isEmpty }) {
            report(
                "'safety' has no note; a session must tell listeners how to stay safe before it plays",
                suggestion: "add at least one note, e.g. \"Stop if anything hurts or feels wrong.\"",
                path: top.path("safety"), at: value.location)
        }
        return notes
    }

    mutating func decodeVoice(_ top: Node) -> Voice {
        var voice = Voice()
        if let language = top.value("language") {
            (voice.line, voice.column) = (language.location.line, language.location.column)
        }
        guard let value = field(top, "voice", required: false),
            let node = node(value, path: top.path("voice"), what: "'voice'")
        else { return voice }
        checkKeys(node, known: Self.voiceKeys, context: "in 'voice'")
        voice.name = text(node, "name", required: false)
        if let name = voice.name, let nameValue = node.value("name") {
            (voice.line, voice.column) = (nameValue.location.line, nameValue.location.column)
            checkVoiceName(name, path: node.path("name"), at: nameValue.location)
        }
        voice.rate = number(node, "rate", range: 80...260, unit: "words per minute") ?? voice.rate
        voice.pitch = number(node, "pitch", range: 0...99) ?? voice.pitch
        voice.gain = gain(node, "gain") ?? voice.gain
        decodeVoiceEngine(node, into: &voice)
        return voice
    }

    mutating func decodeMusic(_ top: Node) -> Music? {
        guard let value = field(top, "music", required: false),
            let node = node(value, path: top.path("music"), what: "'music'")
        else { return nil }
        checkKeys(node, known: Self.musicKeys, context: "in 'music'")
        let source = sound(node, "source", required: true)
        var music = Music(source: (source ?? nil) ?? .builtin(.drone))
        music.gain = gain(node, "gain") ?? music.gain
        music.loop = bool(node, "loop") ?? music.loop
        music.fadeIn = seconds(node, "fadeIn", zeroAllowed: true) ?? music.fadeIn
        music.fadeOut = seconds(node, "fadeOut", zeroAllowed: true) ?? music.fadeOut
        music.duck = number(node, "duck", range: 0...40, unit: "dB") ?? music.duck
        return music
    }

    mutating func decodeParameters(_ top: Node) -> (Parameters, [SkipEntry]) {
        var parameters = Parameters()
        guard let value = field(top, "parameters", required: false),
            let node = node(value, path: top.path("parameters"), what: "'parameters'")
        else { return (parameters, []) }
        checkKeys(node, known: Self.parameterKeys, context: "in 'parameters'")
        parameters.pace = number(node, "pace", range: 0.5...2.0) ?? parameters.pace
        switch sound(node, "music", required: false, allowNone: true) {
        case .some(.some(let reference)): parameters.music = .source(reference)
        case .some(.none): parameters.music = .off
        case .none: break
        }
        parameters.releaseOnly = bool(node, "releaseOnly") ?? parameters.releaseOnly
        parameters.gentleBreathing = bool(node, "gentleBreathing") ?? parameters.gentleBreathing
        parameters.musicGain = gain(node, "musicGain")
        var entries: [SkipEntry] = []
        let path = node.path("skip")
        for (index, element) in (list(node, "skip", required: false, what: "a list of PMR group names") ?? [])
            .enumerated()
        {
            guard case .string(let group) = element.kind else {
                typeMismatch(element, path: path.appending(index), expected: "a PMR group name in double quotes")
                continue
            }
            entries.append(SkipEntry(group: group, location: element.location, path: path.appending(index)))
        }
        return (parameters, entries)
    }

    /// Checks each `skip` entry names a PMR group the session plays; returns the names.
    mutating func checkSkip(_ entries: [SkipEntry], groups: [String]) -> [String] {
        var seen: Set<String> = []
        for entry in entries {
            if !groups.contains(entry.group) {
                let listing =
                    groups.isEmpty
                    ? "this session has no PMR steps" : "groups in this session: \(groups.joined(separator: ", "))"
                report(
                    "no PMR step in this session has the group '\(entry.group)'",
                    suggestion: Suggestions.nearest(to: entry.group, in: groups).map { "did you mean '\($0)'?" }
                        ?? listing,
                    path: entry.path, at: entry.location)
            } else if !seen.insert(entry.group).inserted {
                report(
                    "the group '\(entry.group)' is listed twice", suggestion: "remove one of them", path: entry.path,
                    at: entry.location)
            }
        }
        return entries.map(\.group)
    }
}
