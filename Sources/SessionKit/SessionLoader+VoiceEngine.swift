import FileAccess

extension SessionLoader.Decoder {
    static let pronunciationKeys = ["espeak", "ipa", "say"]

    /// `voice.engine`, `voice.model` and `voice.lexicon`: their shapes only. Whether the model is installed is a
    /// matter of the machine, checked when the session is laid out (`respite validate` reports a model that is not,
    /// with this place; `play` speaks with espeak-ng instead and says so).
    mutating func decodeVoiceEngine(_ node: Node, into voice: inout Voice) {
        (voice.modelLine, voice.modelColumn) = (node.location.line, node.location.column)
        if let value = node.value("engine") {
            (voice.modelLine, voice.modelColumn) = (value.location.line, value.location.column)
        }
        if let engine = text(node, "engine", required: false) {
            if let known = Voice.Engine(rawValue: engine) {
                voice.engine = known
            } else if let value = node.value("engine"), !engine.trimmingSpaces().isEmpty {
                let names = Voice.Engine.allCases.map(\.rawValue)
                report(
                    "unknown speech engine '\(engine.escapingInvisible)'",
                    suggestion: (Suggestions.suggestion(for: engine, in: names, listing: "engines")
                        ?? "use \"piper\" or \"espeak\"")
                        + " (\"piper\" is the natural neural voice, \"espeak\" the formant voice for every language)",
                    path: node.path("engine"), at: value.location)
            }
        }
        if let model = text(node, "model", required: false), let value = node.value("model") {
            (voice.modelLine, voice.modelColumn) = (value.location.line, value.location.column)
            if VoiceName.isPiperModel(model) {
                voice.model = model
            } else if !model.trimmingSpaces().isEmpty {
                report(
                    "'\(model.escapingInvisible)' is not a Piper model name",
                    suggestion: "give the model's file name without .onnx, e.g. \"en_US-joe-medium\" (letters, "
                        + "digits, '-', '_' and '.'); `respite voices` lists the installed ones",
                    path: node.path("model"), at: value.location)
            }
            if voice.engine == .espeak {
                report(
                    "'model' names a Piper voice, but 'engine' is \"espeak\"",
                    suggestion: "set \"engine\": \"piper\", or remove 'model'", path: node.path("model"),
                    at: value.location)
            }
        }
        if let value = field(node, "lexicon", required: false),
            let lexicon = self.node(value, path: node.path("lexicon"), what: "'voice.lexicon'")
        {
            voice.lexicon = decodeLexicon(lexicon)
        }
    }

    /// `{ "word": { "espeak": "…", "ipa": "…", "say": "…" }, … }`.
    mutating func decodeLexicon(_ node: Node) -> Lexicon {
        var entries: [String: Lexicon.Pronunciation] = [:]
        if node.object.members.count > Lexicon.maximumEntries {
            report(
                "the lexicon has \(node.object.members.count) entries; at most \(Lexicon.maximumEntries)",
                suggestion: "keep the words this session needs", path: node.path, at: node.location)
            return .empty
        }
        for member in node.object.members {
            let path = node.path(member.key)
            if let problem = Lexicon.problem(withWord: member.key) {
                report(
                    "the lexicon word '\(member.key.escapingInvisible)' \(problem)",
                    suggestion: "an entry is one word, e.g. \"lymphedema\"", path: path, at: member.keyLocation)
                continue
            }
            guard let entry = self.node(member.value, path: path, what: "a lexicon entry") else { continue }
            checkKeys(entry, known: Self.pronunciationKeys, context: "in a lexicon entry")
            var forms: [String: String] = [:]
            for key in Self.pronunciationKeys {
                guard let form = text(entry, key, required: false), let value = entry.value(key) else { continue }
                if let problem = Lexicon.problem(withForm: form) {
                    report(
                        "'\(key)' \(problem)", suggestion: "write the phonemes without [[ ]]", path: entry.path(key),
                        at: value.location)
                    continue
                }
                forms[key] = form
            }
            if forms.isEmpty {
                report(
                    "the entry for '\(member.key.escapingInvisible)' says nothing",
                    suggestion: "give \"espeak\" and \"ipa\" phonemes, or \"say\": a respelling both engines read",
                    path: path, at: member.value.location)
                continue
            }
            entries[member.key] = Lexicon.Pronunciation(espeak: forms["espeak"], ipa: forms["ipa"], say: forms["say"])
        }
        return Lexicon(entries: entries)
    }
}
