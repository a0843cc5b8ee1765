import AudioIO
import FileAccess
import Foundation
import Localization
import Logging
import Mixer
import SessionKit

/// Turns a loaded session into a ``PreparedSession``: synthesises narration that has no
/// recording (cached on disk), measures every file, compiles the timeline and lays out the mix.
///
/// Runs on the control side, never on the audio thread: it touches files and allocates.
public struct SessionPreparer: Sendable {
    /// Engine rate in Hz.
    public var sampleRate: Int
    /// Absolute path of the bundled `Audio/` folder.
    public var audioRoot: String?
    public var synthesizer: SpeechSynthesizer
    /// Loudness each bus is brought to.
    public var targets: Configuration.Loudness
    /// Where measured loudness is kept; nil plays every source at its own level, unnormalised.
    public var loudness: LoudnessCache?
    /// The master limiter's true-peak ceiling, dBTP (-20…0).
    public var ceiling: Double = -1
    /// Measures (and remembers) each session's programme loudness so it can be trimmed to
    /// `targets.programme`; nil leaves the mix untrimmed.
    public var programme: ProgramLoudness?
    /// Speak every narration with espeak-ng, whatever the session asks for (`--voice espeak`).
    public var forceEspeak = false
    /// Whether a Piper model the session names that is not installed (while Piper is) is an error, as
    /// `respite validate` reports it; otherwise espeak-ng speaks instead, with a notice.
    public var requireInstalledModel = false
    /// Asked before each clip is synthesised; true stops the layout with `CancellationError` (a listener who
    /// presses Ctrl-C while a first play with the neural voice is being spoken, which takes seconds a minute).
    public var shouldStop: (@Sendable () -> Bool)?

    public init(
        sampleRate: Int, audioRoot: String?, synthesizer: SpeechSynthesizer,
        targets: Configuration.Loudness = Configuration.Loudness(), loudness: LoudnessCache? = nil
    ) {
        self.sampleRate = sampleRate
        self.audioRoot = audioRoot
        self.synthesizer = synthesizer
        self.targets = targets
        self.loudness = loudness
    }

    /// Both stages: ``layout(_:parameters:speech:)`` with every narration spoken, then
    /// ``prepare(_:)``.
    public func prepare(_ session: Session, parameters: Parameters) throws -> PreparedSession {
        try prepare(layout(session, parameters: parameters, metering: true))
    }

    /// How the first stage learns the length of narration that has no recording.
    public enum Speech: Sendable {
        /// Synthesise (and cache) every clip that is not cached yet: exact lengths, and the clips the
        /// second stage measures and plays.
        case synthesising
        /// Use the cached clip when there is one and estimate the rest from their words and rate
        /// (``SpeechSynthesizer/estimatedFrames(text:wordsPerMinute:sampleRate:)``); never starts espeak-ng.
        /// The layout says which lengths are estimates; it cannot be played.
        case cachedOrEstimated
    }

    /// The first stage: every source's length and the timeline, nothing measured or decoded beyond
    /// a file's header. What `list`, `timeline` and `validate` need.
    ///
    /// - Parameter metering: for a layout ``prepare(_:playingFrom:)`` will take next: each
    ///   source's loudness is measured on the other cores as soon as its file is known (a clip
    ///   just synthesised is metered while espeak-ng speaks the next), and the second stage
    ///   collects the figures. Needs a ``loudness`` cache; nothing is measured twice.
    /// - Throws: ``SourceError`` for a source that cannot be opened or spoken, ``CompileError``.
    ///
    /// When the neural engine fails on a clip (it cannot start, it ends, it does not answer), the whole session
    /// is laid out again with espeak-ng, so a session never mixes two voices, and the layout's notice says why.
    public func layout(
        _ session: Session, parameters: Parameters, speech: Speech = .synthesising, metering: Bool = false
    ) throws -> SessionLayout {
        do {
            return try layout(session, parameters: parameters, speech: speech, metering: metering, instead: nil)
        } catch let failure as NeuralVoiceFailure {
            Logger.player.warning("\(failure.notice)")
            return try layout(
                session, parameters: parameters, speech: speech, metering: metering, instead: failure.notice)
        }
    }

    /// The neural engine failed on a clip; ``notice`` says so for the listener.
    struct NeuralVoiceFailure: Error {
        let notice: String
    }

    /// ``layout(_:parameters:speech:metering:)``, with espeak-ng speaking `instead` of the session's voice when
    /// that is a notice.
    private func layout(
        _ session: Session, parameters: Parameters, speech: Speech, metering: Bool, instead: String?
    ) throws -> SessionLayout {
        let meter = metering && speech == .synthesising ? loudness.map(SourceMeter.init) : nil
        // A layout that fails leaves nothing measuring behind it.
        var laidOut = false
        defer { if !laidOut { _ = meter?.collect() } }
        var lengths: [Media: Int] = [:]
        var paths: [Media: String] = [:]
        var estimated = Set<Media>()
        var synthesised = 0
        var choice: VoiceChoice?
        let medias = Compiler.media(for: session, parameters: parameters)
        // The voice chosen as the first narration would choose it (nil when it cannot be: the loop says why).
        let (chosen, verified) = cachedClips(medias, session: session, instead: instead)
        choice = chosen
        for media in medias {
            guard
                let facts = try facts(
                    of: media, session: session, parameters: parameters, speech: speech, choice: &choice,
                    instead: instead, verified: verified)
            else { continue }
            lengths[media] = facts.length
            if let path = facts.path {
                meter?.start(path)
                paths[media] = path
            } else {
                estimated.insert(media)
            }
            if facts.synthesised { synthesised += 1 }
        }
        let timeline = try Compiler.compile(session, parameters: parameters, sampleRate: sampleRate, lengths: lengths)
        var layout = SessionLayout(
            session: session, parameters: parameters, timeline: timeline, paths: paths, estimated: estimated,
            synthesisedClips: synthesised)
        layout.meter = meter
        layout.voice = choice?.voice
        layout.voiceNotice = choice?.notice
        laidOut = true
        return layout
    }

    /// The voice that speaks the narration of `medias`, and its clips already cached and verified, looked up on
    /// every core: a
    /// warm start reads and checks every clip (megabytes of samples), and the first sound waits
    /// for it. The first clip is looked up alone, so that the voice's model is hashed once. Empty
    /// when the voice cannot be chosen (the layout then says why).
    func cachedClips(_ medias: [Media], session: Session, instead: String?) -> (
        choice: VoiceChoice?, clips: [Media: SpeechClip]
    ) {
        let speech = medias.filter { if case .speech = $0 { true } else { false } }
        guard case .speech(_, let voice)? = speech.first,
            let chosen = instead != nil
                ? VoiceChoice(
                    voice: .espeak(voice.name ?? Language.espeakVoice(forLanguage: session.language)), notice: instead)
                : try? speechVoice(for: voice, language: session.language)
        else { return (nil, [:]) }
        @Sendable func lookUp(_ media: Media) -> SpeechClip? {
            guard case .speech(let text, let voice) = media else { return nil }
            return synthesizer.cachedClip(
                text: text, voice: chosen.voice, wordsPerMinute: Int(voice.rate.rounded()),
                pitch: Int(voice.pitch.rounded()), lexicon: Lexicon.builtin.merging(voice.lexicon))
        }
        let found = UnsafeMutableBufferPointer<SpeechClip?>.allocate(capacity: speech.count)
        found.initialize(repeating: nil)
        defer {
            _ = found.deinitialize()
            found.deallocate()
        }
        found[0] = lookUp(speech[0])
        if speech.count > 1 {
            let slots = SendableBuffer(found)
            DispatchQueue.concurrentPerform(iterations: speech.count - 1) { index in
                slots.buffer[index + 1] = lookUp(speech[index + 1])
            }
        }
        var clips: [Media: SpeechClip] = [:]
        for (index, media) in speech.enumerated() { if let clip = found[index] { clips[media] = clip } }
        return (chosen, clips)
    }

    /// What the first stage learns of one media: its length at the engine rate, its file (nil for
    /// narration whose length is estimated), and whether it was synthesised now.
    struct MediaFacts {
        var length: Int
        var path: String?
        var synthesised = false
    }

    /// The length and file of `media`: a file's from its header; narration's from its clip,
    /// synthesised when `speech` says so, else cached or estimated. `choice` is the voice chosen
    /// for the session's narration, set by the first narration met; espeak-ng speaks `instead`
    /// when that is a notice. Nil for a file reference that names no file (a built-in sound).
    ///
    /// - Throws: ``SourceError`` with the media's place, ``NeuralVoiceFailure``, `CancellationError`.
    func facts(
        of media: Media, session: Session, parameters: Parameters, speech: Speech, choice: inout VoiceChoice?,
        instead: String?, verified: [Media: SpeechClip] = [:]
    ) throws -> MediaFacts? {
        if let clip = verified[media] {
            return MediaFacts(length: engineFrames(clip.frames, from: clip.sampleRate), path: clip.path)
        }
        do {
            switch media {
            case .speech(let text, let voice):
                let chosen: VoiceChoice
                if let choice {
                    chosen = choice
                } else if let instead {
                    chosen = VoiceChoice(
                        voice: .espeak(voice.name ?? Language.espeakVoice(forLanguage: session.language)),
                        notice: instead)
                    choice = chosen
                } else {
                    do {
                        chosen = try speechVoice(for: voice, language: session.language)
                    } catch {
                        throw SourceError(place: session.modelPlace, underlying: error)
                    }
                    choice = chosen
                }
                let lexicon = Lexicon.builtin.merging(voice.lexicon)
                let rate = Int(voice.rate.rounded())
                let pitch = Int(voice.pitch.rounded())
                let clip: SpeechClip
                switch speech {
                case .synthesising:
                    if let shouldStop, shouldStop() { throw CancellationError() }
                    clip = try speak(text, chosen.voice, rate: rate, pitch: pitch, lexicon: lexicon, voice, session)
                case .cachedOrEstimated:
                    guard
                        let cached = synthesizer.cachedClip(
                            text: text, voice: chosen.voice, wordsPerMinute: rate, pitch: pitch, lexicon: lexicon)
                    else {
                        return MediaFacts(
                            length: SpeechSynthesizer.estimatedFrames(
                                text: text, wordsPerMinute: rate, sampleRate: sampleRate))
                    }
                    clip = cached
                }
                return MediaFacts(
                    length: engineFrames(clip.frames, from: clip.sampleRate), path: clip.path,
                    synthesised: clip.synthesised)
            case .file(let reference):
                guard let path = try realPath(of: reference, in: session) else { return nil }
                let reader = try AudioFileReader(path: path)
                return MediaFacts(length: engineFrames(reader.frames, from: reader.sampleRate), path: path)
            }
        } catch let error as SourceError {
            throw error
        } catch let error as NeuralVoiceFailure {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch let error as SpeechError where error.kind == .unknownVoice || error.kind == .voiceNotAllowed {
            throw SourceError(place: session.voicePlace, underlying: error)
        } catch {
            throw SourceError(place: session.place(of: media, parameters: parameters), underlying: error)
        }
    }

    /// One clip; a failure of the neural engine becomes a ``NeuralVoiceFailure``, for the layout to start over
    /// with espeak-ng.
    private func speak(
        _ text: String, _ chosen: SpeechVoice, rate: Int, pitch: Int, lexicon: Lexicon, _ voice: Voice,
        _ session: Session
    ) throws -> SpeechClip {
        let made = Result { () throws(SpeechError) -> SpeechClip in
            try synthesizer.clip(text: text, voice: chosen, wordsPerMinute: rate, pitch: pitch, lexicon: lexicon)
        }
        switch made {
        case .success(let clip):
            return clip
        case .failure(let error):
            guard error.kind == .engine, chosen.engine == .piper else { throw error }
            let espeak = voice.name ?? Language.espeakVoice(forLanguage: session.language)
            throw NeuralVoiceFailure(
                notice: "Speaking with espeak-ng's '\(espeak)' voice: the neural voice failed (\(error.message)).")
        }
    }

    /// Fails at once, before anything plays, when espeak-ng (the voice every session falls back to) cannot speak
    /// the session's narration: its `voice.name`, or its `language`, names no voice it has. Nothing is checked
    /// for a session whose narration is all recorded.
    ///
    /// - Throws: ``SourceError`` at the session's `voice.name` or `language`, naming voices of the same language.
    public func checkVoice(_ session: Session, parameters: Parameters) throws {
        let speaks = Compiler.media(for: session, parameters: parameters).contains {
            if case .speech = $0 { true } else { false }
        }
        guard speaks else { return }
        do {
            try synthesizer.checkEspeakVoice(
                session.voice.name ?? Language.espeakVoice(forLanguage: session.language))
        } catch  where error.kind == .unknownVoice || error.kind == .voiceNotAllowed {
            throw SourceError(place: session.voicePlace, underlying: error)
        } catch {
            // The engine itself is missing or broken: said where speech is made, with what to install.
        }
    }

    /// The voice that speaks a session's narration, and why it is not the one asked for when it is not.
    public struct VoiceChoice: Sendable, Equatable {
        /// The engine and voice that speak.
        public var voice: SpeechVoice
        /// One line for the listener when this is espeak-ng standing in for a neural voice; nil otherwise.
        public var notice: String?
    }

    /// Chooses the voice for `voice` (a session's, `name` resolved) on this machine.
    ///
    /// espeak-ng when the session asks for it or ``forceEspeak`` is set. For Piper: the model named, or the first
    /// installed model of `language` when none is named (`en-US` matches `en_US`); when Piper, or that model, is
    /// not installed, espeak-ng speaks instead (`voice.name`, else the language) and the choice carries a notice.
    ///
    /// - Throws: ``SpeechError`` of kind `.unknownVoice` listing the installed voices, when
    ///   ``requireInstalledModel`` is set, Piper is installed and the named model is not.
    public func speechVoice(for voice: Voice, language: String) throws(SpeechError) -> VoiceChoice {
        let espeak = SpeechVoice.espeak(voice.name ?? Language.espeakVoice(forLanguage: language))
        guard voice.requestedEngine == .piper, !forceEspeak else { return VoiceChoice(voice: espeak, notice: nil) }
        let piper = synthesizer.piper
        let wanted = voice.model ?? piper.models.first { Self.sameLanguage($0.language, language) }?.name
        if let wanted, piper.program != nil, piper.model(named: wanted) != nil {
            return VoiceChoice(voice: .piper(wanted), notice: nil)
        }
        let reason: String
        if piper.program == nil {
            reason = piper.problem ?? "Piper is not installed"
        } else if let wanted {
            if requireInstalledModel {
                throw SpeechError(
                    kind: .unknownVoice, call: "voice lookup",
                    message: "no Piper voice named '\(wanted)' is installed",
                    suggestion: SpeechSynthesizer.installedPiperVoices(piper))
            }
            reason = "the Piper voice '\(wanted)' is not installed"
        } else {
            reason = "no Piper voice for \(language) is installed"
        }
        let notice = "Speaking with espeak-ng's '\(espeak.name)' voice: \(reason)."
        return VoiceChoice(voice: espeak, notice: notice)
    }

    /// "en-US" and "en_US", "en-us": the same language tag, ignoring case and the separator.
    static func sameLanguage(_ left: String, _ right: String) -> Bool {
        func normal(_ tag: String) -> String { tag.lowercased().replacingOccurrences(of: "_", with: "-") }
        return normal(left) == normal(right)
    }

    /// The second stage: measures every source's loudness (cached), lays out the mix, decodes the
    /// short cues held in memory, and measures (or recalls) the programme loudness for the trim.
    ///
    /// - Parameters:
    ///   - layout: a layout made with ``Speech/synthesising`` (one with estimated lengths is
    ///     refused with a ``CompileError``: it has no clips to play).
    ///   - start: for a player, the frame it will start at. The programme is then measured now only
    ///     when it is remembered, or when its trim must be in place before that frame; otherwise
    ///     the session comes back untrimmed with ``PreparedSession/trimPending`` set, for the player
    ///     to start at once and settle the trim while it plays (``SessionRun/settleTrim(with:)``).
    ///     Nil (a render, a validation) measures it now.
    public func prepare(_ layout: SessionLayout, playingFrom start: Int? = nil) throws -> PreparedSession {
        let session = layout.session
        let parameters = layout.parameters
        guard layout.isExact else {
            throw CompileError(
                message: "the narration's lengths are estimates (\(layout.estimated.count) clips not spoken yet); "
                    + "lay the session out with its speech synthesised before playing or rendering it")
        }
        let levels = try measureSources(layout)
        let plan = MixPlan.make(timeline: layout.timeline, paths: layout.paths) { sound in
            normalisation(of: sound, levels: levels)
        }
        let buffers = try plan.buffers.map { try MediaStreamer.decode($0, sampleRate: sampleRate) }
        var prepared = PreparedSession(
            session: session, parameters: parameters, timeline: layout.timeline, schedule: plan.schedule,
            jobs: plan.jobs, buffers: buffers, bufferJobs: plan.buffers, synthesisedClips: layout.synthesisedClips,
            ceiling: Float(ceiling))
        prepared.sourceLoudness = levels
        let line =
            "prepared '\(session.id)': \(layout.paths.count) media sources (\(layout.synthesisedClips) synthesised now, "
            + "\(levels.count) measured or found in the loudness cache), \(layout.timeline.sounds.count) sounds over "
            + "\(layout.timeline.duration / max(1, sampleRate)) s, \(plan.jobs.count) stream slots, "
            + "\(buffers.count) sounds in memory"
        Logger.player.info("\(line)")
        if let start, let programme, targets.programme != nil, programme.remembered(of: prepared) == nil,
            let ramp = PreparedSession.trimRamp(to: 1, timeline: layout.timeline),
            ramp.start - start >= Self.leadToMeasureLater(duration: layout.timeline.duration, sampleRate: sampleRate)
        {
            prepared.trimPending = true
            Logger.player.info("the programme loudness is measured while the session plays")
            return prepared
        }
        try trim(&prepared)
        return prepared
    }

    /// A player starts before the programme is measured only when its trim starts to move at
    /// least this long after the first frame played, seconds, and at least
    /// ``leadToMeasureLater(duration:sampleRate:)``: time to measure it meanwhile.
    public static let earliestLaterTrimSeconds = 3.0

    /// The frames a trim's move must lie after a player's first frame for the programme to be
    /// measured while it plays: ``earliestLaterTrimSeconds``, or twice what measuring a session of
    /// `duration` frames takes on a busy two-core machine (about 1.5 s for 10 minutes, so 1/200 of
    /// the duration), whichever is longer. A longer session is measured before it sounds, as a
    /// render is, rather than settle its trim late.
    public static func leadToMeasureLater(duration: Int, sampleRate: Int) -> Int {
        max(Int(earliestLaterTrimSeconds * Double(sampleRate)), duration / 200)
    }

    /// The integrated loudness of every source with a file, LUFS (from the cache, or measured now
    /// on every core: files are independent, and the cache is safe from any thread); empty
    /// without a ``loudness`` cache. Measurements the first stage started are collected, the
    /// rest started here, all at once.
    ///
    /// - Throws: ``SourceError`` naming the first (in the session's order) source that fails.
    func measureSources(_ layout: SessionLayout) throws -> [Media: Double] {
        guard let loudness else { return [:] }
        let meter = layout.meter ?? SourceMeter(cache: loudness)
        for path in layout.paths.values { meter.start(path) }
        let results = meter.collect()
        var levels: [Media: Double] = [:]
        var failures: [(Media, any Error)] = []
        for (media, path) in layout.paths {
            switch results[path] {
            case .success(let level): levels[media] = level
            case .failure(let error): failures.append((media, error))
            case nil: break
            }
        }
        let order = Compiler.media(for: layout.session, parameters: layout.parameters)
        if let (media, error) = failures.min(by: {
            (order.firstIndex(of: $0.0) ?? .max) < (order.firstIndex(of: $1.0) ?? .max)
        }) {
            throw SourceError(place: layout.session.place(of: media, parameters: layout.parameters), underlying: error)
        }
        return levels
    }

    /// Measures (or recalls) the programme loudness of `prepared` and sets its trim
    /// (``PreparedSession/setTrim(_:)``); nothing without ``programme`` or a programme target, or
    /// for a silent session.
    ///
    /// A player that prepared with ``prepare(_:playingFrom:)`` and got a session with
    /// ``PreparedSession/trimPending`` calls this on a copy while it plays (off the audio thread:
    /// it renders the whole session) and sends the copy's `schedule.trimRamp` to the mixer
    /// (``SessionRun/settleTrim(with:)`` does both): before the ramp starts, the output is the
    /// render's, sample for sample.
    ///
    /// - Parameter cancelled: asked once per block; true stops the measurement (`CancellationError`).
    /// - Throws: ``StreamFailure`` when a source cannot be read to the end; errors of the meter.
    public func trim(_ prepared: inout PreparedSession, cancelled: @Sendable () -> Bool = { false }) throws {
        guard let programme, let target = targets.programme else { return }
        let measuring = ContinuousClock.now
        let measured = try programme.integrated(of: prepared, cancelled: cancelled)
        guard measured.isFinite else { return }
        let decibels = min(12, max(-24, target - measured))
        prepared.setTrim(Float(pow(10, decibels / 20)))
        prepared.programmeLoudness = measured
        let line =
            "programme loudness \(String(format: "%.1f", measured)) LUFS (target \(target)), trim "
            + "\(String(format: "%.1f", decibels)) dB"
            + (prepared.schedule.trimRamp == nil ? "" : " (reached before the first words)") + ", in "
            + "\(ContinuousClock.now - measuring)"
        Logger.player.info("\(line)")
    }

    /// Integrated loudness of a built-in sound at 0 dB gain, LUFS.
    public static func loudness(of sound: BuiltinSound) -> Double { BuiltinLoudness.integrated(sound) }

    /// The gain in dB that brings `sound` to its bus's loudness target (0 without a loudness cache,
    /// or for a silent source), limited to -40…+30 dB so a near-silent file is not blown up.
    func normalisation(of sound: ScheduledSound, levels: [Media: Double]) -> Double {
        guard loudness != nil else { return 0 }
        let target: Double
        switch sound.bus {
        case .voice: target = targets.voice
        case .music: target = targets.music
        case .cues: target = targets.cues
        }
        let measured: Double?
        switch sound.source {
        case .media(let media, _): measured = levels[media]
        case .builtin(let builtin, _): measured = BuiltinLoudness.integrated(builtin)
        case .breath: measured = BuiltinLoudness.breath()
        }
        guard let measured, measured.isFinite else { return 0 }
        return min(30, max(-40, target - measured))
    }

    /// Frames at the engine rate for `frames` at `rate`, rounded to the nearest frame.
    func engineFrames(_ frames: Int, from rate: Int) -> Int {
        guard rate > 0 else { return 0 }
        return Int((Double(frames) * Double(sampleRate) / Double(rate)).rounded())
    }

    /// The real path of a file reference, every link followed and checked to stay inside its root (the session's
    /// folder, or the bundled `Audio/` folder); nil for built-in sounds. The loader checked the same when the
    /// session was loaded; checking again here, just before the file is opened, keeps a link changed meanwhile
    /// from leading elsewhere.
    public func realPath(of reference: SoundReference, in session: Session) throws(InputFileError) -> String? {
        guard
            let (root, relative) = reference.location(audioRoot: audioRoot ?? "Audio", sessionFolder: session.directory)
        else { return nil }
        return try InputFile.resolve(relative, inside: root)
    }
}

/// Measures sources' loudness in the background while the first stage of preparation goes on
/// (``SessionPreparer/layout(_:parameters:speech:metering:)``), so that metering one clip overlaps
/// synthesising the next; the second stage collects the figures.
///
/// Thread safety: any thread. Work runs on Dispatch's global queue (which runs about as many jobs
/// at once as there are cores), at most one job per file.
final class SourceMeter: @unchecked Sendable {
    private let cache: LoudnessCache
    private let group = DispatchGroup()
    private let lock = NSLock()
    private var started = Set<String>()
    private var results: [String: Result<Double, any Error>] = [:]

    init(cache: LoudnessCache) { self.cache = cache }

    /// Starts measuring the file at `path` (integrated loudness, LUFS), unless already started.
    func start(_ path: String) {
        guard lock.withLock({ started.insert(path).inserted }) else { return }
        group.enter()
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            let result = Result { try cache.loudness(ofFile: path).integrated }
            lock.withLock { results[path] = result }
            group.leave()
        }
    }

    /// Waits for every measurement started, and returns them by path.
    func collect() -> [String: Result<Double, any Error>] {
        group.wait()
        return lock.withLock { results }
    }
}

/// A problem with one of a session's sources (a sound file that does not decode, narration that cannot be
/// synthesised), with where the session uses it.
public struct SourceError: Error, CustomStringConvertible {
    /// The first place in the session file that uses the source; nil when it cannot be told.
    public var place: SessionPlace?
    /// The error from the layer below (``AudioFileError``, ``SpeechError``, ``LoudnessError``…).
    public var underlying: any Error

    public init(place: SessionPlace?, underlying: any Error) {
        self.place = place
        self.underlying = underlying
    }

    public var description: String { (place.map { "\($0): " } ?? "") + String(describing: underlying) }
}

/// A buffer each of whose elements one thread of a `concurrentPerform` writes.
private struct SendableBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}
