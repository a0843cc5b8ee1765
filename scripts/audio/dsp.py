"""Building blocks for Respite's generated music beds.

Everything here works on *circular* buffers: a bed is rendered into a buffer exactly one loop
long, and any sound that runs past the end (a note's release, a reverb tail) is wrapped round
and added to the beginning. Filtering and reverb are done in the frequency domain over the
whole buffer, which is a circular operation too. The file that comes out is therefore exactly
periodic: when the player loops it, sample N-1 is followed by sample 0 as if the music had simply
gone on, so there is no click and no dip in level at the seam.

Arrays are float64, shape (frames, 2) for stereo. Frequencies in Hz, times in seconds, gains
as linear factors unless a name says `_db`.
"""

import numpy as np

SR = 48_000


def db(x):
    """Linear amplitude to dB (with a floor, so silence gives a finite number)."""
    return 20.0 * np.log10(np.maximum(np.abs(x), 1e-12))


def midi_hz(note):
    """MIDI note number (60 = middle C) to frequency in Hz, A4 = 440 Hz."""
    return 440.0 * 2.0 ** ((note - 69) / 12.0)


def pan_gains(pan):
    """Equal-power pan, -1 (left) … +1 (right) → (left gain, right gain)."""
    angle = (pan + 1.0) * np.pi / 4.0
    return np.cos(angle), np.sin(angle)


def add_wrapped(buffer, signal, start):
    """Add `signal` (frames, 2) into the circular `buffer` starting at frame `start`.

    Whatever runs past the end of the buffer continues from its beginning; a signal longer
    than the buffer wraps more than once.
    """
    n = buffer.shape[0]
    pos = start % n
    offset = 0
    while offset < signal.shape[0]:
        take = min(n - pos, signal.shape[0] - offset)
        buffer[pos : pos + take] += signal[offset : offset + take]
        offset += take
        pos = 0


def raised_cosine(x):
    """0 → 1 over x in [0, 1] with zero slope at both ends: a fade that never clicks."""
    x = np.clip(x, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * x)


def envelope(frames, attack, hold, release):
    """Attack (raised cosine), hold at 1, release (raised cosine) to exactly 0; times in s."""
    t = np.arange(frames) / SR
    up = raised_cosine(t / attack)
    down = 1.0 - raised_cosine((t - attack - hold) / release)
    return up * down


def harmonic_table(freq, rolloff, cutoff, odd_boost, rng, size=4096, max_partial=24):
    """One period of a warm, band-limited harmonic wave for a note at `freq`.

    Partial k has amplitude k**-rolloff, times a 2nd-order low-pass response at `cutoff`
    (the "gentle low-pass" is built into the spectrum, so there is nothing to alias), with
    odd partials scaled by `odd_boost` (>1 leans towards a hollow, clarinet-like colour).
    Partials above 8 kHz are left out. Random phases keep the wave from being peaky.
    """
    k = np.arange(1, max_partial + 1)
    k = k[k * freq < 8000.0]
    amps = k ** (-rolloff) / np.sqrt(1.0 + (k * freq / cutoff) ** 4)
    amps = np.where(k % 2 == 1, amps * odd_boost, amps)
    phases = rng.uniform(0, 2 * np.pi, size=k.shape[0])
    phases[0] = 0.0
    theta = np.arange(size + 1) * (2 * np.pi / size)
    table = (amps[:, None] * np.sin(k[:, None] * theta[None, :] + phases[:, None])).sum(axis=0)
    return table / np.sqrt((amps**2).sum() / 2.0)  # unit RMS


def pad_note(freq, attack, hold, release, rng, *, voices=3, detune_cents=7.0, width=0.5,
             rolloff=1.4, cutoff=1400.0, odd_boost=1.0, drift_cents=2.5):
    """A soft pad note: `voices` detuned copies of a harmonic wave, spread across the stereo field.

    Each voice drifts in pitch by a couple of cents at its own slow rate, which is what makes
    a pad breathe instead of buzz. Returns (frames, 2), RMS about 1 × envelope per channel pair.
    """
    frames = int(round((attack + hold + release) * SR))
    t = np.arange(frames) / SR
    env = envelope(frames, attack, hold, release)
    out = np.zeros((frames, 2))
    spread = np.linspace(-1.0, 1.0, voices) if voices > 1 else np.zeros(1)
    for v in range(voices):
        cents = spread[v] * detune_cents + rng.normal(0.0, 1.0)
        rate = rng.uniform(0.05, 0.13)
        drift = drift_cents * np.sin(2 * np.pi * rate * t + rng.uniform(0, 2 * np.pi))
        inst = freq * 2.0 ** ((cents + drift) / 1200.0)
        cycles = np.cumsum(inst) / SR + rng.uniform(0.0, 1.0)
        table = harmonic_table(freq, rolloff, cutoff, odd_boost, rng)
        wave = np.interp((cycles % 1.0) * (table.shape[0] - 1), np.arange(table.shape[0]), table)
        left, right = pan_gains(spread[v] * width)
        out[:, 0] += wave * left
        out[:, 1] += wave * right
    return out * (env / np.sqrt(voices))[:, None]


def pluck(freq, seconds, decay, rng, brightness=0.5):
    """A soft plucked string by Karplus–Strong, tuned exactly with a first-order all-pass.

    `decay` is the time in s for the fundamental to fall by 60 dB. `brightness` 0…1 sets how
    much of the noise burst's treble reaches the string (low = a thumb, high = a nail).
    Returns a mono signal of `seconds`, faded to zero over its last 0.4 s.
    """
    from scipy.signal import lfilter

    frames = int(round(seconds * SR))
    period = SR / freq
    # Loop delay = N (delay line) + 0.5 (two-point average) + d (all-pass), d in [0.5, 1.5).
    n = int(np.floor(period - 1.0))
    d = period - n - 0.5
    c = (1.0 - d) / (1.0 + d)
    g = 10.0 ** (-3.0 / (decay * freq))  # per pass through the loop
    # y = x + g z^-N L(z) A(z) y,  L = (1 + z^-1)/2,  A = (c + z^-1)/(1 + c z^-1).
    # Multiplying through by (1 + c z^-1) gives one IIR filter:
    # H(z) = (1 + c z^-1) / [(1 + c z^-1) - (g/2) z^-N (c + (1 + c) z^-1 + z^-2)]
    a = np.zeros(n + 3)
    a[0] = 1.0
    a[1] = c
    a[n] -= g * 0.5 * c
    a[n + 1] -= g * 0.5 * (c + 1.0)
    a[n + 2] -= g * 0.5
    b = np.array([1.0, c])
    burst = rng.uniform(-1.0, 1.0, n)
    # Soften the excitation: repeated two-point averaging is a gentle low-pass.
    passes = int(round(1 + (1.0 - brightness) * 6))
    for _ in range(passes):
        burst = 0.5 * (burst + np.roll(burst, 1))
    burst -= burst.mean()
    x = np.zeros(frames)
    x[: burst.shape[0]] = burst * np.hanning(burst.shape[0] + 2)[1:-1]
    y = lfilter(b, a, x)
    fade = int(0.4 * SR)
    y[-fade:] *= 1.0 - raised_cosine(np.arange(fade) / fade)
    # a 6 ms rise: the very first sample is not a step, and the pluck is a touch rounder
    rise = int(0.006 * SR)
    y[:rise] *= raised_cosine(np.arange(rise) / rise)
    return y / (np.sqrt(np.mean(y[: int(0.5 * SR)] ** 2)) + 1e-12)


def spectral_filter(signal, gain_of_hz):
    """Filter a circular (frames, channels) signal by a real gain curve, in one FFT.

    Zero-phase and exactly periodic: the right tool for a buffer that will be looped.
    """
    spectrum = np.fft.rfft(signal, axis=0)
    freqs = np.fft.rfftfreq(signal.shape[0], 1.0 / SR)
    spectrum *= gain_of_hz(freqs)[:, None]
    return np.fft.irfft(spectrum, n=signal.shape[0], axis=0)


def lowpass_curve(cutoff, order=1):
    """Butterworth-like magnitude 1/sqrt(1 + (f/fc)^(2·order))."""
    return lambda f: 1.0 / np.sqrt(1.0 + (f / cutoff) ** (2 * order))


def reverb_ir(seconds, t60, rng, predelay=0.02, damping_hz=3500.0):
    """A stereo room tail: decaying noise, darker as it decays, different in each ear.

    The noise is split into a low and a high band; the high band decays twice as fast, as
    air and soft surfaces would make it. Unit energy per channel.
    """
    frames = int(seconds * SR)
    t = np.arange(frames) / SR
    noise = rng.normal(0.0, 1.0, (frames, 2))
    low = spectral_filter(noise, lowpass_curve(damping_hz, 2))
    high = noise - low
    decay = np.exp(-6.9078 * t / t60)[:, None]  # -60 dB at t60
    ir = low * decay + 0.5 * high * decay**2
    ir *= raised_cosine(t / 0.015)[:, None]  # soft onset, no flam
    ir[-int(0.2 * SR):] *= (1.0 - raised_cosine(np.arange(int(0.2 * SR)) / int(0.2 * SR)))[:, None]
    ir /= np.sqrt((ir**2).sum(axis=0, keepdims=True))
    shift = int(predelay * SR)
    return np.concatenate([np.zeros((shift, 2)), ir])


def circular_convolve(signal, ir):
    """Convolve each channel of a circular signal with the matching channel of `ir`."""
    n = signal.shape[0]
    assert ir.shape[0] < n, "the reverb tail must be shorter than the loop"
    spectrum = np.fft.rfft(signal, axis=0) * np.fft.rfft(ir, n=n, axis=0)
    return np.fft.irfft(spectrum, n=n, axis=0)


def air_noise(frames, rng, low_hz=400.0, high_hz=5000.0):
    """Very soft, stereo 'air': pink-ish noise band-limited between low_hz and high_hz.

    Made in the frequency domain over the whole loop, so it is periodic like everything else.
    """
    noise = rng.normal(0.0, 1.0, (frames, 2))

    def curve(f):
        f = np.maximum(f, 1.0)
        pink = 1.0 / np.sqrt(f / low_hz)
        highpass = 1.0 / np.sqrt(1.0 + (low_hz / f) ** 4)
        lowpass = 1.0 / np.sqrt(1.0 + (f / high_hz) ** 4)
        return pink * highpass * lowpass

    out = spectral_filter(noise, curve)
    return out / np.sqrt(np.mean(out**2))


def even_out(signal, seconds=8.0, strength=0.8):
    """A very slow, circular levelling: pulls the level of each stretch of `seconds` towards
    the average, by `strength` (0 = untouched, 1 = fully flat).

    Chords differ in register and so in level; a bed should not. The gain curve is smoothed
    over `seconds` and wraps round the loop, so it only ever moves slowly and never at the seam.
    """
    n = signal.shape[0]
    width = int(seconds * SR)
    window = np.hanning(width)
    window /= window.sum()
    power = (signal**2).mean(axis=1)
    kernel = np.zeros(n)
    kernel[:width] = window
    kernel = np.roll(kernel, -width // 2)  # centred: the window looks both ways
    smooth = np.fft.irfft(np.fft.rfft(power) * np.fft.rfft(kernel), n=n)
    level = np.sqrt(np.maximum(smooth, 1e-12) / power.mean())
    gain = level ** (-strength)
    # smooth the gain itself once more, so even its slope is gentle
    gain = np.fft.irfft(np.fft.rfft(gain) * np.fft.rfft(kernel), n=n)
    return signal * gain[:, None]
