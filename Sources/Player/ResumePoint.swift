import SessionKit

/// Where a stopped session can be continued: a little before the place it stopped, at the start of the
/// sentence being spoken, or else of the step.
///
/// Frames are at the engine rate the session played at (``rate``); the point is kept with the session's
/// length and the step's number and title, so that a session that has changed since (a new version of the
/// file, other choices, another rate) continues only where the point still fits (``frame(in:)``).
public struct ResumePoint: Sendable, Equatable {
    /// Where to continue, in frames from the session's start: the start of the interrupted sentence or step.
    public var frame: Int
    /// Where playback actually stopped, in frames (for messages), ≥ ``frame``.
    public var stoppedAt: Int
    /// The step that was playing, numbered from 1.
    public var step: Int
    /// That step's title, to recognise it in a changed session.
    public var stepTitle: String
    /// The session's whole length in frames when it stopped.
    public var sessionFrames: Int
    /// The engine rate of those frames, Hz.
    public var rate: Int

    public init(frame: Int, stoppedAt: Int, step: Int, stepTitle: String, sessionFrames: Int, rate: Int) {
        self.frame = frame
        self.stoppedAt = stoppedAt
        self.step = step
        self.stepTitle = stepTitle
        self.sessionFrames = sessionFrames
        self.rate = rate
    }

    /// The point to remember for a session stopped at `frame` of `timeline`: the start of the narration
    /// sentence sounding there, else the start of the step. Nil when `frame` is outside the session (it had
    /// ended) or at its very start (nothing to continue).
    public init?(stoppedAt frame: Int, in timeline: Timeline) {
        guard frame > 0, frame < timeline.duration, let step = timeline.step(at: frame) else { return nil }
        let sentence = timeline.sounds.last { $0.bus == .voice && $0.start <= frame && $0.end > frame }
        self.init(
            frame: max(step.start, sentence?.start ?? step.start), stoppedAt: frame, step: step.number,
            stepTitle: step.title, sessionFrames: timeline.duration, rate: timeline.sampleRate)
    }

    /// Where to continue in `timeline`, which may differ from the one the point was saved in.
    ///
    /// - The same layout (same length at the same rate): exactly ``frame``.
    /// - Otherwise, when the step numbered ``step`` still exists with the same title: that step's start.
    /// - Otherwise nil: the point no longer fits this session.
    public func frame(in timeline: Timeline) -> Fit? {
        if timeline.sampleRate == rate, timeline.duration == sessionFrames, frame < timeline.duration {
            return .exact(frame)
        }
        if let span = timeline.steps.first(where: { $0.number == step }), span.title == stepTitle {
            return .stepStart(span.start)
        }
        return nil
    }

    /// How a point fits a timeline.
    public enum Fit: Sendable, Equatable {
        /// The session is laid out as it was: the very place.
        case exact(Int)
        /// The session has changed, but the step is still there: its start.
        case stepStart(Int)

        /// The frame to start at.
        public var frame: Int {
            switch self {
            case .exact(let frame), .stepStart(let frame): frame
            }
        }
    }
}
