"""Measurements for the music beds: loudness (ITU-R BS.1770 / EBU R128), peaks, steadiness, seam.

The integrated loudness here is used to set each bed's level before encoding; the report
after encoding comes from ffmpeg's own `ebur128` filter, so the numbers in Audio/README.md
are not just this script agreeing with itself.
"""

import re
import subprocess

import numpy as np
from scipy.signal import butter, lfilter, sosfilt

from dsp import SR, db


def _k_weight(x):
    """BS.1770 K-weighting (high shelf + high-pass), coefficients for 48 kHz."""
    assert SR == 48_000
    b1 = [1.53512485958697, -2.69169618940638, 1.19839281085285]
    a1 = [1.0, -1.69065929318241, 0.73248077421585]
    b2 = [1.0, -2.0, 1.0]
    a2 = [1.0, -1.99004745483398, 0.99007225036621]
    return lfilter(b2, a2, lfilter(b1, a1, x, axis=0), axis=0)


def integrated_loudness(x):
    """Gated integrated loudness in LUFS of a (frames, 2) signal at 48 kHz."""
    y = _k_weight(x)
    block, hop = int(0.4 * SR), int(0.1 * SR)
    starts = range(0, y.shape[0] - block + 1, hop)
    power = np.array([np.mean(y[s : s + block] ** 2, axis=0).sum() for s in starts])
    loud = -0.691 + 10 * np.log10(np.maximum(power, 1e-20))
    gated = power[loud > -70.0]
    relative = -0.691 + 10 * np.log10(gated.mean()) - 10.0
    gated = power[(loud > -70.0) & (loud > relative)]
    return -0.691 + 10 * np.log10(gated.mean())


def window_rms_db(x, seconds=10.0):
    """RMS in dBFS of each whole `seconds` window (both channels together)."""
    n = int(seconds * SR)
    return [float(db(np.sqrt(np.mean(x[s : s + n] ** 2)))) for s in range(0, x.shape[0] - n + 1, n)]


def seam(x, seconds=0.05):
    """How the loop point sounds: the jump from the last frame to the first, and the level of
    the 50 ms straddling the seam (25 ms of the end, then 25 ms of the start) against the
    whole file's level, and the treble (above 6 kHz) right at the seam, where a click would
    show. A seamless loop has a jump no bigger than an ordinary sample-to-sample step and a
    seam level within a dB or two of the average."""
    half = int(seconds * SR / 2)
    around = np.concatenate([x[-half:], x[:half]])
    steps = np.abs(np.diff(x, axis=0))
    # A click is broadband: look for a burst of energy above 6 kHz in the 10 ms windows
    # around the seam, against the median 10 ms window of the looped file.
    n = x.shape[0]
    looped = np.concatenate([x, x]).mean(axis=1)  # the seam is at frame n
    treble = sosfilt(butter(4, 6000, "highpass", fs=SR, output="sos"), looped)[n // 2 : n // 2 + n]
    w = int(0.01 * SR)
    hf = np.sqrt([np.mean(treble[i : i + w] ** 2) for i in range(0, n - w + 1, w)])
    at_seam = hf[(n - n // 2) // w - 1 : (n - n // 2) // w + 2].max()
    return {
        "hf_seam_db": float(db(at_seam)),
        "hf_median_db": float(db(np.median(hf))),
        "jump": float(np.abs(x[-1] - x[0]).max()),
        "typical_step": float(np.percentile(steps, 99)),
        "seam_rms_db": float(db(np.sqrt(np.mean(around**2)))),
        "mean_rms_db": float(db(np.sqrt(np.mean(x**2)))),
    }


def ffmpeg_ebur128(path):
    """Integrated loudness (LUFS), loudness range (LU) and true peak (dBTP) as ffmpeg measures them."""
    run = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true+sample", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )
    summary = run.stderr[run.stderr.rfind("Summary:"):]

    def number(label):
        m = re.search(label + r":\s+(-?[\d.]+|-inf)", summary)
        return float(m.group(1)) if m else float("nan")

    return {
        "lufs": number("I"),
        "lra": number("LRA"),
        "true_peak_dbtp": number(r"True peak:\s+Peak"),
        "sample_peak_dbfs": number(r"Sample peak:\s+Peak"),
    }


def decode(path):
    """Decode any file ffmpeg reads to float64 (frames, 2) at 48 kHz."""
    raw = subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", str(path), "-f", "f32le", "-ac", "2", "-ar", str(SR), "-"],
        capture_output=True, check=True,
    ).stdout
    return np.frombuffer(raw, dtype="<f4").reshape(-1, 2).astype(np.float64)
