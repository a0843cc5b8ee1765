import CSoxr

/// libsoxr's quality recipes, from fastest to best.
public enum ResamplerQuality: String, Sendable, CaseIterable {
    /// Cubic interpolation; for previews only.
    case quick
    /// 16-bit precision with a wide roll-off.
    case low
    /// 16-bit precision.
    case medium
    /// 20-bit precision, linear phase; the default, inaudible for playback.
    case high
    /// 28-bit precision; for mastering, about twice the CPU of `.high`.
    case veryHigh

    /// The `SOXR_*Q` recipe.
    var recipe: UInt {
        switch self {
        case .quick: UInt(SOXR_QQ)
        case .low: UInt(SOXR_LQ)
        case .medium: UInt(SOXR_MQ)
        case .high: UInt(SOXR_20_BITQ)
        case .veryHigh: UInt(SOXR_28_BITQ)
        }
    }
}
