import CSoxr

/// libsoxr's quality recipes, from fastest to best.
public enum ResamplerQuality: String, Sendable, CaseIterable {
    /// Cubic interpolation; for previews only.
    case quick
    /// 16-bit precision with a wide roll-off.
    case low
    /// 16-bit precision.
    case medium
    /// 16-bit precision with the full bandwidth and flat passband of `.high` (libsoxr's 16-bit recipe): for
    /// sources that carry no more than 16 bits, about a third less CPU than `.high`.
    case sixteenBit
    /// 20-bit precision, linear phase; the default, inaudible for playback.
    case high
    /// 28-bit precision; for mastering, about twice the CPU of `.high`.
    case veryHigh

    /// The recipe for a source with `bits` of resolution (``AudioFileReader/resolutionBits``; `nil` for lossy and
    /// companded sources): `.sixteenBit` up to 16 bits, `.high` above. A resampler more precise than its source
    /// adds nothing a listener could hear (the source's own quantisation noise lies above its error) but CPU time.
    public static func matching(sourceBits bits: Int?) -> ResamplerQuality {
        guard let bits, bits > 16 else { return .sixteenBit }
        return .high
    }

    /// The `SOXR_*Q` recipe.
    var recipe: UInt {
        switch self {
        case .quick: UInt(SOXR_QQ)
        case .low: UInt(SOXR_LQ)
        case .medium: UInt(SOXR_MQ)
        case .sixteenBit: UInt(SOXR_16_BITQ)
        case .high: UInt(SOXR_20_BITQ)
        case .veryHigh: UInt(SOXR_28_BITQ)
        }
    }
}
