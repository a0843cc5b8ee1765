/// The one checked conversion from a time or length in `Double` to a frame count.
///
/// `Int(someDouble)` traps on NaN, on infinity and past `Int`'s range, and a value read from a file header or a
/// command line can be any of them. Every conversion of an outside value goes through here and gets `nil` for
/// anything that is not a finite count within `limit`.
public enum FrameCount {
    /// The largest count accepted by default: 6 hours at 768 kHz, far below `Int.max`, so sums of a few such
    /// counts cannot overflow either.
    public static let defaultLimit = 6 * 3600 * 768_000

    /// `seconds × rate` rounded to the nearest frame, or nil when it is not finite, negative or over `limit`.
    ///
    /// - Parameters:
    ///   - seconds: a time or duration in seconds.
    ///   - rate: frames per second, > 0.
    ///   - limit: the largest count accepted.
    public static func frames(seconds: Double, rate: Int, limit: Int = defaultLimit) -> Int? {
        guard rate > 0 else { return nil }
        return rounded(seconds * Double(rate), limit: limit)
    }

    /// `frames` counted at `fromRate` converted to `toRate`, rounded to the nearest frame; nil when a rate is not
    /// positive or the result is out of range.
    public static func converting(_ frames: Int, from fromRate: Int, to toRate: Int, limit: Int = defaultLimit) -> Int?
    {
        guard fromRate > 0, toRate > 0 else { return nil }
        return rounded(Double(frames) * Double(toRate) / Double(fromRate), limit: limit)
    }

    /// `value` rounded to the nearest integer, or nil when it is not finite or outside 0…`limit`.
    public static func rounded(_ value: Double, limit: Int = defaultLimit) -> Int? {
        let nearest = value.rounded()
        guard nearest.isFinite, nearest >= 0, nearest <= Double(limit) else { return nil }
        return Int(nearest)
    }
}
