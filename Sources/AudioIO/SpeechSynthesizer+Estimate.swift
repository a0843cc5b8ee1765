extension SpeechSynthesizer {
    /// How long espeak-ng will take to say `text` at `wordsPerMinute`, estimated without speaking
    /// it, in frames at `sampleRate` (at least one frame).
    ///
    /// Words at the given rate, plus espeak-ng's pauses after commas and after sentences, with
    /// figures fitted to the bundled sessions' narration (see docs/architecture.md, "Two stages").
    /// For a duration shown as "about"; a clip once spoken has its exact length.
    public static func estimatedFrames(text: String, wordsPerMinute: Int, sampleRate: Int) -> Int {
        let seconds = estimatedSeconds(text: text, wordsPerMinute: wordsPerMinute)
        return max(1, Int((seconds * Double(sampleRate)).rounded()))
    }

    /// ``estimatedFrames(text:wordsPerMinute:sampleRate:)`` in seconds.
    public static func estimatedSeconds(text: String, wordsPerMinute: Int) -> Double {
        var words = 0
        var commas = 0
        var stops = 0
        var inWord = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                inWord = false
                continue
            }
            if scalar.properties.isIdeographic {
                // Chinese is written without spaces, one syllable a character: each counts as a word.
                words += 1
                inWord = false
                continue
            }
            if !inWord && (scalar.properties.isAlphabetic || scalar.properties.numericType != nil) {
                words += 1
                inWord = true
            }
            switch scalar {
            case ",", ";", ":", "\u{2014}", "\u{2013}", "，", "、", "；", "：": commas += 1
            case ".", "!", "?", "。", "！", "？": stops += 1
            default: break
            }
        }
        // espeak-ng scales its pauses with the rate, as it does the words.
        let rate = Double(max(1, wordsPerMinute))
        return (Double(words) * wordCost + Double(commas) * commaCost + Double(stops) * sentenceCost) / rate
    }

    // Seconds at one word a minute, least-squares fitted to the 53 clips of the bundled sessions (en-us at 130
    // and 135 words a minute, the rate calibrated; espeak-ng 1.51): a session's narration comes within 2.1 % of its
    // exact length, and a single clip within 2.1 s.
    /// One word (the pauses below are the rest of a minute's 60).
    static let wordCost = 42.0
    /// The pause after a comma, semicolon, colon or dash.
    static let commaCost = 72.0
    /// The pause after a sentence.
    static let sentenceCost = 108.0
}
