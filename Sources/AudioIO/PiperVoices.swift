import FileAccess
import Foundation

/// The Piper (neural) voices installed on this machine: the `piper` program and the models it can speak.
///
/// Where Respite looks:
/// - the program: `$RESPITE_PIPER` when set (set and empty hides the neural engine, as on a machine without it);
///   otherwise `respite/piper/bin/piper` under the user's data folder (`$XDG_DATA_HOME`, `~/.local/share`), then
///   under each of `$XDG_DATA_DIRS` (`/usr/local/share`, `/usr/share`): a Python virtual environment with
///   `piper-tts` in it, which `make voices` makes. `piper` on `PATH` is never used: Debian's package of that name
///   is a mouse configuration tool.
/// - the voices: every `NAME.onnx` with its `NAME.onnx.json` beside it, in `$RESPITE_VOICES` (folders separated by
///   `:`) when set, otherwise in `respite/voices` under the user's data folder and then under each of
///   `$XDG_DATA_DIRS`. A clinic installs a voice by copying the two files into `/usr/local/share/respite/voices`;
///   the first folder that has a name wins.
///
/// Nothing is started here: listing voices reads folders and each model's small JSON file.
///
/// Thread safety: an immutable value; use anywhere.
public struct PiperVoices: Sendable {
    /// One installed model.
    public struct Model: Sendable, Equatable {
        /// The file name without `.onnx`, e.g. "en_US-joe-medium": what a session names in `voice.model`.
        public let name: String
        /// The `.onnx` file.
        public let path: String
        /// Its `.onnx.json` file.
        public let configPath: String
        /// The language it speaks, as the model says (`language.code`, e.g. "en_US"), or its espeak-ng voice.
        public let language: String
        /// The espeak-ng voice Piper phonemises with (`espeak.voice`, e.g. "en-us").
        public let espeakVoice: String
        /// Output rate in Hz (`audio.sample_rate`).
        public let sampleRate: Int
        /// The model's quality label (`audio.quality`: x_low, low, medium, high), when given.
        public let quality: String?
    }

    /// The `piper` program, or nil when none was found (``problem`` says why).
    public let program: String?
    /// Why the engine cannot be used, when it cannot, e.g. "no Piper program at '…' (run `make voices`)".
    public let problem: String?
    /// The piper-tts version `make voices` installed (`.respite-piper-version` in its environment), part of the
    /// cache key so a new Piper speaks anew; nil for a program installed otherwise.
    public var version: String?
    /// Every usable model, by name.
    public let models: [Model]
    /// The folders searched for models, in order.
    public let folders: [String]

    /// No neural voice at all, as on a machine without Piper: for tests, and for callers that want espeak-ng only.
    public static let none = PiperVoices(
        program: nil, problem: "the neural engine is not used here", models: [], folders: [])

    /// Whether Piper can speak at all: a program and at least one model.
    public var isAvailable: Bool { program != nil && !models.isEmpty }

    /// The installed model named `name` (case-sensitive, as file names are), or nil.
    public func model(named name: String) -> Model? { models.first { $0.name == name } }

    /// The largest model description read, bytes: real ones are 5–20 KB.
    static let maximumConfigBytes = 1 << 20

    /// What is installed, read from `environment` (the process's, or a test's).
    public static func installed(environment: [String: String] = ProcessInfo.processInfo.environment) -> PiperVoices {
        let dataFolders =
            [UserDirectories.respite(.data, environment: environment)].compactMap { $0 }
            + dataDirectories(environment).map { UserDirectories.join($0, "respite") }
        var program: String?
        var problem: String?
        if let chosen = environment["RESPITE_PIPER"] {
            if chosen.isEmpty {
                problem = "the neural engine is turned off (RESPITE_PIPER is set and empty)"
            } else if isExecutableFile(chosen) {
                program = chosen
            } else {
                problem = "RESPITE_PIPER names '\(chosen)', which is not an executable file"
            }
        } else {
            let candidates = dataFolders.map { $0 + "/piper/bin/piper" }
            program = candidates.first(where: isExecutableFile)
            if program == nil {
                problem =
                    "Piper is not installed (looked for \(candidates.first ?? "respite/piper/bin/piper")); "
                    + "`make voices` installs it"
            }
        }
        let folders =
            environment["RESPITE_VOICES"].map { $0.split(separator: ":").map(String.init).filter { !$0.isEmpty } }
            ?? dataFolders.map { $0 + "/voices" }
        var found: [Model] = []
        for folder in folders {
            for model in models(in: folder) where !found.contains(where: { $0.name == model.name }) {
                found.append(model)
            }
        }
        if program != nil && found.isEmpty {
            problem =
                "no Piper voice is installed (looked in \(folders.joined(separator: ", "))); `make voices` "
                + "installs one"
        }
        var voices = PiperVoices(program: program, problem: problem, models: found, folders: folders)
        if let program {
            let marker = URL(fileURLWithPath: program).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent(".respite-piper-version").path
            if let data = FileManager.default.contents(atPath: marker), data.count <= 64 {
                voices.version = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        return voices
    }

    /// The voices in `folder`, sorted by name; files that are not a readable model and its description are left
    /// out (a voice half-copied in is not offered).
    static func models(in folder: String) -> [Model] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        return names.sorted().compactMap { file in
            guard file.hasSuffix(".onnx"), !file.hasPrefix(".") else { return nil }
            let name = String(file.dropLast(5))
            guard VoiceName.isPiperModel(name) else { return nil }
            let path = UserDirectories.join(folder, file)
            return model(name: name, path: path, configPath: path + ".json")
        }
    }

    /// A model from its two files, or nil when either is missing or the description is not one.
    static func model(name: String, path: String, configPath: String) -> Model? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0 else { return nil }
        guard stat(configPath, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
            info.st_size <= maximumConfigBytes,
            let data = FileManager.default.contents(atPath: configPath),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        let audio = json["audio"] as? [String: Any]
        guard let rate = audio?["sample_rate"] as? Int, (8_000...48_000).contains(rate) else { return nil }
        let espeak = (json["espeak"] as? [String: Any])?["voice"] as? String ?? "en-us"
        let language = (json["language"] as? [String: Any])?["code"] as? String ?? espeak
        return Model(
            name: name, path: path, configPath: configPath, language: language, espeakVoice: espeak,
            sampleRate: rate, quality: audio?["quality"] as? String)
    }

    /// `$XDG_DATA_DIRS`'s absolute entries, or the specification's default.
    static func dataDirectories(_ environment: [String: String]) -> [String] {
        let listed = (environment["XDG_DATA_DIRS"] ?? "").split(separator: ":").map(String.init)
            .filter { $0.hasPrefix("/") }
        return listed.isEmpty ? ["/usr/local/share", "/usr/share"] : listed
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }
}
