/// The loudness of a programme as EBU R 128 measures it (ITU-R BS.1770-4 with gating), plus its peaks.
///
/// Produced by ``LoudnessMeter`` and kept on disk by ``LoudnessCache``. Levels that do not exist are
/// `-Double.infinity`: digital silence has no integrated loudness (every block is below the -70 LUFS absolute gate)
/// and no peak. Nothing else is ever infinite or NaN.
///
/// Codable: JSON has no infinities, so a `-infinity` level is written as `null` and `null` reads back as
/// `-infinity`. A finite value round-trips exactly.
public struct Loudness: Sendable, Equatable, Codable {
    /// Integrated (programme) loudness in LUFS, gated as BS.1770-4 specifies; typically -70…0, and
    /// `-Double.infinity` when nothing passes the -70 LUFS absolute gate (silence, or under 400 ms of audio).
    public var integrated: Double
    /// True peak in dBTP: the highest inter-sample peak of any channel, from libebur128's 4× oversampling
    /// (2× at 96 kHz and above, none at 192 kHz and above). May exceed 0 for float input or a clipped master;
    /// `-Double.infinity` for silence.
    public var truePeak: Double
    /// Sample peak in dBFS: the largest absolute sample of any channel. `-Double.infinity` for silence.
    public var samplePeak: Double
    /// Loudness range (LRA) in LU, per EBU Tech 3342; 0 or more, and 0 for silence or programmes under about 3 s.
    public var range: Double
    /// Length of the measured audio in seconds (frames ÷ sample rate); 0 or more.
    public var duration: Double

    public init(integrated: Double, truePeak: Double, samplePeak: Double, range: Double, duration: Double) {
        self.integrated = integrated
        self.truePeak = truePeak
        self.samplePeak = samplePeak
        self.range = range
        self.duration = duration
    }

    private enum CodingKeys: String, CodingKey {
        case integrated, truePeak, samplePeak, range, duration
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        integrated = try Self.decodeLevel(container, .integrated)
        truePeak = try Self.decodeLevel(container, .truePeak)
        samplePeak = try Self.decodeLevel(container, .samplePeak)
        range = try container.decode(Double.self, forKey: .range)
        duration = try container.decode(Double.self, forKey: .duration)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try Self.encodeLevel(integrated, &container, .integrated)
        try Self.encodeLevel(truePeak, &container, .truePeak)
        try Self.encodeLevel(samplePeak, &container, .samplePeak)
        try container.encode(range, forKey: .range)
        try container.encode(duration, forKey: .duration)
    }

    /// A level in dB, or `null` for "no level" (`-infinity`); the key must be present either way, so a truncated
    /// record is an error rather than silence.
    private static func decodeLevel(
        _ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys
    ) throws -> Double {
        if try container.decodeNil(forKey: key) { return -.infinity }
        return try container.decode(Double.self, forKey: key)
    }

    private static func encodeLevel(
        _ value: Double, _ container: inout KeyedEncodingContainer<CodingKeys>, _ key: CodingKeys
    ) throws {
        if value.isFinite {
            try container.encode(value, forKey: key)
        } else {
            try container.encodeNil(forKey: key)
        }
    }
}
