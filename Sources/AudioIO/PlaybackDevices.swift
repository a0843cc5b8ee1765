import CALSA

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
        try ALSAError.check(snd_pcm_open(&handle, name, SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK), "snd_pcm_open", device: name)
        snd_pcm_close(handle)
    }
}
