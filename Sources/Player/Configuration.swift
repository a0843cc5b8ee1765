import Foundation

/// Settings a listener or a clinic sets once for a machine, in
/// `$XDG_CONFIG_HOME/respite/config.json` (or `~/.config/respite/config.json`).
///
/// Every key is optional; missing keys keep the defaults:
/// ```json
/// {
///   "loudness": { "voice": -20, "music": -32, "cues": -26, "programme": -23 },
///   "ceiling": -1,
///   "devices": { "default": { "maxVolume": -6 } }
/// }
/// ```
public struct Configuration: Sendable, Equatable, Codable {
    /// Integrated loudness each bus is brought to, LUFS.
    public struct Loudness: Sendable, Equatable, Codable {
        /// Narration, -40…-10 LUFS. -20 is clear and unhurried on headphones and small speakers.
        public var voice: Double
        /// The music bed before ducking, -50…-15 LUFS: well under the voice.
        public var music: Double
        /// Bells, chimes and pacers, -45…-12 LUFS.
        public var cues: Double
        /// The whole session's integrated loudness, -36…-14 LUFS; nil leaves the balance of the buses as it
        /// is. -23 (EBU R128) is calm and leaves room below the ceiling.
        public var programme: Double?

        public init(voice: Double = -20, music: Double = -32, cues: Double = -26, programme: Double? = -23) {
            self.voice = voice
            self.music = music
            self.cues = cues
            self.programme = programme
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Loudness()
            voice = try container.decodeIfPresent(Double.self, forKey: .voice) ?? defaults.voice
            music = try container.decodeIfPresent(Double.self, forKey: .music) ?? defaults.music
            cues = try container.decodeIfPresent(Double.self, forKey: .cues) ?? defaults.cues
            programme = try container.decodeIfPresent(Double.self, forKey: .programme) ?? defaults.programme
        }
    }

    /// Per sound device (by its `--device` name).
    public struct Device: Sendable, Equatable, Codable {
        /// The loudest the player's volume may go on this device, dB, -40…+6: a safety limit for a
        /// loud speaker, whatever a session or a key press asks.
        public var maxVolume: Double?

        public init(maxVolume: Double? = nil) { self.maxVolume = maxVolume }
    }

    public var loudness: Loudness
    /// True-peak ceiling of the master limiter, dBTP, -20…0.
    public var ceiling: Double
    public var devices: [String: Device]

    public init(loudness: Loudness = Loudness(), ceiling: Double = -1, devices: [String: Device] = [:]) {
        self.loudness = loudness
        self.ceiling = ceiling
        self.devices = devices
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        loudness = try container.decodeIfPresent(Loudness.self, forKey: .loudness) ?? Loudness()
        ceiling = try container.decodeIfPresent(Double.self, forKey: .ceiling) ?? -1
        devices = try container.decodeIfPresent([String: Device].self, forKey: .devices) ?? [:]
    }

    /// `$XDG_CONFIG_HOME/respite/config.json`, else `~/.config/respite/config.json`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        return base + "/respite/config.json"
    }

    /// Reads the file at `path`; a missing file gives the defaults.
    public static func load(from path: String = defaultPath()) throws(ConfigurationError) -> Configuration {
        guard let data = FileManager.default.contents(atPath: path) else { return Configuration() }
        let configuration: Configuration
        do {
            configuration = try JSONDecoder().decode(Configuration.self, from: data)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
            let DecodingError.keyNotFound(_, context), let DecodingError.dataCorrupted(context)
        {
            let place = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw ConfigurationError(path: path, message: (place.isEmpty ? "" : "\(place): ") + context.debugDescription)
        } catch {
            throw ConfigurationError(path: path, message: "\(error)")
        }
        try configuration.validate(path: path)
        return configuration
    }

    func validate(path: String) throws(ConfigurationError) {
        func check(_ value: Double, _ range: ClosedRange<Double>, _ key: String) throws(ConfigurationError) {
            guard range.contains(value) else {
                throw ConfigurationError(path: path, message: "\(key) is \(value); it must be \(range.lowerBound)…\(range.upperBound)")
            }
        }
        try check(loudness.voice, -40 ... -10, "loudness.voice")
        try check(loudness.music, -50 ... -15, "loudness.music")
        try check(loudness.cues, -45 ... -12, "loudness.cues")
        if let programme = loudness.programme { try check(programme, -36 ... -14, "loudness.programme") }
        try check(ceiling, -20...0, "ceiling")
        for (name, device) in devices {
            if let maxVolume = device.maxVolume { try check(maxVolume, -40...6, "devices.\(name).maxVolume") }
        }
    }
}

/// The configuration file could not be read.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String

    public var description: String {
        "\(path): \(message). Fix the file (every key is optional; see docs/configuration.md) or move it away to use the defaults."
    }
}
