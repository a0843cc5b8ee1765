import CALSA

#if canImport(Glibc)
    import Glibc
#endif

/// What ALSA can play on.
public enum PlaybackDevices {
    /// True when ALSA knows at least one sound card.
    public static func hasSoundCard() -> Bool {
        respite_alsa_silence_errors()
        var card: Int32 = -1
        return snd_card_next(&card) == 0 && card >= 0
    }

    /// Opens and closes `name` for playback without blocking; throws ALSA's reason when it cannot.
    public static func probe(_ name: String) throws(ALSAError) {
        respite_alsa_silence_errors()
        var handle: OpaquePointer?
        try ALSAError.check(
            snd_pcm_open(&handle, name, SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK), "snd_pcm_open", device: name)
        snd_pcm_close(handle)
    }
}

extension PlaybackDevices {
    /// A PCM that ALSA offers for playback.
    public struct Device: Sendable, Equatable {
        /// The name `--device` takes, e.g. `default`, `hw:CARD=PCH,DEV=0`, `pulse`.
        public var name: String
        /// ALSA's description, first line.
        public var description: String
    }

    /// The playback PCMs ALSA's configuration names (its device hints), `default` first.
    public static func list() -> [Device] {
        respite_alsa_silence_errors()
        var hints: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        guard snd_device_name_hint(-1, "pcm", &hints) == 0, let hints else { return [] }
        defer { snd_device_name_free_hint(hints) }
        var devices: [Device] = []
        var index = 0
        while let hint = hints[index] {
            index += 1
            let name = take(snd_device_name_get_hint(hint, "NAME"))
            let description = take(snd_device_name_get_hint(hint, "DESC"))
            let direction = take(snd_device_name_get_hint(hint, "IOID"))
            guard let name, direction == nil || direction == "Output" else { continue }
            let firstLine = description?.split(separator: "\n").first.map(String.init) ?? ""
            devices.append(Device(name: name, description: firstLine))
        }
        return devices.sorted { ($0.name == "default" ? 0 : 1, $0.name) < ($1.name == "default" ? 0 : 1, $1.name) }
    }

    /// Copies and frees a string ALSA allocated.
    private static func take(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
