import Foundation

/// The clinic daemon's control protocol: text lines over a Unix socket, in the spirit of MPD's.
///
/// - On connecting, the daemon sends `OK respite VERSION`.
/// - A request is one line of at most ``maximumLineLength`` bytes: a command and its arguments, separated by
///   spaces; an argument with spaces is written in double quotes, with `\"` and `\\` inside.
/// - A response is zero or more `key: value` lines, then `OK`; or, for a request that failed, one line
///   `ACK [command] message` (nothing was done).
/// - `idle` answers with `event: …` lines as things happen, until the client sends `noidle` (then `OK`).
///
/// Pure: parsing and formatting only, so it is tested without a socket.
public enum ControlProtocol {
    /// The longest request line accepted, bytes (without its newline).
    public static let maximumLineLength = 4096
    /// The most arguments a request may have.
    public static let maximumArguments = 32

    /// The commands the daemon answers, with a line each for `commands` and `respite ctl --help`.
    public static let commands: [(name: String, usage: String)] = [
        ("status", "status: what is playing, where it is, and the next scheduled run"),
        ("play", "play ID [key=value …]: play a session now (with --set choices)"),
        ("stop", "stop: stop the session gently (a fade)"),
        ("pause", "pause: pause the session"),
        ("resume", "resume: resume a paused session"),
        ("next", "next: skip to the next step"),
        ("previous", "previous: back to the start of this step, or the one before"),
        ("volume", "volume DB | up [DB] | down [DB]: set the volume (-40…+6 dB), or change it (3 dB)"),
        ("schedule", "schedule [N]: the next N scheduled runs (10)"),
        ("history", "history [N]: the last N runs and scheduled runs not played (10)"),
        ("rate", "rate RUN [before|after] ITEM=0…10 …: record a patient's ratings for a run (after by default)"),
        ("reload", "reload: read the schedule file again (the old one stays if the new one is invalid)"),
        ("idle", "idle: events as they happen, until `noidle`"),
        ("ping", "ping: OK"),
        ("commands", "commands: this list"),
        ("close", "close: end the connection"),
    ]

    /// Why a request line could not be read.
    public struct RequestError: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Splits a request line into its command and arguments.
    public static func parse(_ line: String) throws(RequestError) -> (command: String, arguments: [String]) {
        guard line.utf8.count <= maximumLineLength else {
            throw RequestError(message: "the request is longer than \(maximumLineLength) bytes")
        }
        if line.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F }) {
            throw RequestError(message: "the request contains a control character")
        }
        var words: [String] = []
        var word = ""
        var inWord = false
        var quoted = false
        var scalars = line.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            if quoted {
                switch scalar {
                case "\\":
                    guard let next = scalars.next() else {
                        throw RequestError(message: "a backslash ends the request inside quotes")
                    }
                    word.unicodeScalars.append(next)
                case "\"": quoted = false
                default: word.unicodeScalars.append(scalar)
                }
            } else if scalar == " " || scalar == "\t" {
                if inWord { words.append(word) }
                word = ""
                inWord = false
            } else if scalar == "\"" {
                quoted = true
                inWord = true
            } else {
                word.unicodeScalars.append(scalar)
                inWord = true
            }
        }
        guard !quoted else { throw RequestError(message: "a quoted argument is not closed") }
        if inWord { words.append(word) }
        guard let command = words.first else { throw RequestError(message: "the request is empty") }
        guard words.count - 1 <= maximumArguments else {
            throw RequestError(message: "more than \(maximumArguments) arguments")
        }
        return (command, Array(words.dropFirst()))
    }

    /// An argument written so ``parse(_:)`` reads it back as it is: quoted when it has a space, a quote or a
    /// backslash, or is empty.
    public static func quote(_ argument: String) -> String {
        let plain =
            !argument.isEmpty
            && !argument.unicodeScalars.contains(where: { $0 == " " || $0 == "\t" || $0 == "\"" || $0 == "\\" })
        if plain { return argument }
        var text = "\""
        for scalar in argument.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { text.unicodeScalars.append("\\") }
            text.unicodeScalars.append(scalar)
        }
        return text + "\""
    }

    /// One `key: value` line, the value on one line (line breaks and control characters become spaces).
    public static func field(_ key: String, _ value: String) -> String {
        let flat = String(
            String.UnicodeScalarView(
                value.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
        return "\(key): \(flat)"
    }

    /// Reads `key: value` lines back into pairs (lines without `: ` are skipped).
    public static func fields(_ lines: [String]) -> [(key: String, value: String)] {
        lines.compactMap { line in
            guard let range = line.range(of: ": ") else { return nil }
            return (String(line[..<range.lowerBound]), String(line[range.upperBound...]))
        }
    }

    /// A response's fields as JSON: one object, or for a `list` (or when a key repeats) an array of objects, a new
    /// one starting each time the first key comes again (MPD's rule for lists). Values stay strings, but for those
    /// that read as numbers, true or false.
    public static func json(_ pairs: [(key: String, value: String)], list: Bool = false) -> String {
        func value(_ text: String) -> Any {
            if text == "true" { return true }
            if text == "false" { return false }
            if let number = Double(text), text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-") }) {
                return number.rounded() == number && abs(number) < 1e15 ? Int(number) as Any : number as Any
            }
            return text
        }
        let keys = pairs.map(\.key)
        let repeats = list || Set(keys).count != keys.count
        var objects: [[String: Any]] = []
        var current: [String: Any] = [:]
        for (key, text) in pairs {
            if repeats, key == keys.first, !current.isEmpty {
                objects.append(current)
                current = [:]
            }
            current[key] = value(text)
        }
        if !current.isEmpty || !repeats { objects.append(current) }
        if list && pairs.isEmpty { objects = [] }
        let root: Any = repeats ? objects : (objects.first ?? [:])
        let data =
            (try? JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .prettyPrinted])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
