import Foundation
import SessionKit

/// Something that happened in a ``SessionRun``, at a frame of the session and a moment of the
/// wall clock: what the terminal draws, what a clinic's log and history record.
public struct SessionEvent: Sendable, Equatable, CustomStringConvertible {
    /// The session frame it belongs to, at the timeline's rate: for the session's own moments (a
    /// step, a narration, a breath) the exact frame of the timeline; for the listener's and the
    /// device's (pause, device lost) the frame playback had reached.
    public var frame: Int
    /// When it happened by the wall clock (for the session's moments: when that frame was
    /// rendered, within one period and the device buffer of when it was heard).
    public var time: Date
    public var kind: Kind

    public init(frame: Int, time: Date, kind: Kind) {
        self.frame = frame
        self.time = time
        self.kind = kind
    }

    /// A muscle-relaxation phase.
    public enum PMRPhase: String, Sendable, Equatable {
        case tense, release, relax
    }

    /// A breathing phase.
    public enum BreathPhase: String, Sendable, Equatable {
        case inhale, hold, exhale
    }

    /// Why a run ended before its end.
    public enum StopReason: String, Sendable, Equatable {
        /// The listener asked (a key, a control command).
        case listener
        /// SIGINT or SIGTERM.
        case signal
        /// The device was lost and did not come back within the reconnect timeout.
        case deviceGone
        /// The rest of a session that grows while it plays could not be prepared (its
        /// `sourceFailed` event says why).
        case preparationFailed
    }

    public enum Kind: Sendable, Equatable {
        /// Playback began at the frame (0, or where `--from` or a resume asked).
        case started
        /// A step began (or playback landed in it after a seek): its 1-based number and title.
        case stepStarted(number: Int, title: String)
        /// Narration began: the words spoken, and how long they last in frames.
        case narration(text: String, length: Int)
        /// A muscle-relaxation phase began, lasting `length` frames.
        case pmr(PMRPhase, length: Int)
        /// A breathing phase began: which breath of how many, lasting `length` frames.
        case breath(BreathPhase, cycle: Int, of: Int, length: Int)
        /// A bell or a cue sounded.
        case cue(String)
        case paused
        case resumed
        /// Playback moved to the frame (a skip or a seek).
        case seeked
        /// The volume is now this many dB (-40…+6).
        case volume(Double)
        /// The device went away (the system's reason); playback is held.
        case deviceLost(String)
        /// The device is back; playback resumed at the frame.
        case reconnected
        /// A file could not be read to its end; it is silent from there, the session goes on.
        case sourceFailed(path: String, message: String)
        /// A session that grows while it plays is laid out to `horizon` (frames), or `complete`.
        case laidOut(horizon: Int, complete: Bool)
        /// The session played to its end.
        case finished
        /// The run ended early, at the frame.
        case stopped(StopReason)
    }

    /// True for the last event of a run.
    public var isFinal: Bool {
        switch kind {
        case .finished, .stopped: true
        default: false
        }
    }

    /// True when the run ended as the listener meant it to: played to its end, or stopped by them.
    public var isListenersEnding: Bool {
        switch kind {
        case .finished, .stopped(.listener): true
        default: false
        }
    }

    public var description: String {
        let at = "\(frame)"
        switch kind {
        case .started: return "\(at) started"
        case .stepStarted(let number, let title): return "\(at) step \(number): \(title)"
        case .narration(let text, _): return "\(at) narration: \(text)"
        case .pmr(let phase, _): return "\(at) \(phase.rawValue)"
        case .breath(let phase, let cycle, let cycles, _): return "\(at) \(phase.rawValue) \(cycle) of \(cycles)"
        case .cue(let text): return "\(at) cue: \(text)"
        case .paused: return "\(at) paused"
        case .resumed: return "\(at) resumed"
        case .seeked: return "\(at) seeked"
        case .volume(let decibels): return "\(at) volume \(decibels) dB"
        case .deviceLost(let reason): return "\(at) device lost: \(reason)"
        case .reconnected: return "\(at) reconnected"
        case .sourceFailed(let path, let message): return "\(at) source failed: \(path): \(message)"
        case .laidOut(let horizon, let complete):
            return "\(at) laid out " + (complete ? "to its end" : "to frame \(horizon)")
        case .finished: return "\(at) finished"
        case .stopped(let reason): return "\(at) stopped (\(reason.rawValue))"
        }
    }
}

/// The session's own moments in frame order, made once from a timeline: every step start,
/// narration, muscle-relaxation phase, breath phase and cue, as a ``SessionRun`` announces them.
public struct SessionMoments: Sendable, Equatable {
    /// A moment: its frame and what it is. Sorted by frame; a step's start comes before what
    /// happens at the same frame inside it.
    public struct Moment: Sendable, Equatable {
        public var frame: Int
        public var kind: SessionEvent.Kind
    }

    public let moments: [Moment]

    public init(_ timeline: Timeline) {
        var moments: [(Moment, Int)] = []
        func add(_ frame: Int, _ kind: SessionEvent.Kind, order: Int) {
            moments.append((Moment(frame: frame, kind: kind), order))
        }
        for step in timeline.steps where step.isHeard {
            add(step.start, .stepStarted(number: step.number, title: step.title), order: 0)
            if let pattern = step.breath, pattern.cycleLength > 0 {
                for cycle in 0..<pattern.cycles {
                    let start = pattern.firstCycle + cycle * pattern.cycleLength
                    add(start, .breath(.inhale, cycle: cycle + 1, of: pattern.cycles, length: pattern.inhale), order: 2)
                    if pattern.hold > 0 {
                        add(
                            start + pattern.inhale,
                            .breath(.hold, cycle: cycle + 1, of: pattern.cycles, length: pattern.hold), order: 2)
                    }
                    add(
                        start + pattern.inhale + pattern.hold,
                        .breath(.exhale, cycle: cycle + 1, of: pattern.cycles, length: pattern.exhale), order: 2)
                }
            }
        }
        for entry in timeline.entries {
            switch entry.kind {
            case .narration, .rest:
                add(entry.frame, .narration(text: entry.text, length: entry.length), order: 3)
            case .release where entry.length > 0:
                // A spoken release line: narration, at the moment of release.
                add(entry.frame, .narration(text: entry.text, length: entry.length), order: 3)
            case .tense:
                add(entry.frame, .pmr(.tense, length: entry.length), order: 1)
            case .relax where entry.length == 0:
                // Release only: the marker of the moment; the entry with the relaxation's length follows.
                continue
            case .relax:
                // The release moment: the listener lets go, then relaxes for the entry's length.
                add(entry.frame, .pmr(.release, length: 0), order: 1)
                add(entry.frame, .pmr(.relax, length: entry.length), order: 1)
            case .bell, .cue:
                add(entry.frame, .cue(entry.text), order: 2)
            case .release:
                // A release chime (an instant): the release itself is announced with the relax entry.
                continue
            case .silence, .breathing, .inhale, .hold, .exhale, .music:
                // Breaths come from the step's pattern (one inhale, hold, exhale each); silence
                // and the music bed are not moments.
                continue
            }
        }
        self.moments = moments.enumerated()
            .sorted { ($0.element.0.frame, $0.element.1, $0.offset) < ($1.element.0.frame, $1.element.1, $1.offset) }
            .map(\.element.0)
    }

    /// Index of the first moment at or after `frame`.
    public func firstIndex(atOrAfter frame: Int) -> Int {
        var low = 0
        var high = moments.count
        while low < high {
            let middle = (low + high) / 2
            if moments[middle].frame < frame { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
