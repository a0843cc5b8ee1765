import AudioIO
import FileAccess
import Foundation
import SessionKit

#if canImport(Glibc)
    import Glibc
#endif

/// What Respite remembers for one listener between runs, per session id: the choices made on the start
/// screen and where a stopped session can be continued.
///
/// It lives in one small JSON file, `$XDG_STATE_HOME/respite/sessions.json` (``ListenerStateFile``), that
/// Respite alone writes:
/// ```json
/// {
///   "format": 1,
///   "sessions": {
///     "pmr-short": {
///       "choices": ["skip=left-arm", "releaseOnly=true"],
///       "resume": { "frame": 8160000, "stoppedAt": 8170000, "step": 4, "stepTitle": "Left arm",
///                   "sessionFrames": 30720000, "rate": 48000 }
///     }
///   }
/// }
/// ```
public struct ListenerState: Sendable, Equatable {
    /// What is remembered for one session.
    public struct Entry: Sendable, Equatable {
        /// The listener's choices as `--set` assignments (`skip=left-arm`), applied in order over the session's
        /// own defaults; command-line `--set` values are applied after them, so they win.
        public var choices: [String]
        /// Where the session was stopped, if it has not been finished since.
        public var resume: ResumePoint?

        public init(choices: [String] = [], resume: ResumePoint? = nil) {
            self.choices = choices
            self.resume = resume
        }

        var isEmpty: Bool { choices.isEmpty && resume == nil }
    }

    /// The version of the file's layout; a file of another version is not read (nor overwritten).
    public static let format = 1
    /// Entries by session id.
    public var sessions: [String: Entry]

    public init(sessions: [String: Entry] = [:]) {
        self.sessions = sessions
    }

    /// The entry for `id` (empty when there is none).
    public subscript(id: String) -> Entry {
        get { sessions[id] ?? Entry() }
        set { sessions[id] = newValue.isEmpty ? nil : newValue }
    }
}

// MARK: - Reading and writing the JSON

extension ListenerState {
    /// The file's bytes: keys in a fixed order, so an unchanged state writes the same file.
    public func encoded() -> [UInt8] {
        var text = "{\n  \"format\": \(Self.format),\n  \"sessions\": {"
        let ids = sessions.keys.sorted()
        for (index, id) in ids.enumerated() {
            guard let entry = sessions[id] else { continue }
            text += index == 0 ? "\n" : ",\n"
            var fields: [String] = []
            if !entry.choices.isEmpty {
                fields.append("\"choices\": [" + entry.choices.map(Self.quoted).joined(separator: ", ") + "]")
            }
            if let point = entry.resume {
                fields.append(
                    "\"resume\": { \"frame\": \(point.frame), \"stoppedAt\": \(point.stoppedAt), "
                        + "\"step\": \(point.step), \"stepTitle\": \(Self.quoted(point.stepTitle)), "
                        + "\"sessionFrames\": \(point.sessionFrames), \"rate\": \(point.rate) }")
            }
            text += "    \(Self.quoted(id)): { " + fields.joined(separator: ", ") + " }"
        }
        text += ids.isEmpty ? "}\n}\n" : "\n  }\n}\n"
        return Array(text.utf8)
    }

    /// Reads a state file strictly: the layout above and nothing else, every number in its range.
    ///
    /// - Throws: ``ListenerStateError`` with the line and column of the first problem.
    public static func decode(_ bytes: [UInt8], file: String) throws(ListenerStateError) -> ListenerState {
        let root: JSONValue
        do {
            root = try JSONParser(documentName: "state file").parse(bytes)
        } catch {
            throw ListenerStateError(file: file, detail: error.description)
        }
        func problem(_ value: JSONValue, _ path: String, _ message: String) -> ListenerStateError {
            ListenerStateError(file: file, detail: "\(value.location): \(path): \(message)")
        }
        func object(_ value: JSONValue, _ path: String, keys: Set<String>) throws(ListenerStateError) -> JSONObject {
            guard case .object(let object) = value.kind else {
                throw problem(value, path, "expected an object, found \(value.kindDescription)")
            }
            var seen = Set<String>()
            for member in object.members {
                guard keys.contains(member.key) else {
                    throw ListenerStateError(
                        file: file,
                        detail: "\(member.keyLocation): \(path): unknown key '\(member.key)'".escapingInvisible)
                }
                guard seen.insert(member.key).inserted else {
                    throw ListenerStateError(
                        file: file, detail: "\(member.keyLocation): \(path): '\(member.key)' is written twice")
                }
            }
            return object
        }
        func integer(_ object: JSONObject, _ key: String, _ path: String, _ range: ClosedRange<Int>)
            throws(ListenerStateError) -> Int
        {
            guard let member = object[key] else {
                throw ListenerStateError(file: file, detail: "\(path): '\(key)' is missing")
            }
            guard case .number(let number) = member.value.kind, number.isWhole,
                let value = Int(exactly: number.value), range.contains(value)
            else {
                throw problem(
                    member.value, "\(path).\(key)",
                    "expected a whole number \(range.lowerBound)…\(range.upperBound), found \(member.value.kindDescription)"
                )
            }
            return value
        }
        let top = try object(root, "top level", keys: ["format", "sessions"])
        guard let formatMember = top["format"], case .number(let number) = formatMember.value.kind,
            number.value == Double(format)
        else {
            throw ListenerStateError(
                file: file,
                detail: "format: this Respite reads format \(format) only (a newer Respite may have written it)")
        }
        var state = ListenerState()
        guard let sessionsMember = top["sessions"] else { return state }
        guard case .object(let sessions) = sessionsMember.value.kind else {
            throw problem(
                sessionsMember.value, "sessions", "expected an object, found \(sessionsMember.value.kindDescription)")
        }
        for member in sessions.members {
            let path = "sessions.\(member.key)".escapingInvisible
            guard state.sessions[member.key] == nil else {
                throw ListenerStateError(file: file, detail: "\(member.keyLocation): \(path) is written twice")
            }
            let fields = try object(member.value, path, keys: ["choices", "resume"])
            var entry = Entry()
            if let choices = fields["choices"] {
                guard case .array(let items) = choices.value.kind else {
                    throw problem(choices.value, "\(path).choices", "expected a list of key=value texts")
                }
                for item in items {
                    guard case .string(let text) = item.kind, text.contains("="), text.utf8.count <= 4_096 else {
                        throw problem(
                            item, "\(path).choices", "expected a key=value text, found \(item.kindDescription)")
                    }
                    entry.choices.append(text)
                }
            }
            if let resume = fields["resume"] {
                let resumePath = "\(path).resume"
                let point = try object(
                    resume.value, resumePath,
                    keys: ["frame", "stoppedAt", "step", "stepTitle", "sessionFrames", "rate"])
                let limit = Int(SessionLoader.maximumSessionDuration) * 192_000
                guard let title = point["stepTitle"], case .string(let stepTitle) = title.value.kind else {
                    throw ListenerStateError(file: file, detail: "\(resumePath): 'stepTitle' is missing or not text")
                }
                let resumePoint = ResumePoint(
                    frame: try integer(point, "frame", resumePath, 0...limit),
                    stoppedAt: try integer(point, "stoppedAt", resumePath, 0...limit),
                    step: try integer(point, "step", resumePath, 1...1_000_000),
                    stepTitle: stepTitle,
                    sessionFrames: try integer(point, "sessionFrames", resumePath, 1...limit),
                    rate: try integer(point, "rate", resumePath, 8_000...192_000))
                guard resumePoint.frame <= resumePoint.stoppedAt, resumePoint.stoppedAt < resumePoint.sessionFrames
                else {
                    throw problem(
                        resume.value, resumePath, "the frames do not fit together (frame ≤ stoppedAt < sessionFrames)")
                }
                entry.resume = resumePoint
            }
            state.sessions[member.key] = entry
        }
        return state
    }

    private static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}

/// A state file that cannot be used: Respite carries on with the defaults and leaves the file alone.
public struct ListenerStateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file.
    public var file: String
    /// What is wrong, with its line and column when there is one.
    public var detail: String

    public init(file: String, detail: String) {
        self.file = file
        self.detail = detail
    }

    /// One line: what, where, and what to do.
    public var description: String {
        "note: \(file) cannot be used (\(detail)), so your remembered choices and places are not used this time "
            + "and the file is left as it is. Move it aside (or delete it) to start afresh."
    }
}

// MARK: - The file on disk

/// The per-user file that holds a ``ListenerState``.
///
/// Read strictly but never fatally: a missing file is an empty state; anything else that keeps it from being
/// read (not a regular file, over ``maximumFileSize``, not valid, another format) is one notice, the defaults, and
/// the file left untouched: ``update(_:)`` refuses to write over a file it could not read, so nothing a listener
/// chose is ever silently replaced with less. Writes go through ``AtomicFile`` (a temporary file synced and renamed
/// into place), so a crash or power cut leaves the earlier file or the new one, whole.
///
/// Thread safety: none needed; each call reads the file afresh. Two Respite processes updating at once each
/// write a whole file; the later one's wins.
public struct ListenerStateFile: Sendable {
    /// The file, or nil when no home folder is known (nothing is remembered then).
    public var path: String?

    /// A state file is small: one line per session played.
    public static let maximumFileSize = 1 << 20

    public init(path: String?) {
        self.path = path
    }

    /// `sessions.json` in Respite's state folder (``UserDirectories``): `$XDG_STATE_HOME/respite/sessions.json`,
    /// else `~/.local/state/respite/sessions.json`; nil when no home folder is known (nothing is remembered then).
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        UserDirectories.respite(.state, environment: environment).map { UserDirectories.join($0, "sessions.json") }
    }

    /// The state in the file: empty when there is no file; a ``ListenerStateError`` when it cannot be used.
    public func load() -> Result<ListenerState, ListenerStateError> {
        guard let path else { return .success(ListenerState()) }
        let bytes: [UInt8]
        do {
            bytes = try InputFile.read(path, maximumBytes: Self.maximumFileSize)
        } catch {
            var info = stat()
            if error.kind == .missing, lstat(path, &info) != 0 { return .success(ListenerState()) }
            return .failure(ListenerStateError(file: path, detail: error.message))
        }
        do {
            return .success(try ListenerState.decode(bytes, file: path))
        } catch {
            return .failure(error)
        }
    }

    /// Reads the file afresh, applies `change` and writes the result atomically, creating the folder (mode 0700)
    /// when needed.
    ///
    /// - Returns: nil when done; otherwise a one-line notice for the listener (the file could not be read, so it
    ///   is left alone; or it could not be written).
    @discardableResult
    public func update(_ change: (inout ListenerState) -> Void) -> String? {
        guard let path else { return nil }
        var state: ListenerState
        switch load() {
        case .success(let loaded): state = loaded
        case .failure(let error): return error.description
        }
        let before = state
        change(&state)
        if state == before { return nil }
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            return "note: \(folder) cannot be created (\(error.localizedDescription)), so this is not remembered."
        }
        do {
            let file = try AtomicFile(replacing: path)
            try file.write(state.encoded())
            try file.commit()
        } catch {
            return "note: \(error.description) Nothing was remembered."
        }
        return nil
    }
}
