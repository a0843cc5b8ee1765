/// A sound the mixer synthesises itself, deterministically, with no file and no allocation.
public enum Generator: Sendable, Equatable {
    /// A struck bell: inharmonic partials (hum, prime, tierce, quint, nominal…) with long,
    /// unequal decays. `pitch` is the nominal in Hz, 100…2000.
    case bell(pitch: Float)
    /// A small metal chime (free-bar partials 1 : 2.76 : 5.40), a short bright ring. `pitch` in Hz.
    case chime(pitch: Float)
    /// A singing bowl: low partials in slowly beating pairs and a long ring. `pitch` in Hz.
    case bowl(pitch: Float)
    /// A soft rounded tone with a slow attack. `pitch` in Hz.
    case tone(pitch: Float)
    /// A breath of band-passed noise that rises over `inhale` frames, holds for `hold`, and falls
    /// over `exhale` frames, brightening as it rises: an audible breathing pacer.
    case swell(inhale: Int, hold: Int, exhale: Int)
    /// A warm drone on `root` Hz: root, fifth and octave, each a few detuned harmonics, breathing slowly.
    case drone(root: Float)
    /// Shaped noise like waves on a shore: slow, irregular swells of low-passed noise, stereo.
    case ocean
    /// Steady soft rain: a bed of band-passed noise (about 300 Hz…2.5 kHz) that drifts gently in
    /// level, with sparse droplets (about 16 a second) on top: short pitched-noise ticks at
    /// 1…3.5 kHz that ring for 20…50 ms, each at its own place in the stereo field.
    case rain
}
