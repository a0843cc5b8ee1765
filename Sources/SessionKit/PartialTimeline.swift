/// A timeline laid out as far as the known media lengths reach
/// (``Compiler/compilePartially(_:parameters:sampleRate:lengths:)``): what a player can start
/// from while the rest of the narration is still being synthesised.
public struct PartialTimeline: Sendable, Equatable {
    /// The steps laid out so far: their entries, and the sounds that start before ``horizon``
    /// (without the music bed until complete). Its `duration` is the horizon until complete.
    public var timeline: Timeline
    /// The first frame not laid out yet, at the engine rate: where the first step with an unknown
    /// length begins; the duration once complete.
    public var horizon: Int
    /// How many of the session's steps are laid out (0…steps).
    public var stepsLaidOut: Int
    /// True when every step is laid out: ``timeline`` is the complete timeline, music bed and end included.
    public var isComplete: Bool

    public init(timeline: Timeline, horizon: Int, stepsLaidOut: Int, isComplete: Bool) {
        self.timeline = timeline
        self.horizon = horizon
        self.stepsLaidOut = stepsLaidOut
        self.isComplete = isComplete
    }
}
