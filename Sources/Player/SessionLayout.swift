import AudioIO
import SessionKit

/// A session after the first stage of preparation (``SessionPreparer/layout(_:parameters:speech:)``):
/// every source's length known, or for narration not yet spoken estimated, and the timeline
/// compiled. Nothing has been measured or decoded beyond a file's header.
public struct SessionLayout: Sendable {
    public var session: Session
    public var parameters: Parameters
    /// The compiled session; its frames are exact when ``isExact``.
    public var timeline: Timeline
    /// The absolute file of every media that has one: recordings, bundled sounds, music beds and
    /// cached or synthesised speech clips (not estimated narration).
    public var paths: [Media: String]
    /// Narration whose length is an estimate from its words and rate (empty unless laid out with
    /// ``SessionPreparer/Speech/cachedOrEstimated``).
    public var estimated: Set<Media>
    /// How many speech clips espeak-ng had to make for this layout (0 when all were cached).
    public var synthesisedClips: Int
    /// The voice that speaks the narration without a recording (`nil` when there is none).
    public var voice: SpeechVoice?
    /// Why that is not the voice the session asked for (the neural engine or its model is missing), in one line
    /// for the listener; nil when it is.
    public var voiceNotice: String?
    /// Loudness measurements started while laying out, for the second stage to collect.
    var meter: SourceMeter?

    public init(
        session: Session, parameters: Parameters, timeline: Timeline, paths: [Media: String],
        estimated: Set<Media> = [], synthesisedClips: Int = 0
    ) {
        self.session = session
        self.parameters = parameters
        self.timeline = timeline
        self.paths = paths
        self.estimated = estimated
        self.synthesisedClips = synthesisedClips
    }

    /// True when every length is measured: the timeline is the one play and render use.
    public var isExact: Bool { estimated.isEmpty }
}
