/// Everything the mixer will play, decided before the first sample: voices sorted by frame, the
/// ducking plan, the opening fade and the loudness trim. The mixer walks it with an index, so scheduled timing is sample-exact and
/// costs nothing on the audio thread.
///
/// Build one with ``Schedule/init(length:voices:ducking:fadeIn:)``; it sorts its voices.
public struct Schedule: Sendable {
    /// Length of the whole render in frames at the engine rate.
    public var length: Int
    /// Voices sorted by start frame.
    public private(set) var voices: [VoiceEvent]
    /// How the music bus gives way to the voice bus; nil for no ducking.
    public var ducking: Ducking?
    /// Frames over which the whole session fades in from silence at its start, whatever its
    /// sources do (a gentle start is part of the safety ceiling).
    public var fadeIn: Int
    /// Linear gain on the whole mix, before the limiter: brings the session's programme loudness
    /// to its target. 0…4.
    public var trim: Float = 1
    /// When set, the trim is ``trim`` only before the ramp and moves to the ramp's target over
    /// it: how a session that starts before its programme loudness is measured settles its
    /// level before the first word, alike in a render and in playback.
    public var trimRamp: TrimRamp?

    public init(length: Int, voices: [VoiceEvent], ducking: Ducking? = nil, fadeIn: Int = 0) {
        self.length = max(0, length)
        self.voices = Schedule.sorted(voices)
        self.ducking = ducking
        self.fadeIn = max(0, fadeIn)
    }
}

extension Schedule {
    /// Voices in the mixer's order: by start frame, then by bus, then as given (a stable sort, so
    /// a schedule's voices sorted in batches of increasing starts come out as sorted whole).
    public static func sorted(_ voices: [VoiceEvent]) -> [VoiceEvent] {
        voices.indices.sorted {
            (voices[$0].start, voices[$0].bus.rawValue, $0) < (voices[$1].start, voices[$1].bus.rawValue, $1)
        }.map { voices[$0] }
    }
}

/// A mix bus. Voices sum into their bus; buses sum into the master.
public enum Bus: Int, Sendable, CaseIterable {
    /// Narration: the voice that must always be clear.
    case voice = 0
    /// The music bed, lowered (ducked) under narration.
    case music = 1
    /// Bells, chimes and pacers.
    case cues = 2

    /// Number of buses (a constant, unlike `allCases`, which builds an array).
    public static let count = 3
}

/// One sound at one place in the timeline.
public struct VoiceEvent: Sendable, Equatable {
    /// First frame, in frames from the start of the session.
    public var start: Int
    /// Number of frames the voice sounds, ≥ 1.
    public var length: Int
    public var source: VoiceSource
    public var bus: Bus
    /// Linear gain, 0…4 (+12 dB).
    public var gain: Float
    /// Frames of the fade from silence at the start; at least ``Ramp/minimumFrames(sampleRate:)`` is applied.
    public var fadeIn: Int
    /// Frames of the fade to silence at the end; at least ``Ramp/minimumFrames(sampleRate:)`` is applied.
    public var fadeOut: Int

    public init(
        start: Int, length: Int, source: VoiceSource, bus: Bus, gain: Float = 1, fadeIn: Int = 0, fadeOut: Int = 0
    ) {
        self.start = start
        self.length = max(1, length)
        self.source = source
        self.bus = bus
        self.gain = gain
        self.fadeIn = fadeIn
        self.fadeOut = fadeOut
    }

    /// The frame just after the voice ends.
    public var end: Int { start + length }
}

/// Where a voice's samples come from.
public enum VoiceSource: Sendable, Equatable {
    /// Synthesised in the render call.
    case generator(Generator)
    /// Read from a stream slot that a loader fills ahead of time. Each voice on a slot consumes
    /// exactly `length` frames, in schedule order, so the loader writes the slot's jobs back to back.
    case stream(slot: Int)
    /// Read from a ``SampleBuffer`` the mixer was given, by index; for short sounds.
    case buffer(index: Int)
}

/// The shortest ramp the mixer applies to any start, stop or gain change.
public enum Ramp {
    /// 5 ms: long enough that no start or stop is heard as a click.
    public static func minimumFrames(sampleRate: Int) -> Int { max(1, sampleRate / 200) }
}

/// A move of the master trim from ``Schedule/trim`` to `target`, along a smoothstep curve, over
/// frames `start..<start + length` of the schedule. The gain at a frame depends on that frame
/// alone, so any block size, seek or late arrival of the ramp (before its start) renders the same.
public struct TrimRamp: Sendable, Equatable, BitwiseCopyable {
    /// First frame of the move, at the engine rate.
    public var start: Int
    /// Frames the move takes, ≥ 1.
    public var length: Int
    /// Linear trim from the end of the move on, 0…4.
    public var target: Float

    public init(start: Int, length: Int, target: Float) {
        self.start = max(0, start)
        self.length = max(1, length)
        self.target = min(max(target, 0), 4)
    }

    /// The trim at schedule frame `frame`, given the trim before the move.
    @inline(__always)
    public func trim(at frame: Int, from initial: Float) -> Float {
        if frame < start { return initial }
        if frame >= start + length { return target }
        return initial + (target - initial) * smoothstep(Float(frame - start) / Float(length))
    }
}
