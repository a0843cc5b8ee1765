import Foundation

@testable import AudioIO

/// What makes a recording speech rather than a tone or noise, measured on 10 ms frames.
struct SpeechShape {
    /// The share of frames above -50 dBFS.
    let voicedShare: Double
    /// The spread (90th less 10th percentile) of the level of those frames, dB: syllables rise and fall.
    let spread: Double
    /// Rises of at least 6 dB after a dip, per second of sound: syllable nuclei, 2–7 a second in speech.
    let syllablesPerSecond: Double
    /// The loudest frames' level (90th percentile), dBFS.
    let loud: Double

    init(_ samples: [Float], sampleRate: Int) {
        let window = sampleRate / 100
        let levels = stride(from: 0, to: samples.count - window, by: window).map {
            Signal.decibels(max(1e-6, Signal.rms(samples[$0..<($0 + window)])))
        }
        let voiced = levels.filter { $0 > -50 }.sorted()
        voicedShare = Double(voiced.count) / Double(max(1, levels.count))
        spread = voiced.isEmpty ? 0 : voiced[voiced.count * 9 / 10] - voiced[voiced.count / 10]
        loud = voiced.isEmpty ? -120 : voiced[voiced.count * 9 / 10]
        // A rise of 6 dB from a trough counts once; the next needs a fall of 6 dB from the peak first.
        var rises = 0
        var armed = true
        var trough = levels.first ?? -120
        var peak = trough
        for level in levels {
            if armed {
                trough = min(trough, level)
                if level - trough >= 6 && level > -40 {
                    rises += 1
                    armed = false
                    peak = level
                }
            } else {
                peak = max(peak, level)
                if peak - level >= 6 {
                    armed = true
                    trough = level
                }
            }
        }
        syllablesPerSecond = Double(rises) / max(0.01, Double(voiced.count) / 100)
    }

    var isSpeech: Bool { voicedShare > 0.3 && spread > 12 && (1.5...9).contains(syllablesPerSecond) && loud > -35 }
}
