extension SessionLoader {
    /// Turns a parsed document into a ``Session``, collecting every problem on the way.
    ///
    /// Its readers never stop at a problem: they record it and hand back a placeholder (or
    /// `nil`), so that one run finds everything wrong with a file. A session built while any
    /// problem was recorded is thrown away.
    struct Decoder {
        let loader: SessionLoader
        let file: String
        let directory: String
        var errors: [SessionError] = []
        /// The session's `language`, once read: defaults such as a PMR step's "now" depend on it.
        var language = ""
        /// The session's `choices`, once read: steps' `only` names them.
        var choices: [SessionChoice] = []

        init(loader: SessionLoader, file: String, directory: String) {
            self.loader = loader
            self.file = file
            self.directory = directory
        }

        /// An object being read, with where it is.
        struct Node {
            let object: JSONObject
            let location: JSONLocation
            let path: JSONPath

            func value(_ key: String) -> JSONValue? { object[key]?.value }
            func path(_ key: String) -> JSONPath { path.appending(key) }
        }

        mutating func report(_ message: String, suggestion: String? = nil, path: JSONPath, at location: JSONLocation) {
            errors.append(
                SessionError(
                    file: file, path: path.description, line: location.line, column: location.column,
                    message: message, suggestion: suggestion))
        }

        /// As ``report(_:suggestion:path:at:)``, for a place known by its path's text (an expanded step's).
        mutating func report(_ message: String, suggestion: String?, pathText: String, at location: JSONLocation) {
            errors.append(
                SessionError(
                    file: file, path: pathText, line: location.line, column: location.column, message: message,
                    suggestion: suggestion))
        }

        /// Errors by position; errors at the same position keep the order they were found in.
        func sortedErrors() -> [SessionError] {
            errors.enumerated().sorted { lhs, rhs in
                let left = (lhs.element.line, lhs.element.column, lhs.offset)
                let right = (rhs.element.line, rhs.element.column, rhs.offset)
                return left < right
            }.map(\.element)
        }

        // MARK: Objects and keys

        /// The value as an object node, or `nil` (reported) when it is something else.
        mutating func node(_ value: JSONValue, path: JSONPath, what: String) -> Node? {
            guard case .object(let object) = value.kind else {
                report(
                    "\(what) should be an object in { }, but is \(value.kindDescription)", path: path,
                    at: value.location)
                return nil
            }
            return Node(object: object, location: value.location, path: path)
        }

        /// Reports every key of `node` that is not in `known`, suggesting the nearest known one.
        mutating func checkKeys(_ node: Node, known: [String], context: String) {
            for member in node.object.members where !known.contains(member.key) {
                report(
                    "unknown key '\(member.key.escapingInvisible)'",
                    suggestion: Suggestions.suggestion(for: member.key, in: known, listing: "keys \(context)"),
                    path: node.path(member.key), at: member.keyLocation)
            }
        }

        /// Reports each key of an earlier version of the format that `node` still uses, saying what replaced it
        /// (`retired` maps the key to the message and the suggestion); returns the node without those keys, for
        /// ``checkKeys(_:known:context:)``.
        mutating func retire(_ node: Node, _ retired: [String: (message: String, suggestion: String)]) -> Node {
            for member in node.object.members {
                guard let replaced = retired[member.key] else { continue }
                report(
                    replaced.message, suggestion: replaced.suggestion, path: node.path(member.key),
                    at: member.keyLocation)
            }
            return Node(
                object: JSONObject(members: node.object.members.filter { retired[$0.key] == nil }),
                location: node.location, path: node.path)
        }

        /// The value under `key`; reports it when it is required and missing (at the object).
        mutating func field(_ node: Node, _ key: String, required: Bool) -> JSONValue? {
            if let value = node.value(key) { return value }
            if required {
                report(
                    "the required key '\(key)' is missing", suggestion: "add \"\(key)\" to this object",
                    path: node.path(key), at: node.location)
            }
            return nil
        }

        mutating func typeMismatch(_ value: JSONValue, path: JSONPath, expected: String) {
            var suggestion: String?
            if case .string(let text) = value.kind {
                let trimmed = text.trimmingSpaces()
                if Double(trimmed) != nil || trimmed == "true" || trimmed == "false" {
                    suggestion = "remove the quotes: \(trimmed)"
                }
            }
            report(
                "should be \(expected), but is \(value.kindDescription)", suggestion: suggestion, path: path,
                at: value.location)
        }

        // MARK: Scalars

        /// Text under `key`. Missing optional text is `nil`; a missing or wrong required one is "".
        mutating func text(_ node: Node, _ key: String, required: Bool = true, allowEmpty: Bool = false) -> String? {
            guard let value = field(node, key, required: required) else { return required ? "" : nil }
            guard case .string(let text) = value.kind else {
                typeMismatch(value, path: node.path(key), expected: "text in double quotes")
                return ""
            }
            if !allowEmpty && text.trimmingSpaces().isEmpty {
                report("'\(key)' is empty", suggestion: "write the \(key)", path: node.path(key), at: value.location)
            }
            return text
        }

        /// A number under `key`, checked against `range`; `nil` when absent or wrong.
        mutating func number(
            _ node: Node, _ key: String, required: Bool = false, range: ClosedRange<Double>, unit: String = ""
        ) -> Double? {
            guard let value = field(node, key, required: required) else { return nil }
            guard case .number(let number) = value.kind else {
                typeMismatch(value, path: node.path(key), expected: unit.isEmpty ? "a number" : "a number of \(unit)")
                return nil
            }
            guard range.contains(number.value) else {
                let units = unit.isEmpty ? "" : " \(unit)"
                report(
                    "must be between \(SessionLoader.plain(range.lowerBound)) and "
                        + "\(SessionLoader.plain(range.upperBound))\(units) (found \(number.literal))",
                    path: node.path(key), at: value.location)
                return nil
            }
            return number.value
        }

        /// A gain in dB under `key`, -60…+12 unless `range` says otherwise.
        mutating func gain(_ node: Node, _ key: String, range: ClosedRange<Double> = -60...12) -> Double? {
            number(node, key, range: range, unit: "dB")
        }

        /// A whole number under `key`, within `range`.
        mutating func integer(_ node: Node, _ key: String, required: Bool = false, range: ClosedRange<Int>) -> Int? {
            guard let value = field(node, key, required: required) else { return nil }
            guard case .number(let number) = value.kind, number.isWhole else {
                typeMismatch(value, path: node.path(key), expected: "a whole number")
                return nil
            }
            // Bounds are compared as Doubles, and huge values never reach Int(_:), which would trap.
            guard abs(number.value) < 1e15, number.value >= Double(range.lowerBound),
                number.value <= Double(range.upperBound)
            else {
                report(
                    "must be a whole number from \(range.lowerBound) to \(range.upperBound) (found \(number.literal))",
                    path: node.path(key), at: value.location)
                return nil
            }
            return Int(number.value)
        }

        /// A duration in seconds under `key`: never negative, at most an hour, more than zero
        /// unless `zeroAllowed`, and within `range` when one is given.
        mutating func seconds(
            _ node: Node, _ key: String, required: Bool = false, range: ClosedRange<Double>? = nil,
            zeroAllowed: Bool
        ) -> Double? {
            guard let value = field(node, key, required: required) else { return nil }
            guard case .number(let number) = value.kind else {
                typeMismatch(value, path: node.path(key), expected: "a number of seconds")
                return nil
            }
            let seconds = number.value
            let path = node.path(key)
            if seconds < 0 {
                report(
                    "a duration can't be negative (found \(number.literal))",
                    suggestion: "write a number of seconds, e.g. 5", path: path, at: value.location)
            } else if seconds == 0 && !zeroAllowed {
                report(
                    "a duration of 0 seconds does nothing here", suggestion: "write a number of seconds above 0",
                    path: path, at: value.location)
            } else if seconds > SessionLoader.maximumDuration {
                report(
                    "\(number.literal) seconds is longer than an hour, the most one duration can be",
                    suggestion: "durations are in seconds; write at most 3600", path: path, at: value.location)
            } else if let range, !range.contains(seconds) {
                report(
                    "must be between \(SessionLoader.plain(range.lowerBound)) and "
                        + "\(SessionLoader.plain(range.upperBound)) seconds (found \(number.literal))",
                    path: path, at: value.location)
            } else {
                return seconds
            }
            return nil
        }

        /// `true` or `false` under `key`.
        mutating func bool(_ node: Node, _ key: String) -> Bool? {
            guard let value = field(node, key, required: false) else { return nil }
            guard case .bool(let flag) = value.kind else {
                typeMismatch(value, path: node.path(key), expected: "true or false")
                return nil
            }
            return flag
        }

        /// One of an enumeration's names under `key`.
        mutating func choice<Choice: RawRepresentable & CaseIterable>(
            _ node: Node, _ key: String, required: Bool
        ) -> Choice? where Choice.RawValue == String {
            let names = Choice.allCases.map(\.rawValue)
            let listing = names.map { "'\($0)'" }.joined(separator: ", ")
            guard let value = field(node, key, required: required) else { return nil }
            guard case .string(let text) = value.kind else {
                typeMismatch(value, path: node.path(key), expected: "one of \(listing)")
                return nil
            }
            if let choice = Choice(rawValue: text) { return choice }
            let suggestion = Suggestions.nearest(to: text, in: names).map { "did you mean '\($0)'?" }
            report(
                "'\(text)' is not an allowed value here", suggestion: suggestion ?? "use one of \(listing)",
                path: node.path(key), at: value.location)
            return nil
        }

        /// A sound reference under `key`; `.none` text yields `.some(nil)` when `allowNone`.
        mutating func sound(_ node: Node, _ key: String, required: Bool, allowNone: Bool = false) -> SoundReference?? {
            guard let value = field(node, key, required: required) else { return nil }
            return sound(value, path: node.path(key), allowNone: allowNone)
        }

        mutating func sound(_ value: JSONValue, path: JSONPath, allowNone: Bool) -> SoundReference?? {
            guard case .string(let text) = value.kind else {
                typeMismatch(value, path: path, expected: "a sound reference in double quotes, e.g. \"builtin:bell\"")
                return nil
            }
            switch loader.checkSound(text, directory: directory, allowNone: allowNone) {
            case .success(let reference):
                return .some(reference)
            case .failure(let problem):
                report(problem.message, suggestion: problem.suggestion, path: path, at: value.location)
                return nil
            }
        }

        /// Elements of a list under `key`; `nil` when absent or not a list.
        mutating func list(_ node: Node, _ key: String, required: Bool, what: String) -> [JSONValue]? {
            guard let value = field(node, key, required: required) else { return nil }
            guard case .array(let elements) = value.kind else {
                typeMismatch(value, path: node.path(key), expected: what)
                return nil
            }
            return elements
        }
    }
}

extension SessionLoader {
    /// A number as a therapist would write it: `3`, `0.5`, `-60`.
    static func plain(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs and line breaks.
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
