import AudioIO
import Mixer
import SessionKit

/// A session ready to play or render: compiled to a timeline, its speech synthesised, its files
/// measured, and its mixer schedule and stream jobs laid out.
public struct PreparedSession: Sendable {
    public var session: Session
    public var parameters: Parameters
    public var timeline: Timeline
    /// The mixer's view of the timeline.
    public var schedule: Schedule
    /// Per stream slot, the files the ``MediaStreamer`` decodes, in play order.
    public var jobs: [[StreamJob]]
    /// Short sounds held in memory, as the schedule's `.buffer(index:)` voices index them.
    public var buffers: [SampleBuffer]
    /// The session's programme loudness before its trim, LUFS, when it was measured.
    public var programmeLoudness: Double?
    /// Integrated loudness of each file and speech clip, LUFS, as measured (empty when unnormalised).
    public var sourceLoudness: [Media: Double] = [:]
    /// The files those buffers were decoded from.
    public var bufferJobs: [StreamJob] = []
    /// How many speech clips had to be synthesised now (0 when all came from the cache).
    public var synthesisedClips: Int
    /// True when the programme has not been measured yet and the session is untrimmed: a player
    /// starts it and settles the trim while it plays (``SessionRun/settleTrim(with:)``), before
    /// the trim starts to move. A render never sees one.
    public var trimPending = false
    /// The master limiter's true-peak ceiling, dBTP; nil for no limiter.
    public var ceiling: Float? = -1
    /// For the opening of a session that grows while it plays (``GrowingSession``): the room its
    /// mixer keeps for what comes later; nil for a complete session.
    public var growth: ScheduleGrowth?
    /// For such an opening, the stream slots its streamer keeps for what comes later.
    public var growthSlots: Int?

    /// Makes a fresh mixer and streamer for one render or playback.
    ///
    /// - Parameter mutedBuses: buses left out of the output (for stems and analysis).
    public func makeEngine(ringFrames: Int = 1 << 16, mutedBuses: [Bus] = []) -> (Mixer, MediaStreamer) {
        let streamer = MediaStreamer(
            jobs: jobs, sampleRate: timeline.sampleRate, ringFrames: ringFrames,
            slots: growth == nil ? nil : growthSlots)
        let mixer = Mixer(
            schedule: schedule, sampleRate: timeline.sampleRate, streams: streamer.rings, buffers: buffers,
            mutedBuses: mutedBuses, ceiling: ceiling, growth: growth)
        return (mixer, streamer)
    }
}
