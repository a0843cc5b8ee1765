import Localization

/// Turns a valid ``Session`` and the listener's ``Parameters`` into a ``Timeline`` in integer
/// frames. Pure and deterministic: the same inputs give the same timeline, on any machine.
///
/// Speech and files have lengths only known after decoding or synthesis, so compiling is two
/// calls: ``media(for:parameters:)`` lists what must be measured, and
/// ``compile(_:parameters:sampleRate:lengths:)`` lays out time given those lengths.
public enum Compiler {
    /// Silence between a PMR step's preparation and its "now", seconds (scaled by pace): a moment to get ready.
    static let beforeNowSeconds = 1.0
    /// Silence between a release-only step's words and the start of its relaxation, seconds (scaled by pace).
    static let settleSeconds = 0.5
    /// Silence between the release words and the relax text, seconds (scaled by pace).
    static let afterReleaseSeconds = 2.0
    /// Silence after a breathing introduction before the first cycle, seconds (scaled by pace).
    static let beforeBreathingSeconds = 1.5
    /// Pause after a skipped group's rest text, seconds (scaled by pace).
    static let afterRestSeconds = 3.0
    /// The breathing pacer's gain on the cues bus, dB: at the default bus targets (cues -26, music -32 LUFS) it
    /// sits 6 LU above a music bed at 0 dB, clear enough to follow and still under the voice (-20).
    public static let pacerGain = 0.0
    /// Music is lowered over this long, starting this long before narration starts.
    public static let duckAttackSeconds = 0.3
    /// The voice must be quiet this long before the music rises, so it does not pump between words.
    static let duckHoldSeconds = 0.6
    /// The music rises back over this long: back within hold + release = 1.4 s of the last word.
    static let duckReleaseSeconds = 0.8
    /// Speech clips fade in and out over this long (they start and end in near-silence anyway).
    static let speechFadeSeconds = 0.01
    /// A cue or bell cut short by the end of the session fades over at most this long.
    static let endFadeSeconds = 0.5

    /// The media whose lengths ``compile(_:parameters:sampleRate:lengths:)`` needs, each once, in
    /// order of first use.
    public static func media(for session: Session, parameters: Parameters) -> [Media] {
        var seen = Set<Media>()
        var list: [Media] = []
        func add(_ media: Media) {
            if seen.insert(media).inserted { list.append(media) }
        }
        if let bed = musicSource(session, parameters), bed.isFile { add(.file(bed)) }
        for step in session.steps {
            for media in media(of: step, session: session, parameters: parameters) { add(media) }
        }
        return list
    }

    /// The media one step uses, in order of use (repeats included).
    static func media(of step: Step, session: Session, parameters: Parameters) -> [Media] {
        guard step.plays(in: session, parameters: parameters) else { return [] }
        var list: [Media] = []
        for cue in step.cues where cue.sound.isFile { list.append(.file(cue.sound)) }
        switch step.kind {
        case .narration(let narration):
            if let text = narrationText(narration, parameters) {
                list.append(speechMedia(text, recording: text == narration.text ? narration.audio : nil, session))
            }
        case .silence:
            break
        case .bell(let sound, _, _):
            if sound.isFile { list.append(.file(sound)) }
        case .pmr(let pmr):
            let tensing = !isSkipped(pmr, parameters) && !parameters.releaseOnly
            for text in pmrTexts(pmr, parameters) { list.append(speechMedia(text, recording: nil, session)) }
            if tensing, let cue = pmr.nowCue, cue.isFile { list.append(.file(cue)) }
            if tensing && pmr.releaseCue.isFile { list.append(.file(pmr.releaseCue)) }
        case .breathing(let written):
            let breathing = parameters.gentleBreathing ? written.gentled : written
            if let text = spoken(breathing.text) { list.append(speechMedia(text, recording: nil, session)) }
        }
        return list
    }

    /// Lays out the session as far as the known lengths reach: every step up to the first one
    /// that uses a media whose length is not in `lengths` yet. With every length known, the
    /// result is ``compile(_:parameters:sampleRate:lengths:)``'s, complete.
    ///
    /// Steps are laid out in order and each one's place depends only on the lengths before it, so
    /// a partial timeline is the complete one's beginning: its sounds are exactly the complete
    /// timeline's sounds that start before the horizon, in the same order, except for what only
    /// the end decides: the music bed (left out until the timeline is complete), and the length
    /// and fade-out of a sound the end cuts short. Its entries are the complete one's before the
    /// horizon, its steps the complete one's first ``PartialTimeline/stepsLaidOut``, and its ducking
    /// windows those of the narration that starts before the horizon (the window of narration
    /// starting at the horizon begins just before it, and comes with the next partial timeline).
    ///
    /// - Parameter lengths: frames at `sampleRate` of the media known so far (the music bed's is
    ///   not needed before the last step).
    /// - Throws: ``CompileError`` as ``compile(_:parameters:sampleRate:lengths:)`` does, for the
    ///   steps laid out.
    public static func compilePartially(
        _ session: Session, parameters: Parameters, sampleRate: Int, lengths: [Media: Int]
    ) throws(CompileError) -> PartialTimeline {
        var layout = Layout(session: session, parameters: parameters, rate: sampleRate, lengths: lengths)
        func partial(_ laidOut: Int) throws(CompileError) -> PartialTimeline {
            var opening = layout
            let horizon = opening.cursor
            if let bed = musicSource(session, parameters) {
                opening.duck(depth: (session.music ?? Music(source: bed)).duck)
            }
            var timeline = opening.timeline
            timeline.duration = horizon
            timeline.sounds = timeline.sounds.filter { $0.start < horizon }
            timeline.sounds.sort { $0.start < $1.start }
            timeline.entries = timeline.entries.filter { $0.frame < horizon }
            timeline.entries.sort { ($0.frame, $0.step) < ($1.frame, $1.step) }
            try checkVoices(timeline, session: session)
            return PartialTimeline(timeline: timeline, horizon: horizon, stepsLaidOut: laidOut, isComplete: false)
        }
        for (index, step) in session.steps.enumerated() {
            guard media(of: step, session: session, parameters: parameters).allSatisfy({ lengths[$0] != nil }) else {
                return try partial(index)
            }
            do {
                try layout.place(step, index: index)
            } catch {
                throw CompileError(place: error.place ?? session.place(of: step), message: error.message)
            }
            try layout.checkLength(after: step)
        }
        if let bed = musicSource(session, parameters), bed.isFile, lengths[.file(bed)] == nil {
            return try partial(session.steps.count)
        }
        let timeline = try Compiler.compile(session, parameters: parameters, sampleRate: sampleRate, lengths: lengths)
        return PartialTimeline(
            timeline: timeline, horizon: timeline.duration, stepsLaidOut: session.steps.count, isComplete: true)
    }

    /// Lays out the session in frames at `sampleRate`.
    ///
    /// - Parameters:
    ///   - lengths: frames at `sampleRate` of every item ``media(for:parameters:)`` listed.
    /// - Throws: ``CompileError`` if a length is missing or the result would be empty.
    public static func compile(
        _ session: Session, parameters: Parameters, sampleRate: Int, lengths: [Media: Int]
    ) throws(CompileError) -> Timeline {
        var layout = Layout(session: session, parameters: parameters, rate: sampleRate, lengths: lengths)
        for (index, step) in session.steps.enumerated() {
            do {
                try layout.place(step, index: index)
            } catch {
                throw CompileError(place: error.place ?? session.place(of: step), message: error.message)
            }
            try layout.checkLength(after: step)
        }
        try layout.finish()
        try checkVoices(layout.timeline, session: session)
        return layout.timeline
    }

    /// The most sounds a session may have playing at one moment: the mixer's voice slots, less a margin for
    /// the fades of a skip or a seek.
    public static let maximumSimultaneousSounds = 48

    /// Fails when more than ``maximumSimultaneousSounds`` sounds overlap at some frame: the mixer would have to
    /// leave sounds out (narration among them), and a session must never lose a word silently.
    static func checkVoices(_ timeline: Timeline, session: Session) throws(CompileError) {
        // Sweep the starts and ends in frame order; an end at frame f frees its voice before a start at f.
        var events: [(frame: Int, delta: Int, step: Int)] = []
        events.reserveCapacity(timeline.sounds.count * 2)
        for sound in timeline.sounds {
            events.append((sound.start, 1, sound.step))
            events.append((sound.start + sound.length, -1, sound.step))
        }
        events.sort { ($0.frame, $0.delta) < ($1.frame, $1.delta) }
        var sounding = 0
        for event in events {
            sounding += event.delta
            if sounding > maximumSimultaneousSounds {
                let seconds = Double(event.frame) / Double(timeline.sampleRate)
                let place =
                    session.steps.indices.contains(event.step) ? session.place(of: session.steps[event.step]) : nil
                throw CompileError(
                    place: place,
                    message: "\(sounding) sounds would play at once at \(Int(seconds) / 60):"
                        + "\(Int(seconds) % 60 < 10 ? "0" : "")\(Int(seconds) % 60); Respite plays at most "
                        + "\(maximumSimultaneousSounds) together. Use fewer cues here, or spread them out")
            }
        }
    }

    // MARK: - Helpers shared by both passes

    static func musicSource(_ session: Session, _ parameters: Parameters) -> SoundReference? {
        switch parameters.music {
        case .off: nil
        case .source(let reference): reference
        case .session: session.music?.source
        }
    }

    static func speechMedia(_ text: String, recording: SoundReference?, _ session: Session) -> Media {
        if let recording { return .file(recording) }
        var voice = session.voice
        if voice.name == nil { voice.name = Language.espeakVoice(forLanguage: session.language) }
        voice.gain = 0  // gain is applied in the mix, not baked into the synthesised clip
        return .speech(text: text, voice: voice)
    }

    static func isSkipped(_ pmr: PMR, _ parameters: Parameters) -> Bool {
        parameters.skip.contains(pmr.group)
    }

    /// Every text `step` says with these parameters, in order (what a transcript of it reads), as if it plays:
    /// callers check ``Step/plays(in:parameters:)`` for the session's choices.
    public static func texts(of step: Step, parameters: Parameters) -> [String] {
        switch step.kind {
        case .narration(let narration): return narrationText(narration, parameters).map { [$0] } ?? []
        case .pmr(let pmr): return pmrTexts(pmr, parameters)
        case .breathing(let breathing):
            return (parameters.gentleBreathing ? breathing.gentled : breathing).text.flatMap(spoken).map { [$0] } ?? []
        case .silence, .bell: return []
        }
    }

    /// The words a narration step says with these parameters; nil when it is left out (release-only with an
    /// empty release-only text).
    static func narrationText(_ narration: Narration, _ parameters: Parameters) -> String? {
        guard parameters.releaseOnly, let text = narration.releaseOnly.text else { return narration.text }
        return text.trimmingSpaces().isEmpty ? nil : text
    }

    /// The texts a PMR step speaks with these parameters, in order, empty ones left out.
    static func pmrTexts(_ pmr: PMR, _ parameters: Parameters) -> [String] {
        let texts: [String?]
        if isSkipped(pmr, parameters) {
            texts = [pmr.rest]
        } else if parameters.releaseOnly {
            texts = [pmr.releaseOnly.text ?? pmr.rest, pmr.releaseOnly.relaxText ?? pmr.relaxText]
        } else {
            texts = [pmr.prepare, pmr.now, pmr.release, pmr.relaxText]
        }
        return texts.compactMap { $0 }.filter { !$0.trimmingSpaces().isEmpty }
    }

    /// `text` unless it is nil or only spaces.
    static func spoken(_ text: String?) -> String? {
        guard let text, !text.trimmingSpaces().isEmpty else { return nil }
        return text
    }
}

/// The session cannot be laid out: a length is missing, or the result would be empty, too long, or need more
/// voices at once than the mixer plays.
public struct CompileError: Error, Sendable, CustomStringConvertible {
    /// Where in the session file, when a step is concerned.
    public var place: SessionPlace?
    /// What is wrong and what to do.
    public var message: String

    public init(place: SessionPlace? = nil, message: String) {
        self.place = place
        self.message = message
    }

    /// `LINE:COLUMN: PATH: message`; prefix it with the file's name.
    public var description: String { place.map { "\($0): \(message)" } ?? message }
}

extension SoundReference {
    /// True for sounds that come from a file (bundled or the session's own), false for built-ins.
    public var isFile: Bool {
        if case .builtin = self { return false }
        return true
    }
}

extension BuiltinSound {
    /// How long the sound rings before it has decayed to silence, seconds.
    public var naturalSeconds: Double {
        switch self {
        case .bell: 9
        case .chime: 4
        case .bowl: 14
        case .tone: 1.2
        case .drone, .ocean, .rain: 3_600
        }
    }

    /// True for sounds meant as a music bed rather than a cue.
    public var isBed: Bool { self == .drone || self == .ocean || self == .rain }
}

/// The mutable state of one compile.
struct Layout {
    let session: Session
    let parameters: Parameters
    let rate: Int
    let lengths: [Media: Int]
    var timeline: Timeline
    /// The transcript's and default titles' words, in the session's language (English when Respite has none).
    let phrases: SpokenPhrases
    var cursor = 0
    /// Narration intervals, for ducking.
    var speech: [(start: Int, end: Int)] = []

    init(session: Session, parameters: Parameters, rate: Int, lengths: [Media: Int]) {
        self.session = session
        self.parameters = parameters
        self.rate = rate
        self.lengths = lengths
        phrases = SpokenPhrases(tag: session.language) ?? .english
        timeline = Timeline(sampleRate: rate, duration: 0, entries: [], sounds: [], ducking: nil, steps: [])
    }

    /// Fails when the session has grown past ``maximumFrames`` by the end of `step`.
    func checkLength(after step: Step) throws(CompileError) {
        guard cursor > maximumFrames else { return }
        throw CompileError(
            place: session.place(of: step),
            message: "with the lengths of its recordings and speech, the session reaches "
                + "\(format(Double(cursor) / Double(rate) / 3600)) hours by this step; a "
                + "session may last at most \(Int(SessionLoader.maximumSessionDuration / 3600)) hours. Shorten it, "
                + "or split it into several sessions")
    }

    /// The longest a session may last, in frames.
    var maximumFrames: Int { Int(SessionLoader.maximumSessionDuration) * rate }

    /// Seconds to frames. Every duration reaching here was checked by the loader (finite, 0…1 hour, pace
    /// 0.5…2), so the product is far inside `Int`'s range.
    func frames(_ seconds: Double) -> Int { Int((seconds * Double(rate)).rounded()) }
    func paced(_ seconds: Double) -> Int { frames(seconds * parameters.pace) }

    func length(of media: Media) throws(CompileError) -> Int {
        guard let frames = lengths[media], frames > 0 else {
            throw CompileError(message: "\(media.spokenDescription) has no sound (no length known at this rate)")
        }
        guard frames <= maximumFrames else {
            throw CompileError(
                message:
                    "\(media.spokenDescription) lasts more than \(Int(SessionLoader.maximumSessionDuration / 3600)) "
                    + "hours; a session may last at most that")
        }
        return frames
    }

    mutating func place(_ step: Step, index: Int) throws(CompileError) {
        let start = cursor
        var title = step.label
        guard step.plays(in: session, parameters: parameters) else {
            // Not chosen: an empty span keeps step numbers and indices the same for every choice.
            timeline.steps.append(
                StepSpan(
                    number: index + 1, path: step.path, title: title ?? phrases.stepTitle(index + 1), start: start,
                    end: start))
            return
        }
        var breath: BreathPattern?
        switch step.kind {
        case .narration(let narration):
            if let text = Compiler.narrationText(narration, parameters) {
                let recording = text == narration.text ? narration.audio : nil
                let end = try speak(text, recording: recording, at: cursor, step: index, gain: narration.gain)
                cursor = end + paced(narration.pause)
            }
            title = title ?? phrases.narrationTitle
        case .silence(let seconds):
            let length = paced(seconds)
            entry(cursor, length, index, .silence, phrases.silenceFor(format(seconds * parameters.pace)))
            cursor += length
            title = title ?? phrases.silenceTitle
        case .bell(let sound, let gain, let seconds):
            ring(sound, at: cursor, step: index, gain: gain, kind: .bell)
            cursor += frames(seconds)
            title = title ?? phrases.bellTitle
        case .pmr(let pmr):
            try placePMR(pmr, step: index)
            title = title ?? pmr.group.replacingDashes()
        case .breathing(let breathing):
            breath = try placeBreathing(parameters.gentleBreathing ? breathing.gentled : breathing, step: index)
            title = title ?? phrases.breathingTitle
        }
        for cue in step.cues {
            ring(cue.sound, at: start + frames(cue.at), step: index, gain: cue.gain, kind: .cue)
        }
        timeline.steps.append(
            StepSpan(
                number: index + 1, path: step.path, title: title ?? phrases.stepTitle(index + 1), start: start,
                end: cursor,
                breath: breath))
    }

    /// Schedules speech at `frame`; returns the frame after it ends.
    mutating func speak(
        _ text: String, recording: SoundReference?, at frame: Int, step: Int, gain: Double = 0,
        kind: Timeline.Kind = .narration
    ) throws(CompileError) -> Int {
        let media = Compiler.speechMedia(text, recording: recording, session)
        let length = try self.length(of: media)
        let fade = frames(Compiler.speechFadeSeconds)
        timeline.sounds.append(
            ScheduledSound(
                start: frame, length: length, source: .media(media, loop: false), bus: .voice,
                gain: session.voice.gain + gain, fadeIn: fade, fadeOut: fade, step: step))
        entry(frame, length, step, kind, text)
        speech.append((frame, frame + length))
        return frame + length
    }

    /// Schedules a cue or bell at `frame` for its natural length.
    mutating func ring(
        _ sound: SoundReference, at frame: Int, step: Int, gain: Double, kind: Timeline.Kind, pitchRatio: Double = 1
    ) {
        let source: ScheduledSound.Source
        let length: Int
        switch sound {
        case .builtin(let builtin):
            source = .builtin(builtin, pitchRatio: pitchRatio)
            length = frames(builtin.naturalSeconds)
        case .bundled, .file:
            let media = Media.file(sound)
            source = .media(media, loop: false)
            length = lengths[media] ?? frames(1)
        }
        timeline.sounds.append(
            ScheduledSound(
                start: frame, length: length, source: source, bus: .cues, gain: gain, fadeIn: 0,
                fadeOut: frames(0.05), step: step))
        entry(frame, 0, step, kind, sound.description)
    }

    /// A PMR step: preparation, then the "now" at which tension starts, 5–7 s of tension, the release on its cue,
    /// and the relaxation. Release-only: the step's release-only words and the relaxation, no tension, no cue.
    mutating func placePMR(_ pmr: PMR, step: Int) throws(CompileError) {
        if Compiler.isSkipped(pmr, parameters) {
            if let rest = Compiler.spoken(pmr.rest) {
                cursor = try speak(rest, recording: nil, at: cursor, step: step, kind: .rest)
                cursor += paced(Compiler.afterRestSeconds)
            }
            return
        }
        let releaseMoment: Int
        var spoken: Int
        let relaxText: String?
        if parameters.releaseOnly {
            if let text = Compiler.spoken(pmr.releaseOnly.text ?? pmr.rest) {
                cursor = try speak(text, recording: nil, at: cursor, step: step, kind: .rest)
            }
            releaseMoment = cursor + paced(Compiler.settleSeconds)
            entry(releaseMoment, 0, step, .relax, phrases.relax)
            spoken = releaseMoment
            relaxText = Compiler.spoken(pmr.releaseOnly.relaxText ?? pmr.relaxText)
        } else {
            cursor = try speak(pmr.prepare, recording: nil, at: cursor, step: step)
            let now = cursor + paced(Compiler.beforeNowSeconds)
            let seconds = pmr.tension(pace: parameters.pace)
            let tension = frames(seconds)
            entry(now, tension, step, .tense, phrases.tenseFor(format(seconds)))
            if let cue = pmr.nowCue { ring(cue, at: now, step: step, gain: -2, kind: .cue) }
            if let word = Compiler.spoken(pmr.now) {
                // Said over the start of the hold; lint flags a "now" long enough to reach the release.
                _ = try speak(word, recording: nil, at: now, step: step)
            }
            releaseMoment = now + tension
            ring(pmr.releaseCue, at: releaseMoment, step: step, gain: -2, kind: .release)
            spoken = releaseMoment
            if let release = Compiler.spoken(pmr.release) {
                spoken = try speak(release, recording: nil, at: releaseMoment, step: step, kind: .release)
            }
            relaxText = Compiler.spoken(pmr.relaxText)
        }
        if let relaxText {
            spoken = try speak(relaxText, recording: nil, at: spoken + paced(Compiler.afterReleaseSeconds), step: step)
        }
        let relaxEnd = max(releaseMoment + paced(pmr.relax), spoken + paced(Compiler.afterReleaseSeconds))
        entry(
            releaseMoment, relaxEnd - releaseMoment, step, .relax,
            phrases.relaxFor(format(timeline.seconds(relaxEnd - releaseMoment))))
        cursor = relaxEnd
    }

    mutating func placeBreathing(_ breathing: Breathing, step: Int) throws(CompileError) -> BreathPattern {
        if let text = Compiler.spoken(breathing.text) {
            cursor = try speak(text, recording: nil, at: cursor, step: step)
            cursor += paced(Compiler.beforeBreathingSeconds)
        }
        let pattern = BreathPattern(
            inhale: paced(breathing.inhale), hold: paced(breathing.hold), exhale: paced(breathing.exhale),
            rest: paced(breathing.rest), cycles: breathing.cycles, firstCycle: cursor)
        for cycle in 0..<breathing.cycles {
            let start = cursor
            let exhaleStart = start + pattern.inhale + pattern.hold
            entry(
                start, pattern.cycleLength, step, .breathing,
                phrases.breath(
                    cycle + 1, breathing.cycles, format(timeline.seconds(pattern.inhale)),
                    pattern.hold > 0 ? format(timeline.seconds(pattern.hold)) : nil,
                    format(timeline.seconds(pattern.exhale))))
            switch breathing.pacer {
            case .chime:
                // A higher chime for the in-breath, a lower one (a fifth down) for the out-breath.
                ring(.builtin(.chime), at: start, step: step, gain: Compiler.pacerGain, kind: .inhale, pitchRatio: 1)
                ring(
                    .builtin(.chime), at: exhaleStart, step: step, gain: Compiler.pacerGain, kind: .exhale,
                    pitchRatio: 2.0 / 3.0)
            case .swell:
                let length = pattern.inhale + pattern.hold + pattern.exhale
                timeline.sounds.append(
                    ScheduledSound(
                        start: start, length: length,
                        source: .breath(inhale: pattern.inhale, hold: pattern.hold, exhale: pattern.exhale),
                        bus: .cues, gain: Compiler.pacerGain, fadeIn: 0, fadeOut: 0, step: step))
            case .none:
                break
            }
            cursor += pattern.cycleLength
        }
        return pattern
    }

    mutating func entry(_ frame: Int, _ length: Int, _ step: Int, _ kind: Timeline.Kind, _ text: String) {
        timeline.entries.append(Timeline.Entry(frame: frame, length: length, step: step, kind: kind, text: text))
    }

    /// Adds the music bed and ducking, trims everything to the session's end and sorts.
    mutating func finish() throws(CompileError) {
        let duration = cursor
        guard duration > 0 else { throw CompileError(message: "the session has no duration at these settings") }
        timeline.duration = duration
        if let bed = Compiler.musicSource(session, parameters) {
            let settings = session.music ?? Music(source: bed)
            let length: Int
            let source: ScheduledSound.Source
            switch bed {
            case .builtin(let builtin):
                source = .builtin(builtin, pitchRatio: 1)
                length = duration
            case .bundled, .file:
                let fileLength = try self.length(of: .file(bed))
                source = .media(.file(bed), loop: settings.loop)
                length = settings.loop ? duration : min(duration, fileLength)
            }
            let fadeOut = min(frames(settings.fadeOut), length / 2)
            timeline.sounds.append(
                ScheduledSound(
                    start: 0, length: length, source: source, bus: .music,
                    gain: parameters.musicGain ?? settings.gain, fadeIn: min(frames(settings.fadeIn), length / 2),
                    fadeOut: fadeOut, step: 0))
            timeline.entries.append(
                Timeline.Entry(frame: 0, length: length, step: 0, kind: .music, text: bed.description))
            duck(depth: settings.duck)
        }
        // Nothing sounds past the end: shorten late sounds and give them a gentle fade.
        for i in timeline.sounds.indices where timeline.sounds[i].end > duration {
            let remaining = max(1, duration - timeline.sounds[i].start)
            timeline.sounds[i].length = remaining
            timeline.sounds[i].fadeOut = min(
                remaining / 2, max(timeline.sounds[i].fadeOut, frames(Compiler.endFadeSeconds)))
        }
        timeline.sounds.removeAll { $0.start >= duration }
        timeline.sounds.sort { $0.start < $1.start }
        timeline.entries.sort { ($0.frame, $0.step) < ($1.frame, $1.step) }
    }

    /// Lowers the music while narration sounds: the mixer follows the voice itself; the compiler
    /// adds a window before each narration so the music is already down for the first word.
    mutating func duck(depth: Double) {
        guard depth > 0, !speech.isEmpty else { return }
        let attack = frames(Compiler.duckAttackSeconds)
        timeline.ducking = DuckPlan(
            depth: depth, attack: attack, hold: frames(Compiler.duckHoldSeconds),
            release: frames(Compiler.duckReleaseSeconds),
            windows: speech.map { max(0, $0.start - attack)..<$0.start }.sorted { $0.lowerBound < $1.lowerBound })
    }

    func format(_ seconds: Double) -> String {
        let tenths = (seconds * 10).rounded() / 10
        return tenths == tenths.rounded() ? String(Int(tenths)) : String(tenths)
    }
}

extension String {
    /// `right-arm` → `Right arm`.
    func replacingDashes() -> String {
        let words = split(separator: "-").joined(separator: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }
}
