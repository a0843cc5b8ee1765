import Foundation
import Player
import Testing

/// One configuration file that must be refused, and where the first problem must be reported.
struct HostileConfiguration: CustomTestStringConvertible, Sendable {
    /// Where the problem is: the first occurrence of a token in the text, or a line and column.
    enum Place: Sendable {
        case token(String)
        case position(line: Int, column: Int)
    }

    var name: String
    var text: String
    var path: String
    var place: Place
    var message: String
    var suggestion: String?

    init(
        _ name: String, _ text: String, path: String = "", at place: Place, _ message: String,
        suggestion: String? = nil
    ) {
        self.name = name
        self.text = text
        self.path = path
        self.place = place
        self.message = message
        self.suggestion = suggestion
    }

    var testDescription: String { name }

    /// 1-based line and column (in characters) of the place, found in the text itself.
    var location: (line: Int, column: Int) {
        switch place {
        case .position(let line, let column):
            return (line, column)
        case .token(let token):
            guard let range = text.range(of: token) else { return (0, 0) }
            let before = text[..<range.lowerBound]
            let line = before.filter { $0 == "\n" }.count + 1
            let lineStart = before.lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex
            return (line, text[lineStart..<range.lowerBound].count + 1)
        }
    }
}

/// Reading the configuration is strict: every unknown key, wrong type, out-of-range value and syntax error is
/// refused with its file, line, column and JSON path, instead of being skipped (a misspelt volume limit that was
/// skipped would leave a loud speaker without its limit).
@Suite struct HostileConfigurationTests {
    static let file = "/etc/respite-test/config.json"

    static let misspelt: [HostileConfiguration] = [
        .init(
            "misspelt loudness", #"{ "loudnes": { "voice": -20 } }"#, path: "loudnes", at: .token(#""loudnes""#),
            "unknown key 'loudnes'", suggestion: "did you mean 'loudness'?"),
        .init(
            "misspelt ceiling", #"{ "cieling": -1 }"#, path: "cieling", at: .token(#""cieling""#),
            "unknown key 'cieling'", suggestion: "did you mean 'ceiling'?"),
        .init(
            "misspelt devices", #"{ "device": { "default": { "maxVolume": -6 } } }"#, path: "device",
            at: .token(#""device""#), "unknown key 'device'", suggestion: "did you mean 'devices'?"),
        .init(
            "misspelt voice", #"{ "loudness": { "voise": -20 } }"#, path: "loudness.voise",
            at: .token(#""voise""#), "unknown key 'voise'", suggestion: "did you mean 'voice'?"),
        .init(
            "misspelt music", #"{ "loudness": { "musik": -30 } }"#, path: "loudness.musik",
            at: .token(#""musik""#), "unknown key 'musik'", suggestion: "did you mean 'music'?"),
        .init(
            "misspelt cues", #"{ "loudness": { "cue": -26 } }"#, path: "loudness.cue", at: .token(#""cue""#),
            "unknown key 'cue'", suggestion: "did you mean 'cues'?"),
        .init(
            "American programme", #"{ "loudness": { "program": -23 } }"#, path: "loudness.program",
            at: .token(#""program""#), "unknown key 'program'", suggestion: "did you mean 'programme'?"),
        .init(
            "misspelt maxVolume", "{\n  \"devices\": {\n    \"default\": { \"maxVolme\": -6 }\n  }\n}",
            path: "devices.default.maxVolme", at: .token(#""maxVolme""#), "unknown key 'maxVolme'",
            suggestion: "did you mean 'maxVolume'?"),
        .init(
            "snake-case maxVolume", #"{ "devices": { "default": { "max_volume": -6 } } }"#,
            path: "devices.default.max_volume", at: .token(#""max_volume""#), "unknown key 'max_volume'",
            suggestion: "did you mean 'maxVolume'?"),
        .init(
            "capitalised key", #"{ "Ceiling": -1 }"#, path: "Ceiling", at: .token(#""Ceiling""#),
            "unknown key 'Ceiling'", suggestion: "did you mean 'ceiling'?"),
        .init(
            "voice at the top level", #"{ "voice": -20 }"#, path: "voice", at: .token(#""voice""#),
            "unknown key 'voice'", suggestion: #"'voice' belongs inside "loudness""#),
        .init(
            "maxVolume at the top level", #"{ "maxVolume": -6 }"#, path: "maxVolume", at: .token(#""maxVolume""#),
            "unknown key 'maxVolume'", suggestion: "a volume limit belongs to a device"),
        .init(
            "ceiling inside loudness", #"{ "loudness": { "ceiling": -1 } }"#, path: "loudness.ceiling",
            at: .token(#""ceiling""#), "unknown key 'ceiling'", suggestion: "'ceiling' belongs at the top level"),
        .init(
            "unrelated key", #"{ "colour": "blue" }"#, path: "colour", at: .token(#""colour""#),
            "unknown key 'colour'", suggestion: "keys at the top level: loudness, ceiling, devices"),
        .init(
            "volume in a device", #"{ "devices": { "default": { "volume": -6 } } }"#,
            path: "devices.default.volume", at: .token(#""volume""#), "unknown key 'volume'",
            suggestion: "keys of a device: maxVolume"),
    ]

    static let wrongTypes: [HostileConfiguration] = [
        .init(
            "loudness is a number", #"{ "loudness": -20 }"#, path: "loudness", at: .token("-20"),
            "should be an object in { }, but is the number -20"),
        .init(
            "voice in quotes", #"{ "loudness": { "voice": "-20" } }"#, path: "loudness.voice",
            at: .token(#""-20""#), #"should be a number of LUFS, but is the text "-20""#,
            suggestion: "remove the quotes: -20"),
        .init(
            "ceiling is true", #"{ "ceiling": true }"#, path: "ceiling", at: .token("true"),
            "should be a number of dBTP, but is true"),
        .init(
            "ceiling is null", #"{ "ceiling": null }"#, path: "ceiling", at: .token("null"),
            "should be a number of dBTP, but is null", suggestion: "remove the key to keep the default"),
        .init(
            "devices is a list", #"{ "devices": ["default"] }"#, path: "devices", at: .token("["),
            "should be an object in { }, but is a list [ ]"),
        .init(
            "a device is a number", #"{ "devices": { "default": -6 } }"#, path: "devices.default",
            at: .token("-6"), "should be an object in { }, but is the number -6"),
        .init(
            "maxVolume is text", #"{ "devices": { "default": { "maxVolume": "loud" } } }"#,
            path: "devices.default.maxVolume", at: .token(#""loud""#),
            #"should be a number of dB, but is the text "loud""#),
        .init(
            "maxVolume is null", #"{ "devices": { "default": { "maxVolume": null } } }"#,
            path: "devices.default.maxVolume", at: .token("null"), "should be a number of dB, but is null"),
        .init(
            "programme is text", #"{ "loudness": { "programme": "off" } }"#, path: "loudness.programme",
            at: .token(#""off""#), #"should be a number of LUFS, but is the text "off""#,
            suggestion: "null turns the trim off"),
        .init(
            "the file is a list", "[1, 2]", at: .position(line: 1, column: 1),
            "the configuration should be an object in { }, but is a list [ ]"),
        .init(
            "the file is a number", "3", at: .position(line: 1, column: 1),
            "the configuration should be an object in { }, but is the number 3"),
        .init(
            "the file is text", #""loudness""#, at: .position(line: 1, column: 1),
            #"the configuration should be an object in { }, but is the text "loudness""#),
        .init(
            "the file is null", "null", at: .position(line: 1, column: 1),
            "the configuration should be an object in { }, but is null"),
    ]

    static let outOfRange: [HostileConfiguration] = [
        .init(
            "voice too loud", #"{ "loudness": { "voice": -5 } }"#, path: "loudness.voice", at: .token("-5"),
            "must be from -40 to -10 LUFS (found -5)"),
        .init(
            "voice without its minus", #"{ "loudness": { "voice": 20 } }"#, path: "loudness.voice",
            at: .token("20"), "must be from -40 to -10 LUFS (found 20)", suggestion: "did you mean -20?"),
        .init(
            "music too quiet", #"{ "loudness": { "music": -60 } }"#, path: "loudness.music", at: .token("-60"),
            "must be from -50 to -15 LUFS (found -60)"),
        .init(
            "cues too loud", #"{ "loudness": { "cues": -10 } }"#, path: "loudness.cues", at: .token("-10"),
            "must be from -45 to -12 LUFS (found -10)"),
        .init(
            "programme too quiet", #"{ "loudness": { "programme": -50 } }"#, path: "loudness.programme",
            at: .token("-50"), "must be from -36 to -14 LUFS (found -50)"),
        .init(
            "ceiling above 0 dBTP", #"{ "ceiling": 0.5 }"#, path: "ceiling", at: .token("0.5"),
            "must be from -20 to 0 dBTP (found 0.5)", suggestion: "did you mean -0.5?"),
        .init(
            "ceiling too low", #"{ "ceiling": -21 }"#, path: "ceiling", at: .token("-21"),
            "must be from -20 to 0 dBTP (found -21)"),
        .init(
            "maxVolume above +6 dB", #"{ "devices": { "speaker": { "maxVolume": 12 } } }"#,
            path: "devices.speaker.maxVolume", at: .token("12"), "must be from -40 to 6 dB (found 12)"),
        .init(
            "maxVolume below -40 dB", #"{ "devices": { "speaker": { "maxVolume": -41 } } }"#,
            path: "devices.speaker.maxVolume", at: .token("-41"), "must be from -40 to 6 dB (found -41)"),
        .init(
            "a huge ceiling", #"{ "ceiling": 1e300 }"#, path: "ceiling", at: .token("1e300"),
            "must be from -20 to 0 dBTP (found 1e300)"),
        .init(
            "a hugely negative voice", #"{ "loudness": { "voice": -1e300 } }"#, path: "loudness.voice",
            at: .token("-1e300"), "must be from -40 to -10 LUFS (found -1e300)"),
        .init(
            "a number too large for a Double", #"{ "ceiling": 1e400 }"#, path: "ceiling", at: .token("1e400"),
            "the number 1e400 is too large"),
        .init(
            "a number of 101 characters", #"{ "ceiling": -"# + String(repeating: "1", count: 100) + " }",
            path: "ceiling", at: .token("-1"), "a number written with more than 100 characters"),
    ]

    static let syntax: [HostileConfiguration] = [
        .init(
            "trailing comma", "{\n  \"ceiling\": -1,\n}", at: .position(line: 2, column: 16),
            "a comma after the last member of an object"),
        .init(
            "a comment", "{\n  // quieter at night\n  \"ceiling\": -3\n}", at: .position(line: 2, column: 3),
            "a comment; JSON does not allow comments", suggestion: "remove it"),
        .init(
            "single quotes", "{ 'ceiling': -1 }", at: .token("'"), "a key in single quotes"),
        .init(
            "a key without quotes", "{ ceiling: -1 }", at: .token("ceiling"), "a key without quotes"),
        .init(
            "an unclosed object", "{\n  \"loudness\": { \"voice\": -20 }\n", at: .position(line: 3, column: 1),
            "the file ends before the object that starts at line 1, column 1 is closed"),
        .init(
            "a missing colon", #"{ "ceiling" -1 }"#, at: .token("-1"),
            "'-' after the key 'ceiling' where ':' was expected"),
        .init(
            "a missing comma", "{ \"ceiling\": -1\n  \"devices\": {} }", path: "", at: .position(line: 2, column: 3),
            "a comma is missing after the value of 'ceiling'"),
        .init(
            "an empty file", "", at: .position(line: 1, column: 1), "the file is empty",
            suggestion: "a configuration is a JSON object that starts with '{'"),
        .init(
            "only spaces and lines", "  \n\n  ", at: .position(line: 1, column: 1), "the file is empty"),
        .init(
            "a byte order mark in the middle", "{ \"ceiling\": -1 }\u{FEFF}", at: .token("\u{FEFF}"),
            "a byte order mark (U+FEFF, an invisible character) in the middle of the file"),
        .init(
            "NaN", #"{ "ceiling": NaN }"#, path: "ceiling", at: .token("NaN"),
            "'NaN' is not a number JSON allows"),
        .init(
            "Infinity", #"{ "ceiling": -Infinity }"#, path: "ceiling", at: .token("-Infinity"),
            "a '-' that is not followed by a number"),
        .init(
            "a duplicated top-level key", "{ \"ceiling\": -1,\n  \"ceiling\": -6 }", path: "ceiling",
            at: .position(line: 2, column: 3),
            "the key 'ceiling' appears twice in this object (first at line 1, column 3)"),
        .init(
            "a duplicated device", #"{ "devices": { "hw:0": {}, "hw:0": { "maxVolume": 6 } } }"#,
            path: #"devices["hw:0"]"#, at: .position(line: 1, column: 28), "the key 'hw:0' appears twice"),
        .init(
            "a duplicated maxVolume, the second without a cap",
            #"{ "devices": { "default": { "maxVolume": -12, "maxVolume": 6 } } }"#,
            path: "devices.default.maxVolume", at: .position(line: 1, column: 47),
            "the key 'maxVolume' appears twice"),
        .init(
            "text after the end", #"{ "ceiling": -1 } { }"#, at: .position(line: 1, column: 19),
            "unexpected '{' after the end of the configuration"),
        .init(
            "a tab inside text", "{ \"devices\": { \"a\tb\": {} } }", path: "devices", at: .token("\t"),
            "a tab character inside text"),
        .init(
            "nesting 65 levels deep", String(repeating: #"{"a":"#, count: 65) + String(repeating: "}", count: 65),
            path: Array(repeating: "a", count: 64).joined(separator: "."), at: .position(line: 1, column: 321),
            "objects and lists are nested more than 64 levels deep"),
        .init(
            "None instead of null", #"{ "loudness": { "programme": None } }"#, path: "loudness.programme",
            at: .token("None"), "'None' is not a JSON value"),
    ]

    static let deviceNames: [HostileConfiguration] = [
        .init(
            "an empty device name", #"{ "devices": { "": { "maxVolume": -6 } } }"#, path: #"devices[""]"#,
            at: .token(#""""#), "a device name is empty", suggestion: "exactly as you give it to --device"),
        .init(
            "an escape sequence in a device name", #"{ "devices": { "\u001b[2J": { "maxVolume": -6 } } }"#,
            path: #"devices["\u{1B}[2J"]"#, at: .token(#""\u001b"#),
            "the device name contains the invisible character U+001B"),
        .init(
            "a line break in a device name", #"{ "devices": { "one\ntwo": {} } }"#,
            path: #"devices["one\u{A}two"]"#, at: .token(#""one"#),
            "the device name contains the invisible character U+000A"),
        .init(
            "a NUL in a device name", #"{ "devices": { "default\u0000": {} } }"#,
            path: #"devices["default\u{0}"]"#, at: .token(#""default"#),
            "the device name contains the invisible character U+0000"),
        .init(
            "a right-to-left override in a device name", #"{ "devices": { "\u202Etluafed": {} } }"#,
            path: #"devices["\u{202E}tluafed"]"#, at: .token(#""\u202E"#),
            "the device name contains the invisible character U+202E"),
        .init(
            "a space at the end of a device name", #"{ "devices": { "default ": { "maxVolume": -6 } } }"#,
            path: #"devices["default "]"#, at: .token(#""default "#),
            "the device name starts or ends with a space, so it would never match --device"),
        .init(
            "a device name of 300 bytes", #"{ "devices": { ""# + String(repeating: "d", count: 300) + #"": {} } }"#,
            path: "devices." + String(repeating: "d", count: 300), at: .token(#""ddd"#),
            "a device name of 300 bytes; at most 256 are accepted"),
    ]

    static let hostile = misspelt + wrongTypes + outOfRange + syntax + deviceNames

    @Test(arguments: hostile)
    func isRefusedAtItsPlace(_ hostile: HostileConfiguration) throws {
        let error = try #require(throws: ConfigurationError.self) {
            try Configuration.parse(bytes: Array(hostile.text.utf8), file: Self.file)
        }
        let first = try #require(error.problems.first)
        let (line, column) = hostile.location
        #expect(first.file == Self.file)
        #expect(first.line == line && first.column == column, "\(first)")
        #expect(first.path == hostile.path, "\(first)")
        #expect(first.message.hasPrefix(hostile.message), "\(first)")
        if let suggestion = hostile.suggestion {
            #expect(first.suggestion?.contains(suggestion) == true, "\(first)")
        }
        // The whole message a user sees: `file:line:column: path: message; suggestion`, then what to do.
        let place = hostile.path.isEmpty ? "" : "\(hostile.path): "
        #expect(error.description.hasPrefix("\(Self.file):\(line):\(column): \(place)\(hostile.message)"))
        #expect(error.description.hasSuffix("or move it away to use the defaults."))
        // Nothing from the file reaches the terminal unescaped.
        #expect(!error.description.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(!error.description.unicodeScalars.contains { $0 == "\u{202E}" || $0 == "\u{7F}" })
    }

    @Test func everyProblemIsReportedInOrder() throws {
        let text = """
            {
              "devices": { "default": { "maxVolme": -6 }, "kitchen": { "maxVolume": 60 } },
              "ceiling": "-1",
              "loudness": { "voice": -20, "musik": -30 }
            }
            """
        let error = try #require(throws: ConfigurationError.self) {
            try Configuration.parse(bytes: Array(text.utf8), file: "config.json")
        }
        #expect(
            error.problems.map(\.description) == [
                "config.json:2:29: devices.default.maxVolme: unknown key 'maxVolme'; did you mean 'maxVolume'?",
                "config.json:2:73: devices.kitchen.maxVolume: must be from -40 to 6 dB (found 60)",
                "config.json:3:14: ceiling: should be a number of dBTP, but is the text \"-1\"; remove the quotes: -1",
                "config.json:4:31: loudness.musik: unknown key 'musik'; did you mean 'music'?",
            ])
    }

    @Test func aMisspeltLimitKeepsNoDeviceLimitAndIsRefused() throws {
        // The reported danger: a cap spelt wrong used to be skipped, leaving the device at full volume.
        let text = #"{ "devices": { "default": { "maxVolme": -12 } } }"#
        #expect(throws: ConfigurationError.self) { try Configuration.parse(bytes: Array(text.utf8), file: "c.json") }
    }

    static let valid: [(String, Configuration)] = [
        ("{}", Configuration()),
        ("\u{FEFF}{ \"ceiling\": -3 }", Configuration(ceiling: -3)),
        (
            #"{ "loudness": { "voice": -18, "music": -30, "cues": -24, "programme": -20 }, "ceiling": -2 }"#,
            Configuration(loudness: .init(voice: -18, music: -30, cues: -24, programme: -20), ceiling: -2)
        ),
        (#"{ "loudness": { "programme": null } }"#, Configuration(loudness: .init(programme: nil))),
        (
            #"{ "devices": { "hw:CARD=PCH,DEV=0": { "maxVolume": -6 }, "Küche": {}, "default": { "maxVolume": 6 } } }"#,
            Configuration(devices: [
                "hw:CARD=PCH,DEV=0": .init(maxVolume: -6), "Küche": .init(), "default": .init(maxVolume: 6),
            ])
        ),
        (
            #"{ "ceiling": -0, "loudness": { "voice": -4e1, "music": -1.5E1 } }"#,
            Configuration(loudness: .init(voice: -40, music: -15), ceiling: 0)
        ),
        ("{\r\n  \"ceiling\" :\t-1\r\n}\r\n", Configuration()),
    ]

    @Test(arguments: valid)
    func aValidFileIsReadExactly(_ text: String, _ expected: Configuration) throws {
        #expect(try Configuration.parse(bytes: Array(text.utf8), file: "config.json") == expected)
    }

    @Test func invalidUTF8IsRefusedAtItsByte() throws {
        let bytes = Array(#"{ "devices": { "caf"#.utf8) + [0xE9] + Array(#"": {} } }"#.utf8)
        let error = try #require(throws: ConfigurationError.self) {
            try Configuration.parse(bytes: bytes, file: "c.json")
        }
        #expect(error.description.hasPrefix("c.json:1:20: the file is not valid UTF-8 text: byte 0xE9"))
    }

    @Test func moreThanTheSizeLimitIsRefusedWithoutParsing() throws {
        let bytes = Array("{}".utf8) + [UInt8](repeating: 0x20, count: Configuration.maximumFileSize)
        let error = try #require(throws: ConfigurationError.self) {
            try Configuration.parse(bytes: bytes, file: "c.json")
        }
        #expect(error.description.hasPrefix("c.json: the file is \(65_538) bytes; at most 65536 are accepted"))
    }
}

/// Inputs fuzz-configuration found, reduced to their cause.
@Suite struct ConfigurationFuzzRegressionTests {
    @Test func aDeviceNameWithAnEscapeBeforeAMissingColonIsShownEscaped() throws {
        // The parser's message quoted the key raw: an ESC reached the terminal.
        let input = #"{ "ceiling": "-1", "devices": { "\u001b"block" "maxVolume": 0e300 } } }"#
        let error = try #require(throws: ConfigurationError.self) {
            try Configuration.parse(bytes: Array(input.utf8), file: "config.json")
        }
        #expect(error.description.hasPrefix(#"config.json:1:41: devices: 'b' after the key '\u{1B}'"#), "\(error)")
        #expect(!error.description.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    }
}
