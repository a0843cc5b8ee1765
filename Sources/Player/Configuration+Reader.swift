import SessionKit

extension Configuration {
    /// Keys of the top-level object.
    static let keys = ["loudness", "ceiling", "devices", "crisisLine", "history", "ratings"]
    /// Keys of `ratings`.
    static let ratingsKeys = ["ask", "items"]
    /// Keys of `loudness`.
    static let loudnessKeys = ["voice", "music", "cues", "programme"]
    /// Keys of one device under `devices`.
    static let deviceKeys = ["maxVolume"]

    /// The range and unit of each number, by key.
    static let voiceRange: ClosedRange<Double> = -40 ... -10
    static let musicRange: ClosedRange<Double> = -50 ... -15
    static let cuesRange: ClosedRange<Double> = -45 ... -12
    static let programmeRange: ClosedRange<Double> = -36 ... -14
    static let ceilingRange: ClosedRange<Double> = -20...0
    static let maxVolumeRange: ClosedRange<Double> = -40...6

    /// Turns a parsed configuration into a ``Configuration``, recording every problem instead of stopping at
    /// the first, so that one run shows everything wrong with the file.
    struct Reader {
        let file: String
        private(set) var problems: [ConfigurationProblem] = []

        init(file: String) { self.file = file }

        mutating func report(_ message: String, suggestion: String? = nil, path: JSONPath, at location: JSONLocation) {
            problems.append(
                ConfigurationProblem(
                    file: file, path: path.description, line: location.line, column: location.column,
                    message: message, suggestion: suggestion))
        }

        /// Problems by position; those at one position keep the order they were found in.
        func sortedProblems() -> [ConfigurationProblem] {
            problems.enumerated().sorted { lhs, rhs in
                (lhs.element.line ?? 0, lhs.element.column ?? 0, lhs.offset)
                    < (rhs.element.line ?? 0, rhs.element.column ?? 0, rhs.offset)
            }.map(\.element)
        }

        mutating func read(_ root: JSONValue) -> Configuration {
            var configuration = Configuration()
            guard case .object(let object) = root.kind else {
                report(
                    "the configuration should be an object in { }, but is \(root.kindDescription)",
                    suggestion: "write {} for the defaults, or see docs/configuration.md", path: .root,
                    at: root.location)
                return configuration
            }
            for member in object.members {
                let path = JSONPath.root.appending(member.key)
                switch member.key {
                case "loudness":
                    configuration.loudness = readLoudness(member.value, path: path)
                case "ceiling":
                    if let value = number(member.value, path: path, range: ceilingRange, unit: "dBTP") {
                        configuration.ceiling = value
                    }
                case "devices":
                    configuration.devices = readDevices(member.value, path: path)
                case "crisisLine":
                    configuration.crisisLine = readCrisisLine(member.value, path: path)
                case "history":
                    configuration.history = readHistory(member.value, path: path)
                case "ratings":
                    configuration.ratings = readRatings(member.value, path: path)
                default:
                    unknownKey(member, path: path, known: keys, context: "at the top level")
                }
            }
            return configuration
        }

        /// An absolute path to the history database.
        mutating func readHistory(_ value: JSONValue, path: JSONPath) -> String? {
            let suggestion = "write an absolute path, e.g. \"/var/lib/respite/history.sqlite\", or remove the key"
            guard case .string(let text) = value.kind else {
                report(
                    "history should be a file's path in double quotes, but is \(value.kindDescription)",
                    suggestion: suggestion, path: path, at: value.location)
                return nil
            }
            guard text.hasPrefix("/"), !text.hasSuffix("/"), text.utf8.count <= 4096,
                !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "\0" })
            else {
                report(
                    "history must be an absolute path to a file (found \"\(abbreviated(text).escapingInvisible)\")",
                    suggestion: suggestion, path: path, at: value.location)
                return nil
            }
            return text
        }

        /// `{ "ask": true, "items": ["pain", "anxiety"] }`.
        mutating func readRatings(_ value: JSONValue, path: JSONPath) -> Ratings {
            var ratings = Ratings()
            guard
                let object = object(value, path: path, example: "{ \"ask\": true, \"items\": [\"pain\", \"anxiety\"] }")
            else { return ratings }
            for member in object.members {
                let memberPath = path.appending(member.key)
                switch member.key {
                case "ask":
                    guard case .bool(let ask) = member.value.kind else {
                        report(
                            "should be true or false, but is \(member.value.kindDescription)",
                            suggestion: "false turns the questions before and after a session off", path: memberPath,
                            at: member.value.location)
                        continue
                    }
                    ratings.ask = ask
                case "items":
                    if let items = readRatingItems(member.value, path: memberPath) { ratings.items = items }
                default:
                    unknownKey(member, path: memberPath, known: ratingsKeys, context: "in \"ratings\"")
                }
            }
            return ratings
        }

        /// A list of known rating items, each once.
        mutating func readRatingItems(_ value: JSONValue, path: JSONPath) -> [String]? {
            let known = "the items are \(RatingItem.keyList)"
            guard case .array(let elements) = value.kind else {
                report(
                    "should be a list in [ ], but is \(value.kindDescription)",
                    suggestion: "e.g. [\"pain\", \"anxiety\"]; \(known)", path: path, at: value.location)
                return nil
            }
            var items: [String] = []
            var valid = true
            for (index, element) in elements.enumerated() {
                let elementPath = path.appending(index)
                guard case .string(let key) = element.kind, RatingItem.named(key) != nil else {
                    let found: String
                    if case .string(let key) = element.kind {
                        found = "'\(abbreviated(key).escapingInvisible)' is not a rating Respite asks"
                    } else {
                        found = "a rating item should be its name in double quotes, but is \(element.kindDescription)"
                    }
                    var suggestion = known
                    if case .string(let key) = element.kind,
                        let nearest = Suggestions.nearest(to: key, in: RatingItem.known.map(\.key))
                    {
                        suggestion = "did you mean '\(nearest)'? \(known)"
                    }
                    report(found, suggestion: suggestion, path: elementPath, at: element.location)
                    valid = false
                    continue
                }
                if items.contains(key) {
                    report(
                        "'\(key)' is listed twice", suggestion: "list each item once", path: elementPath,
                        at: element.location)
                    valid = false
                }
                items.append(key)
            }
            return valid ? items : nil
        }

        /// One sentence of plain text: no control characters, at most ``maximumCrisisLineLength`` characters.
        mutating func readCrisisLine(_ value: JSONValue, path: JSONPath) -> String? {
            guard case .string(let text) = value.kind else {
                report(
                    "crisisLine should be text in double quotes, but is \(value.kindDescription)",
                    suggestion: "e.g. \"If you are in crisis, call or text 988.\", or \"\" for none", path: path,
                    at: value.location)
                return nil
            }
            if text.count > maximumCrisisLineLength {
                report(
                    "crisisLine is \(text.count) characters; at most \(maximumCrisisLineLength) are shown",
                    suggestion: "keep it to one sentence with the number", path: path, at: value.location)
                return nil
            }
            if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                report(
                    "crisisLine contains a control character", suggestion: "write it as one plain line", path: path,
                    at: value.location)
                return nil
            }
            return text
        }

        mutating func readLoudness(_ value: JSONValue, path: JSONPath) -> Loudness {
            var loudness = Loudness()
            guard let object = object(value, path: path, example: "{ \"voice\": -20, \"music\": -32 }") else {
                return loudness
            }
            for member in object.members {
                let memberPath = path.appending(member.key)
                switch member.key {
                case "voice":
                    if let level = number(member.value, path: memberPath, range: voiceRange, unit: "LUFS") {
                        loudness.voice = level
                    }
                case "music":
                    if let level = number(member.value, path: memberPath, range: musicRange, unit: "LUFS") {
                        loudness.music = level
                    }
                case "cues":
                    if let level = number(member.value, path: memberPath, range: cuesRange, unit: "LUFS") {
                        loudness.cues = level
                    }
                case "programme":
                    // null is meaningful here: it turns the programme trim off.
                    if case .null = member.value.kind {
                        loudness.programme = nil
                    } else if let level = number(
                        member.value, path: memberPath, range: programmeRange, unit: "LUFS",
                        nullHint: "null turns the trim off")
                    {
                        loudness.programme = level
                    }
                default:
                    unknownKey(member, path: memberPath, known: loudnessKeys, context: "in \"loudness\"")
                }
            }
            return loudness
        }

        mutating func readDevices(_ value: JSONValue, path: JSONPath) -> [String: Device] {
            let example = "{ \"default\": { \"maxVolume\": -6 } }"
            guard let object = object(value, path: path, example: example) else { return [:] }
            var devices: [String: Device] = [:]
            for member in object.members {
                let devicePath = path.appending(member.key)
                let nameIsValid = checkDeviceName(member, path: devicePath)
                guard let settings = self.object(member.value, path: devicePath, example: "{ \"maxVolume\": -6 }")
                else {
                    continue
                }
                var device = Device()
                for setting in settings.members {
                    let settingPath = devicePath.appending(setting.key)
                    switch setting.key {
                    case "maxVolume":
                        device.maxVolume = number(setting.value, path: settingPath, range: maxVolumeRange, unit: "dB")
                    default:
                        unknownKey(setting, path: settingPath, known: deviceKeys, context: "of a device")
                    }
                }
                if nameIsValid { devices[member.key] = device }
            }
            return devices
        }

        /// A device name must be what `--device` can be given: not empty, no invisible characters, no spaces at
        /// either end, and not absurdly long.
        mutating func checkDeviceName(_ member: JSONObject.Member, path: JSONPath) -> Bool {
            let name = member.key
            let suggestion = "write the name exactly as you give it to --device, e.g. \"default\""
            var problem: String?
            if name.utf8.count > maximumDeviceNameLength {
                problem = "a device name of \(name.utf8.count) bytes; at most \(maximumDeviceNameLength) are accepted"
            } else if name.isEmpty {
                problem = "a device name is empty"
            } else if let scalar = name.unicodeScalars.first(where: \.isInvisibleInText) {
                let code = String(scalar.value, radix: 16, uppercase: true)
                let padded = String(repeating: "0", count: max(0, 4 - code.count)) + code
                problem = "the device name contains the invisible character U+\(padded)"
            } else if name.unicodeScalars.first?.properties.isWhitespace == true
                || name.unicodeScalars.last?.properties.isWhitespace == true
            {
                problem = "the device name starts or ends with a space, so it would never match --device"
            }
            guard let problem else { return true }
            report(problem, suggestion: suggestion, path: path, at: member.keyLocation)
            return false
        }

        // MARK: Values

        /// The value as an object, or nil (reported) when it is something else.
        mutating func object(_ value: JSONValue, path: JSONPath, example: String) -> JSONObject? {
            guard case .object(let object) = value.kind else {
                report(
                    "should be an object in { }, but is \(value.kindDescription)",
                    suggestion: "write it as \(example)", path: path, at: value.location)
                return nil
            }
            return object
        }

        /// A number within `range`; nil (reported) when it is something else or out of range.
        mutating func number(
            _ value: JSONValue, path: JSONPath, range: ClosedRange<Double>, unit: String, nullHint: String? = nil
        ) -> Double? {
            let bounds = "\(plain(range.lowerBound)) to \(plain(range.upperBound)) \(unit)"
            guard case .number(let number) = value.kind else {
                var suggestion = "write a number from \(bounds), or remove the key to keep the default"
                if let nullHint { suggestion += " (\(nullHint))" }
                if case .string(let text) = value.kind, let written = Double(text.withoutSpacesAround),
                    written.isFinite
                {
                    suggestion = "remove the quotes: \(text.withoutSpacesAround)"
                }
                report(
                    "should be a number of \(unit), but is \(value.kindDescription)", suggestion: suggestion,
                    path: path, at: value.location)
                return nil
            }
            guard range.contains(number.value) else {
                // The commonest slip is a missing minus sign: loudness and ceilings are below zero.
                let signSlip = range.upperBound <= 0 && number.value > 0 && range.contains(-number.value)
                let suggestion = signSlip ? "did you mean -\(number.literal)?" : nil
                report(
                    "must be from \(bounds) (found \(abbreviated(number.literal)))", suggestion: suggestion,
                    path: path, at: value.location)
                return nil
            }
            return number.value
        }

        /// Reports a key this level does not know, suggesting the nearest known one, or the level it belongs to.
        mutating func unknownKey(_ member: JSONObject.Member, path: JSONPath, known: [String], context: String) {
            var suggestion = Suggestions.suggestion(for: member.key, in: known, listing: "keys \(context)")
            if Suggestions.nearest(to: member.key, in: known) == nil {
                if let key = Suggestions.nearest(to: member.key, in: loudnessKeys), !known.contains(key) {
                    suggestion = "'\(key)' belongs inside \"loudness\": { \"\(key)\": … }"
                } else if let key = Suggestions.nearest(to: member.key, in: deviceKeys), !known.contains(key) {
                    suggestion = "a volume limit belongs to a device: \"devices\": { \"default\": { \"\(key)\": -6 } }"
                } else if known == loudnessKeys || known == deviceKeys,
                    let key = Suggestions.nearest(to: member.key, in: keys)
                {
                    suggestion = "'\(key)' belongs at the top level of the file"
                }
            }
            report(
                "unknown key '\(abbreviated(member.key).escapingInvisible)'", suggestion: suggestion, path: path,
                at: member.keyLocation)
        }

        func plain(_ value: Double) -> String {
            value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        }

        func abbreviated(_ text: String) -> String {
            text.count > 40 ? String(text.prefix(37)) + "..." : text
        }
    }
}

extension String {
    /// The text without spaces at either end.
    fileprivate var withoutSpacesAround: String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
