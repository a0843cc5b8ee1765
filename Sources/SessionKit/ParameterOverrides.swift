extension Parameters {
    /// These parameters with a listener's `--set key=value` assignments applied, in order (a later
    /// assignment to the same key wins).
    ///
    /// Keys and values:
    /// - `pace=1.3`: a number, 0.5…2.0.
    /// - `music=none`, `music=builtin:ocean`, `music=audio:music/x.ogg`, `music=relative/path.ogg`:
    ///   checked like a sound reference in the session (files must exist; relative paths resolve
    ///   against the session's folder).
    /// - `skip=left-arm,abdomen`: PMR groups the session has; an empty value clears the list.
    /// - `releaseOnly=true` or `false`: PMR without tensing, in the steps' release-only words.
    /// - `gentleBreathing=true` or `false`: breathing steps in their gentle pattern (about 3 s in, 4 s out).
    /// - `musicGain=-20`: dB, -60…+12.
    /// - `KEY=VALUE` for each of the session's own choices (``Session/choices``), e.g. `scene=garden`.
    ///
    /// A new pace is also checked against the session: cues must still start inside their
    /// silences, and the session must stay within 6 hours.
    ///
    /// - Parameters:
    ///   - assignments: `key=value` strings, as given to `--set`.
    ///   - session: the session the parameters are for.
    ///   - loader: checks sound references; its `audioRoot` resolves `audio:` files (unchecked when nil).
    /// - Throws: ``ParameterError`` for the first assignment that can't be applied.
    public func applying(
        _ assignments: [String], to session: Session, loader: SessionLoader = SessionLoader(audioRoot: nil)
    ) throws(ParameterError) -> Parameters {
        var result = self
        for assignment in assignments {
            try result.apply(assignment, to: session, loader: loader)
        }
        return result
    }

    private mutating func apply(_ assignment: String, to session: Session, loader: SessionLoader)
        throws(ParameterError)
    {
        func failure(_ message: String, _ suggestion: String? = nil) -> ParameterError {
            ParameterError(assignment: assignment, message: message, suggestion: suggestion)
        }
        let allKeys = Self.keys + session.choices.map(\.key)
        let listing = "Parameters: \(allKeys.joined(separator: ", "))"
        guard let equals = assignment.firstIndex(of: "=") else {
            let key = assignment.trimmingSpaces()
            let known = allKeys.contains(key) ? key : Suggestions.nearest(to: key, in: allKeys)
            throw failure(
                "'\(assignment)' has no value",
                "write it as key=value, e.g. \(known ?? "pace")=\(session.choices.first { $0.key == known }?.options.first?.value ?? Self.example(known))"
            )
        }
        let key = assignment[..<equals].trimmingSpaces()
        let value = assignment[assignment.index(after: equals)...].trimmingSpaces()
        switch key {
        case "pace":
            let pace = try Self.number(value, range: 0.5...2.0, what: "pace", failure)
            try Self.checkPace(pace, releaseOnly: releaseOnly, session: session, failure)
            self.pace = pace
        case "musicGain":
            musicGain = try Self.number(value, range: -60...12, what: "musicGain (dB)", failure)
        case "releaseOnly":
            releaseOnly = try Self.bool(value, key: key, failure)
        case "gentleBreathing":
            gentleBreathing = try Self.bool(value, key: key, failure)
        case "skip":
            skip = try Self.groups(value, session: session, failure)
        case "music":
            switch loader.checkSound(value, directory: session.directory, allowNone: true) {
            case .success(.some(let reference)): music = .source(reference)
            case .success(.none): music = .off
            case .failure(let problem):
                throw failure(problem.message, problem.suggestion ?? "e.g. music=none or music=builtin:ocean")
            }
        default:
            if let choice = session.choices.first(where: { $0.key == key }) {
                guard choice.options.contains(where: { $0.value == value }) else {
                    let options = choice.options.map(\.value)
                    throw failure(
                        "'\(value)' is not an option of \(key)",
                        Suggestions.nearest(to: value, in: options).map { "did you mean '\($0)'? " }.map {
                            $0 + "options: \(options.joined(separator: ", "))"
                        } ?? "options: \(options.joined(separator: ", "))")
                }
                choices[key] = value
                return
            }
            let near = Suggestions.nearest(to: key, in: allKeys)
            throw failure(
                "unknown parameter '\(key)'", near.map { "did you mean '\($0)'? \(listing)" } ?? listing)
        }
    }

    private static func bool(_ value: String, key: String, _ failure: (String, String?) -> ParameterError)
        throws(ParameterError) -> Bool
    {
        switch value.lowercased() {
        case "true": return true
        case "false": return false
        default: throw failure("\(key) must be true or false, not '\(value)'", "e.g. \(key)=true")
        }
    }

    private static func example(_ key: String?) -> String {
        switch key {
        case "music": "none"
        case "skip": "left-arm"
        case "releaseOnly", "gentleBreathing": "true"
        case "musicGain": "-20"
        default: "1.3"
        }
    }

    private static func number(
        _ text: String, range: ClosedRange<Double>, what: String, _ failure: (String, String?) -> ParameterError
    ) throws(ParameterError) -> Double {
        let bounds = "\(SessionLoader.plain(range.lowerBound)) to \(SessionLoader.plain(range.upperBound))"
        guard let value = Double(text), value.isFinite else {
            let hint = text.contains(",") ? "use a point for decimals, e.g. 1.3" : "write a number from \(bounds)"
            throw failure("\(what) must be a number, not '\(text)'", hint)
        }
        guard range.contains(value) else {
            throw failure("\(what) must be from \(bounds) (found \(text))", nil)
        }
        return value
    }

    private static func groups(
        _ text: String, session: Session, _ failure: (String, String?) -> ParameterError
    ) throws(ParameterError) -> [String] {
        var sessionGroups: [String] = []
        for step in session.steps {
            if case .pmr(let pmr) = step.kind, !sessionGroups.contains(pmr.group) { sessionGroups.append(pmr.group) }
        }
        var result: [String] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let group = part.trimmingSpaces()
            if group.isEmpty {
                if text.trimmingSpaces().isEmpty { return [] }
                throw failure("an empty group name in the list", "separate group names with single commas")
            }
            guard sessionGroups.contains(group) else {
                let listing =
                    sessionGroups.isEmpty
                    ? "this session has no PMR steps"
                    : "groups in this session: \(sessionGroups.joined(separator: ", "))"
                let near = Suggestions.nearest(to: group, in: sessionGroups)
                throw failure(
                    "this session has no PMR group '\(group)'",
                    near.map { "did you mean '\($0)'? \(listing)" } ?? listing)
            }
            if !result.contains(group) { result.append(group) }
        }
        return result
    }

    /// A pace must keep every silence cue inside its silence and the session within 6 hours.
    private static func checkPace(
        _ pace: Double, releaseOnly: Bool, session: Session, _ failure: (String, String?) -> ParameterError
    ) throws(ParameterError) {
        for step in session.steps {
            guard case .silence(let seconds) = step.kind, let latest = step.cues.map(\.at).max(),
                latest >= seconds * pace
            else { continue }
            let minimum = (latest / seconds * 100).rounded(.up) / 100
            throw failure(
                "at pace \(SessionLoader.plain(pace)) the \(SessionLoader.plain(seconds))-second silence at "
                    + "\(step.path) would end before its cue at \(SessionLoader.plain(latest)) s",
                "use a pace above \(SessionLoader.plain(minimum))")
        }
        var parameters = session.parameters
        parameters.pace = pace
        parameters.releaseOnly = releaseOnly
        let total = SessionLoader.fixedSeconds(of: session.steps, parameters: parameters, choices: session.choices)
        if total > SessionLoader.maximumSessionDuration {
            throw failure(
                "at pace \(SessionLoader.plain(pace)) the session would last more than 6 hours", "use a smaller pace")
        }
    }
}
