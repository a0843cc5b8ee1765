/// How the music gives way to the voice: lowered while narration sounds, and just before it is
/// scheduled to start, then back up after the voice has been quiet for a while.
public struct Ducking: Sendable, Equatable {
    /// Music gain while lowered, linear, 0…1 (0.316 is -10 dB).
    public var depth: Float
    /// Frames to go down (attack).
    public var attack: Int
    /// Frames the music stays down after the voice falls silent, so it does not pump between words.
    public var hold: Int
    /// Frames to come back up (release).
    public var release: Int
    /// Voice-bus level, linear, above which the voice counts as sounding.
    public var threshold: Float
    /// Frame ranges, sorted, in which narration is about to start: the music goes down ahead of the
    /// first word, since a detector alone would only react once it is heard.
    public var windows: [Range<Int>]

    public init(depth: Float, attack: Int, hold: Int, release: Int, threshold: Float = 0.01, windows: [Range<Int>]) {
        self.depth = min(1, max(0, depth))
        self.attack = max(1, attack)
        self.hold = max(0, hold)
        self.release = max(1, release)
        self.threshold = threshold
        self.windows = windows.sorted { $0.lowerBound < $1.lowerBound }
    }
}

/// Follows the voice bus sample by sample and computes the music bus's ducking gain.
///
/// The gain depends only on the voice signal and the frame numbers, never on how the render is
/// split into blocks, so offline and live renders agree.
///
/// Real-time safety: ``gains(voiceLeft:voiceRight:frames:from:into:)`` never allocates, locks or waits.
struct Ducker {
    let settings: Ducking
    private var gain: Float = 1
    private var holdRemaining = 0
    private var window = 0
    /// The look-ahead windows: ``Ducking/windows``, then any a growing schedule adds.
    private let windows: GrowingList<Range<Int>>
    /// How many of ``windows`` the mixer has been told of.
    private(set) var windowCount: Int

    /// - Parameter windows: the list the windows are read from (its first ``Ducking/windows`` are
    ///   the settings' own); a growing schedule appends to it. Nil for the settings' windows alone.
    init(_ settings: Ducking, windows: GrowingList<Range<Int>>? = nil) {
        self.settings = settings
        self.windows = windows ?? GrowingList(settings.windows, capacity: 0)
        windowCount = settings.windows.count
    }

    /// The audio thread is told that `count` windows are written. Real-time safe.
    mutating func reveal(windows count: Int) { windowCount = max(windowCount, min(count, windows.capacity)) }

    /// Forgets the voice's history and finds the windows from `frame` on (after a seek).
    mutating func reset(at frame: Int) {
        gain = 1
        holdRemaining = 0
        window = 0
        while window < windowCount && windows[window].upperBound <= frame { window += 1 }
    }

    /// Writes the music gain for frames `from ..< from + frames` into `gains`.
    ///
    /// The block is split into runs inside or outside one look-ahead window. Three common runs take
    /// a shortcut that leaves the same gains and state as the frame-by-frame rule: music at rest at
    /// full level with no voice, music held fully down inside a window, and music held fully down
    /// while the hold has frames to run.
    mutating func gains(
        voiceLeft: UnsafePointer<Float>, voiceRight: UnsafePointer<Float>, frames: Int, from start: Int,
        into gains: UnsafeMutablePointer<Float>
    ) {
        let windows = self.windows
        let count = windowCount
        var n = 0
        while n < frames {
            let frame = start + n
            while window < count && windows[window].upperBound <= frame { window += 1 }
            var ahead = false
            var runEnd = frames
            if window < count {
                let next = windows[window]
                if next.lowerBound <= frame {
                    ahead = true
                    runEnd = min(frames, next.upperBound - start)
                } else {
                    runEnd = min(frames, next.lowerBound - start)
                }
            }
            run(voiceLeft: voiceLeft, voiceRight: voiceRight, range: n..<runEnd, ahead: ahead, into: gains)
            n = runEnd
        }
    }

    /// Frames of `frames` in which the gain stays at the depth: writes it, and moves the hold count
    /// as the frame-by-frame rule would, set by the last loud frame or counted down. The last loud
    /// frame is searched from the end: under speech it is a few frames away.
    @inline(__always)
    private mutating func holdDown(
        _ frames: Range<Int>, voiceLeft: UnsafePointer<Float>, voiceRight: UnsafePointer<Float>,
        into gains: UnsafeMutablePointer<Float>
    ) {
        let threshold = settings.threshold
        var lastLoud = frames.upperBound - 1
        while lastLoud >= frames.lowerBound
            && !(abs(voiceLeft[lastLoud]) > threshold || abs(voiceRight[lastLoud]) > threshold)
        {
            lastLoud -= 1
        }
        (gains + frames.lowerBound).update(repeating: gain, count: frames.count)
        holdRemaining =
            lastLoud >= frames.lowerBound
            ? max(0, settings.hold - (frames.upperBound - 1 - lastLoud)) : max(0, holdRemaining - frames.count)
    }

    /// Frames of `range`, all inside (`ahead`) or all outside a look-ahead window.
    @inline(__always)
    private mutating func run(
        voiceLeft: UnsafePointer<Float>, voiceRight: UnsafePointer<Float>, range: Range<Int>, ahead: Bool,
        into gains: UnsafeMutablePointer<Float>
    ) {
        let threshold = settings.threshold
        var n = range.lowerBound
        if !ahead && holdRemaining == 0 && gain == 1 {
            // At rest: the gain stays 1 until the first frame the voice sounds.
            while n < range.upperBound && !(abs(voiceLeft[n]) > threshold || abs(voiceRight[n]) > threshold) {
                gains[n] = 1
                n += 1
            }
        } else if ahead && gain == settings.depth {
            // Held down inside a window: the gain stays at the depth whatever the voice does.
            holdDown(n..<range.upperBound, voiceLeft: voiceLeft, voiceRight: voiceRight, into: gains)
            return
        } else if gain == settings.depth && holdRemaining > 1 {
            // Held down by the hold (the voice is speaking): the hold cannot run out in its next
            // holdRemaining - 1 frames whatever the voice does, so the gain stays at the depth.
            let end = min(range.upperBound, n + holdRemaining - 1)
            holdDown(n..<end, voiceLeft: voiceLeft, voiceRight: voiceRight, into: gains)
            n = end
        }
        let down = (1 - settings.depth) / Float(settings.attack)
        let up = (1 - settings.depth) / Float(settings.release)
        while n < range.upperBound {
            if abs(voiceLeft[n]) > threshold || abs(voiceRight[n]) > threshold {
                holdRemaining = settings.hold
            } else if holdRemaining > 0 {
                holdRemaining -= 1
            }
            if ahead || holdRemaining > 0 {
                gain = max(settings.depth, gain - down)
            } else {
                gain = min(1, gain + up)
            }
            gains[n] = gain
            n += 1
        }
    }
}
