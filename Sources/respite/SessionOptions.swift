import ArgumentParser
import Atomics
import Foundation
import AudioIO
import Player
import SessionKit

/// Options every session command shares.
struct SessionOptions: ParsableArguments {
    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            "Override a session parameter: pace=1.3, music=none, skip=left-arm,right-leg, releaseOnly=true, gentleBreathing=true, musicGain=-24, or a choice of the session's own such as scene=garden.",
            valueName: "key=value"))
    var assignments: [String] = []

    @Option(help: ArgumentHelp("Engine sample rate in Hz (8000…192000).", valueName: "hz"))
    var rate: Int = 48_000

    @Option(
        name: .customLong("voice"),
        help: ArgumentHelp(
            "Who speaks narration that has no recording: 'session' (the session's choice, its neural voice where "
                + "installed) or 'espeak' (espeak-ng always). Default: $RESPITE_VOICE, else session.",
            valueName: "session|espeak"))
    var voiceChoice: String = ProcessInfo.processInfo.environment["RESPITE_VOICE"] ?? "session"

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (8_000...192_000).contains(rate) else {
            throw ValidationError("--rate \(rate) is outside 8000…192000 Hz; 48000 suits almost every device.")
        }
        guard ["session", "espeak"].contains(voiceChoice) else {
            throw ValidationError(
                "--voice '\(voiceChoice)' (or RESPITE_VOICE) is not a choice: use 'session' (the session's voice) or "
                    + "'espeak'; `respite voices` lists the installed voices.")
        }
    }

    /// Loads, applies `--set` and prepares (synthesises speech, compiles) the named session.
    func prepare(_ name: String, catalog: SessionCatalog) throws -> PreparedSession {
        let (session, parameters) = try load(name, catalog: catalog)
        return try prepare(session, parameters: parameters, catalog: catalog)
    }

    /// Loads and validates the named session and applies `--set`: quick, no audio touched.
    func load(_ name: String, catalog: SessionCatalog) throws -> (Session, Parameters) {
        let session = try catalog.load(name)
        return (session, try session.parameters.applying(assignments, to: session, loader: catalog.loader))
    }

    /// Prepares a loaded session, both stages: speech, compiling, then loudness and the mix. The
    /// first time a session is prepared this measures its sources and its programme loudness
    /// (seconds for a long one); afterwards everything comes from the caches.
    ///
    /// - Parameter measuringProgramme: false skips the programme loudness (for `validate`, which plays nothing).
    /// - Parameter requireInstalledModel: a Piper model the session names that is not installed is an error
    ///   (`validate`), not a notice.
    func prepare(
        _ session: Session, parameters: Parameters, catalog: SessionCatalog, measuringProgramme: Bool = true,
        requireInstalledModel: Bool = false
    ) throws -> PreparedSession {
        var preparer = try self.preparer(catalog: catalog, measuringProgramme: measuringProgramme)
        preparer.requireInstalledModel = requireInstalledModel
        let layout = try preparer.layout(session, parameters: parameters, metering: true)
        finishSpeaking(for: layout)
        return try preparer.prepare(layout)
    }

    /// Prepares a loaded session to play from the frame `start` picks in its timeline. The
    /// programme loudness is left to the run to measure while it plays when it is not remembered
    /// and the trim moves late enough (``PreparedSession/trimPending``): the first sound does not
    /// wait for the whole session to be rendered into a meter.
    ///
    /// A session played from its start whose narration is not all spoken yet is not prepared whole: its opening
    /// comes back with the ``GrowingSession`` that speaks the rest while it plays, so the first sound does not
    /// wait for every clip (the neural voice speaks a minute of narration in a few seconds).
    ///
    /// - Returns: the session (or its opening), the frame to start at, the preparer that settles the trim, and
    ///   the growing session when there is one.
    /// - Parameters:
    ///   - stopping: asked before each clip is spoken; true stops with `CancellationError`.
    ///   - fromTheStart: the play starts at the session's first frame (no `--from`, no resume): it may grow.
    func prepareToPlay(
        _ session: Session, parameters: Parameters, catalog: SessionCatalog,
        stopping: (@Sendable () -> Bool)? = nil, fromTheStart: Bool = false,
        start: (SessionKit.Timeline) throws -> Int
    ) throws -> (prepared: PreparedSession, start: Int, preparer: SessionPreparer, growing: GrowingSession?) {
        var preparer = try self.preparer(catalog: catalog, measuringProgramme: true)
        preparer.shouldStop = stopping
        let layout: SessionLayout
        if fromTheStart {
            // Laid out with what is cached: complete when every clip is, and then played as it is.
            let estimate = try preparer.layout(session, parameters: parameters, speech: .cachedOrEstimated)
            if let growing = try GrowingSession.prepare(estimate, preparer: preparer) {
                if let notice = growing.voiceNotice { showVoiceNotice(notice) }
                return (growing.opening, 0, preparer, growing)
            }
            // Every clip cached: played as it is. Otherwise a session that does not grow is spoken whole first.
            layout =
                estimate.isExact
                ? estimate : try preparer.layout(session, parameters: parameters, metering: true)
        } else {
            layout = try preparer.layout(session, parameters: parameters, metering: true)
        }
        finishSpeaking(for: layout)
        let frame = try start(layout.timeline)
        return (try preparer.prepare(layout, playingFrom: frame), frame, preparer, nil)
    }

    /// Starts speaking the session's narration ahead, at `parameters` (`--set`), while the listener reads and
    /// chooses (``SpeechPrefetch``); nil when there is nothing to speak or the preparer cannot be made (the play
    /// then reports that itself).
    func prefetchSpeech(_ session: Session, parameters: Parameters, catalog: SessionCatalog) -> SpeechPrefetch? {
        guard let preparer = try? preparer(catalog: catalog, measuringProgramme: false, quietly: true) else {
            return nil
        }
        return SpeechPrefetch.start(session, parameters: parameters, preparer: preparer)
    }

    /// The first stage alone: lengths and the timeline, no loudness measured and nothing decoded.
    ///
    /// - Parameter speech: `.synthesising` speaks (and caches) narration not yet spoken, for exact
    ///   times; `.cachedOrEstimated` never starts espeak-ng and estimates what is not cached.
    func layout(
        _ name: String, catalog: SessionCatalog, speech: SessionPreparer.Speech = .synthesising
    ) throws -> SessionLayout {
        let (session, parameters) = try load(name, catalog: catalog)
        let layout = try preparer(catalog: catalog, measuringProgramme: false).layout(
            session, parameters: parameters, speech: speech)
        // `list` estimates many sessions at once and never speaks: no notice there.
        if speech == .synthesising { finishSpeaking(for: layout) }
        return layout
    }

    /// After a layout: stops the neural engine, and prints the one line that says espeak-ng speaks in place of the
    /// session's neural voice, on standard error, once per process, though `play` on a machine without a sound card
    /// prepares twice (to play, then to save).
    func finishSpeaking(for layout: SessionLayout) {
        // Every clip is made: the neural engine's memory goes back before anything plays.
        if layout.isExact { SpeechSynthesizer.stopEngines() }
        if let notice = layout.voiceNotice { showVoiceNotice(notice) }
    }

    /// Prints the line that says espeak-ng speaks in place of the session's neural voice, once per process.
    func showVoiceNotice(_ notice: String) {
        guard voiceNoticeShown.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged
        else { return }
        report(notice)
    }

    /// A preparer at these options with the user's configuration and the caches.
    /// - Parameter quietly: no warning about the cache folder (a second preparer in one command).
    func preparer(
        catalog: SessionCatalog, measuringProgramme: Bool, quietly: Bool = false
    ) throws -> SessionPreparer {
        let configuration = try Configuration.load()
        // The caches are never required: an unusable folder is one line of warning, and the output is the same.
        if !quietly, let warning = CacheDirectory.current.warning { report(warning) }
        var preparer = SessionPreparer(
            sampleRate: rate, audioRoot: catalog.audioRoot, synthesizer: try SpeechSynthesizer(),
            targets: configuration.loudness,
            loudness: LoudnessCache(seeds: catalog.audioRoot + "/" + LoudnessCache.bundledSeedsFolder))
        preparer.ceiling = configuration.ceiling
        preparer.forceEspeak = voiceChoice == "espeak"
        preparer.programme = measuringProgramme ? ProgramLoudness() : nil
        return preparer
    }
}

/// Whether this process has said which voice speaks in place of the neural one.
private let voiceNoticeShown = ManagedAtomic<Bool>(false)

/// `m:ss` or `h:mm:ss` for a duration in seconds.
func clock(_ seconds: Double, tenths: Bool = false) -> String {
    let whole = Int(seconds)
    let h = whole / 3600
    let m = (whole % 3600) / 60
    let s = whole % 60
    var text = h > 0 ? "\(h):\(pad(m)):\(pad(s))" : "\(m):\(pad(s))"
    if tenths { text += ".\(Int((seconds - Double(whole)) * 10))" }
    return text
}

private func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
