import Mixer
import SessionKit

extension PreparedSession {
    /// The master trim settles over this long, seconds, ending as the music starts to give way to
    /// the first word.
    public static let trimSettleSeconds = 1.0
    /// A session whose first word comes sooner than this after its start, seconds, is trimmed from
    /// its first frame: there is no time to settle (and such a session waits for its programme
    /// loudness before it sounds).
    public static let earliestSettledWordSeconds = 2.0

    /// Sets the programme trim (linear, 0…4) the way play and render both apply it: from the first
    /// frame when the session speaks within ``earliestSettledWordSeconds`` (or never), and
    /// otherwise untrimmed through the opening, moving to `trim` over ``trimSettleSeconds`` that
    /// end the duck attack before the first word (``TrimRamp``). The untrimmed opening of a bundled
    /// session is within 1.1 dB of the target (every source is already at its bus target), and this
    /// is what lets a player start before the programme has been measured and send the same ramp
    /// once it has (docs/architecture.md, "Preparation in two stages").
    public mutating func setTrim(_ trim: Float) {
        if let ramp = Self.trimRamp(to: trim, timeline: timeline) {
            schedule.trim = 1
            schedule.trimRamp = ramp
        } else {
            schedule.trim = trim
            schedule.trimRamp = nil
        }
    }

    /// True when the programme trim moves only after the opening (``trimRamp(to:timeline:)``): a
    /// player may start before the programme is measured and send the ramp once it is.
    public var settlesTrimLater: Bool { Self.trimRamp(to: 1, timeline: timeline) != nil }

    /// Where the trim settles for `timeline`: nil when it applies from the first frame.
    public static func trimRamp(to trim: Float, timeline: Timeline) -> TrimRamp? {
        let rate = Double(timeline.sampleRate)
        guard let firstWord = timeline.sounds.first(where: { $0.bus == .voice })?.start,
            Double(firstWord) >= earliestSettledWordSeconds * rate
        else { return nil }
        let length = Int((trimSettleSeconds * rate).rounded())
        let end = firstWord - Int((Compiler.duckAttackSeconds * rate).rounded())
        return TrimRamp(start: end - length, length: length, target: trim)
    }
}
