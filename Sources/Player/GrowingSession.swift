import AudioIO
import Atomics
import Foundation
import Logging
import Mixer
import SessionKit

/// A session that starts playing before all its narration is spoken: its first play with the
/// neural voice, which speaks a minute of narration in a few seconds, would otherwise wait for
/// all of it (20–30 s for a 10-minute session).
///
/// The session is laid out as far as the known lengths reach (``Compiler/compilePartially(_:parameters:sampleRate:lengths:)``):
/// the files' lengths come from their headers and cached narration from the cache, so the
/// opening (a bell, the first words once spoken) plays at once. A thread then speaks the rest in
/// order, at a lower priority than anything that plays; after each clip the layout reaches
/// further, and the new sounds go to the mixer and the streamer of the run
/// (``Mixer/grow(voices:windows:buffers:horizon:)``, ``MediaStreamer/append(_:)``) and the new
/// timeline to the run (``SessionRun/grow(_:complete:)``). The music bed plays from the start
/// with an open end; the last clip decides its end and the session's length. Then the whole
/// session is prepared as a render prepares it, its programme measured, and its trim sent to the
/// run (late, so it settles from where the mixer is: about 1 dB, over 1 s).
///
/// Every batch is the beginning of the complete plan (steps are laid out in order and a step's
/// place depends only on the lengths before it), so the grown schedule is the render's: what
/// plays is the render sample for sample, apart from the trim's late move. Each batch is
/// checked against the plan before it: a difference stops the run gently rather than play
/// something else. A machine too slow to speak ahead makes the mixer fade out and hold before
/// the horizon until the next clip is ready.
public final class GrowingSession: @unchecked Sendable {
    /// The opening: the session as far as it is laid out now, with room for the rest
    /// (``PreparedSession/growth``). Play it with a ``SessionRun`` and hand the run to ``start(run:)``.
    public var opening: PreparedSession {
        guard let made else { preconditionFailure("the opening is made when the session is prepared") }
        return made
    }
    private var made: PreparedSession?
    /// The session laid out with the narration's unspoken lengths estimated: its steps and its
    /// length, about, for the screen until the layout is complete.
    public let estimate: Timeline
    /// Why the narration is not spoken by the voice the session asked for, when it is not.
    public private(set) var voiceNotice: String?

    private let preparer: SessionPreparer
    private let session: Session
    private let parameters: Parameters
    private var lengths: [Media: Int]
    private var paths: [Media: String]
    private var levels: [Media: Double]
    /// Narration not yet spoken, in the session's order.
    private var unspoken: [Media]
    private var choice: SessionPreparer.VoiceChoice?
    /// Espeak-ng speaks the rest, with this notice, after the neural engine failed.
    private var instead: String?
    /// What the mixer and the streamer have been given.
    private var given: Plan
    private var synthesised = 0
    private let cancelled = ManagedAtomic<Bool>(false)
    private let bed: ScheduledSound?

    /// The mix plan of a laid-out part of the session.
    struct Plan {
        var horizon: Int
        var voices: [VoiceEvent]
        var jobs: [[StreamJob]]
        var bufferJobs: [StreamJob]
        var windows: [Range<Int>]
    }

    /// The seconds of session laid out before the opening plays: enough that the mixer does not
    /// hold at once (its fade and lead take 2.4 s) while the next clip is spoken.
    public static let openingLeadSeconds = 4.0

    /// Prepares the opening of `session`; nil when all its narration is cached already (prepare
    /// it whole: that takes well under a second) or it has none.
    ///
    /// Speaks narration on the calling thread only while the layout reaches less than
    /// ``openingLeadSeconds`` (a session that speaks at once waits for its first clips).
    ///
    /// - Throws: what ``SessionPreparer/layout(_:parameters:speech:metering:)`` throws for the
    ///   sources it meets, `CancellationError` when ``SessionPreparer/shouldStop`` says so.
    public static func prepare(_ session: Session, parameters: Parameters, preparer: SessionPreparer) throws
        -> GrowingSession?
    {
        try prepare(preparer.layout(session, parameters: parameters, speech: .cachedOrEstimated), preparer: preparer)
    }

    /// ``prepare(_:parameters:preparer:)`` from the session's layout with its unspoken narration
    /// estimated (``SessionPreparer/Speech/cachedOrEstimated``); nil when that layout is exact
    /// (prepare it whole: ``SessionPreparer/prepare(_:playingFrom:)`` takes it as it is).
    public static func prepare(_ estimate: SessionLayout, preparer: SessionPreparer) throws -> GrowingSession? {
        guard !estimate.isExact, grows(estimate.timeline) else { return nil }
        return try GrowingSession(
            session: estimate.session, parameters: estimate.parameters, preparer: preparer, estimate: estimate)
    }

    /// The sessions that grow: at least ``shortestSeconds`` long (a shorter one is spoken in
    /// moments), with no music bed or one that loops or is built in. The end of a bed from a
    /// file played once depends on where the file ends as well as the session, and changes
    /// which sounds share its stream: such a session is prepared whole.
    static func grows(_ estimate: Timeline) -> Bool {
        guard estimate.duration >= Int(shortestSeconds * Double(estimate.sampleRate)) else { return false }
        guard let entry = estimate.entries.first(where: { $0.kind == .music }),
            let bed = estimate.sounds.first(where: {
                $0.bus == .music && $0.start == entry.frame && $0.length == entry.length
            })
        else { return true }
        if case .media(_, let loop) = bed.source { return loop }
        return true
    }

    /// Sessions shorter than this (estimated) are prepared whole, seconds.
    public static let shortestSeconds = 60.0

    private init(session: Session, parameters: Parameters, preparer: SessionPreparer, estimate: SessionLayout) throws {
        self.session = session
        self.parameters = parameters
        self.preparer = preparer
        self.estimate = estimate.timeline
        let rate = preparer.sampleRate
        lengths = [:]
        paths = [:]
        unspoken = []
        var choice: SessionPreparer.VoiceChoice?
        for media in Compiler.media(for: session, parameters: parameters) {
            guard
                let facts = try preparer.facts(
                    of: media, session: session, parameters: parameters, speech: .cachedOrEstimated, choice: &choice,
                    instead: nil)
            else { continue }
            if let path = facts.path {
                lengths[media] = facts.length
                paths[media] = path
            } else {
                unspoken.append(media)
            }
        }
        self.choice = choice
        voiceNotice = choice?.notice
        // The bed as the estimate places it, with an open end: the last clip decides it.
        let bedEntry = estimate.timeline.entries.first { $0.kind == .music }
        bed = bedEntry.flatMap { entry in
            estimate.timeline.sounds.first { $0.bus == .music && $0.start == entry.frame && $0.length == entry.length }
        }.map {
            var open = $0
            open.length = Int.max / 4
            return open
        }
        levels = [:]
        given = Plan(horizon: 0, voices: [], jobs: [], bufferJobs: [], windows: [])
        // Speak until the opening reaches its lead (or the session is laid out).
        var partial = try layOut()
        let lead = Int(Self.openingLeadSeconds * Double(rate))
        while !partial.isComplete && partial.horizon < lead && !unspoken.isEmpty {
            try speakNext()
            partial = try layOut()
        }
        levels = try preparer.measureSources(
            SessionLayout(session: session, parameters: parameters, timeline: partial.timeline, paths: paths))
        // The room: the estimate's counts, with a margin for what the exact lengths change
        // (stream slots are the most streamed sounds at once, at most the compiler's 48).
        var countingPaths = estimate.paths
        for media in unspoken { countingPaths[media] = "unspoken" }
        let whole = MixPlan.make(timeline: estimate.timeline, paths: countingPaths)
        let growth = ScheduleGrowth(
            voices: whole.schedule.voices.count + 64, windows: (whole.schedule.ducking?.windows.count ?? 0) + 64,
            buffers: whole.buffers.count + 16, horizon: partial.horizon)
        let slots = min(Compiler.maximumSimultaneousSounds, whole.jobs.count + 4)
        let plan = self.plan(partial)
        let buffers = try plan.plan.buffers.map { try MediaStreamer.decode($0, sampleRate: rate) }
        var opening = PreparedSession(
            session: session, parameters: parameters, timeline: partial.timeline, schedule: plan.plan.schedule,
            jobs: plan.plan.jobs, buffers: buffers, bufferJobs: plan.plan.buffers, synthesisedClips: synthesised,
            ceiling: Float(preparer.ceiling))
        opening.sourceLoudness = levels
        opening.growth = growth
        opening.growthSlots = slots
        made = opening
        given = plan.given
        let line =
            "prepared the opening of '\(session.id)': \(String(format: "%.1f", Double(partial.horizon) / Double(rate))) s "
            + "of \(String(format: "%.0f", Double(estimate.timeline.duration) / Double(rate))) s (about) laid out, "
            + "\(unspoken.count) clips still to speak while it plays"
        Logger.player.info("\(line)")
    }

    /// Stops the thread speaking the rest (a run that ended); what was spoken stays cached.
    public func cancel() { cancelled.store(true, ordering: .relaxed) }

    /// Speaks the rest on a thread of its own (nice 10) and grows `run`'s session as it goes.
    /// Call once, after ``SessionRun/start(from:)``. When the rest cannot be prepared, the run
    /// stops gently and says why (``SessionRun/growthFailed(_:)``).
    ///
    /// - Parameter spoken: called on that thread once every clip is spoken (the player stops the
    ///   neural engine then, so its memory goes back while the session plays on).
    public func start(run: SessionRun, whenSpoken spoken: @escaping @Sendable () -> Void = {}) {
        let refused = SystemThread.start(name: "respite-grow") { [self] in
            setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
            do {
                try grow(run, spoken: spoken)
            } catch is CancellationError {
                return
            } catch {
                Logger.player.warning("the rest of the session could not be prepared: \(error)")
                run.growthFailed("the rest of the session could not be prepared: \(error)")
            }
        }
        if refused != 0 {
            run.growthFailed("no thread to prepare the rest of the session (\(String(cString: strerror(refused))))")
        }
    }

    // MARK: - The growing thread

    private func grow(_ run: SessionRun, spoken: @Sendable () -> Void) throws {
        let mixer = run.engine.mixer
        let streamer = run.engine.streamer
        while !unspoken.isEmpty {
            if cancelled.load(ordering: .relaxed) { throw CancellationError() }
            // Counts a full queue held back (an audio thread stalled) go now.
            mixer.sendGrowth()
            try speakNext()
            let partial = try layOut()
            guard !partial.isComplete, partial.horizon > given.horizon else { continue }
            let media = unspokenLevels()
            levels.merge(try preparer.measureSources(media)) { $1 }
            let plan = self.plan(partial)
            try hand(plan.plan, given: plan.given, horizon: partial.horizon, to: mixer, streamer)
            run.grow(partial.timeline, complete: false)
        }
        spoken()
        // The whole session, prepared as a render prepares it (its programme measured now).
        let complete = try Compiler.compile(
            session, parameters: parameters, sampleRate: preparer.sampleRate, lengths: lengths)
        var layout = SessionLayout(
            session: session, parameters: parameters, timeline: complete, paths: paths, synthesisedClips: synthesised)
        layout.voice = choice?.voice
        let prepared = try preparer.prepare(layout)
        if cancelled.load(ordering: .relaxed) { throw CancellationError() }
        let final = Plan(
            horizon: complete.duration, voices: prepared.schedule.voices, jobs: prepared.jobs,
            bufferJobs: prepared.bufferJobs, windows: prepared.schedule.ducking?.windows ?? [])
        try hand(
            (prepared.schedule, prepared.jobs, prepared.bufferJobs), given: final, horizon: complete.duration,
            to: mixer,
            streamer, buffers: prepared.buffers, completing: true)
        run.grow(complete, complete: true)
        // The trim comes late (the opening played untrimmed): it settles from where the mixer is.
        let trim = prepared.schedule.trim
        if let ramp = prepared.schedule.trimRamp
            ?? (trim == 1 ? nil : TrimRamp(start: 0, length: preparer.sampleRate, target: trim))
        {
            run.settleTrim(ramp)
        }
    }

    /// The laid-out part's media with a file whose loudness is not known yet.
    private func unspokenLevels() -> SessionLayout {
        SessionLayout(
            session: session, parameters: parameters, timeline: opening.timeline,
            paths: paths.filter { levels[$0.key] == nil })
    }

    /// Hands what `plan` adds to what was given to the mixer and the streamer; with
    /// `completing`, also the ends only the end decides, and the schedule's length.
    private func hand(
        _ plan: (schedule: Schedule, jobs: [[StreamJob]], buffers: [StreamJob]), given next: Plan, horizon: Int,
        to mixer: Mixer, _ streamer: MediaStreamer, buffers decoded: [SampleBuffer]? = nil, completing: Bool = false
    ) throws {
        let before = given
        // What was given must be the beginning of the new plan, apart from the ends the end decides.
        var ends: [(voice: Int, length: Int, fadeOut: Int)] = []
        guard next.voices.count >= before.voices.count, next.jobs.count >= before.jobs.count,
            next.bufferJobs.count >= before.bufferJobs.count, next.windows.count >= before.windows.count,
            Array(next.bufferJobs.prefix(before.bufferJobs.count)) == before.bufferJobs,
            Array(next.windows.prefix(before.windows.count)) == before.windows
        else { throw GrowthMismatch(what: "the plan's counts") }
        for (index, old) in before.voices.enumerated() {
            var new = next.voices[index]
            if new == old { continue }
            guard completing else { throw GrowthMismatch(what: "voice \(index)") }
            let end = (index, new.length, new.fadeOut)
            new.length = old.length
            new.fadeOut = old.fadeOut
            guard new == old else { throw GrowthMismatch(what: "voice \(index)") }
            ends.append(end)
        }
        var appended: [(slot: Int, job: StreamJob)] = []
        var changedJobs: [(slot: Int, start: Int, frames: Int)] = []
        for slot in next.jobs.indices {
            let old = slot < before.jobs.count ? before.jobs[slot] : []
            guard next.jobs[slot].count >= old.count else { throw GrowthMismatch(what: "slot \(slot)") }
            for (index, job) in old.enumerated() where job != next.jobs[slot][index] {
                var same = next.jobs[slot][index]
                same.frames = job.frames
                guard completing, same == job else { throw GrowthMismatch(what: "slot \(slot)") }
                changedJobs.append((slot, job.start, next.jobs[slot][index].frames))
            }
            appended += next.jobs[slot][old.count...].map { (slot, $0) }
        }
        guard appended.allSatisfy({ $0.slot < streamer.rings.count }) else {
            throw GrowthMismatch(what: "more stream slots than the \(streamer.rings.count) kept")
        }
        let newBuffers =
            try decoded.map { Array($0[before.bufferJobs.count...]) }
            ?? next.bufferJobs[before.bufferJobs.count...].map {
                try MediaStreamer.decode($0, sampleRate: preparer.sampleRate)
            }
        // The streamer first: the loader has the jobs before the mixer can reach their voices.
        streamer.append(appended)
        let added = Array(next.voices[before.voices.count...])
        guard
            mixer.grow(
                voices: added, windows: Array(next.windows[before.windows.count...]), buffers: newBuffers,
                horizon: horizon)
        else { throw GrowthMismatch(what: "the mixer's room") }
        given = next
        guard completing else { return }
        for change in changedJobs { streamer.setFrames(slot: change.slot, start: change.start, frames: change.frames) }
        while !mixer.complete(length: horizon, ends: ends) {
            if cancelled.load(ordering: .relaxed) { throw CancellationError() }
            usleep(5_000)
        }
        streamer.finishGrowing()
    }

    /// The partial timeline's mix plan, with the bed (open-ended) where the complete timeline
    /// puts it: after the other sounds at its frame.
    private func plan(_ partial: PartialTimeline) -> (
        plan: (schedule: Schedule, jobs: [[StreamJob]], buffers: [StreamJob]), given: Plan
    ) {
        var timeline = partial.timeline
        // A complete timeline has its bed already (an opening that reached the end).
        if let bed, !partial.isComplete {
            let at = timeline.sounds.firstIndex { $0.start > bed.start } ?? timeline.sounds.count
            timeline.sounds.insert(bed, at: at)
        }
        if timeline.ducking == nil, var ducking = estimate.ducking {
            // No narration laid out yet: the complete session's ducking, with no windows so far.
            ducking.windows = []
            timeline.ducking = ducking
        }
        let plan = MixPlan.make(timeline: timeline, paths: paths) { preparer.normalisation(of: $0, levels: levels) }
        return (
            plan,
            Plan(
                horizon: partial.horizon, voices: plan.schedule.voices, jobs: plan.jobs, bufferJobs: plan.buffers,
                windows: plan.schedule.ducking?.windows ?? [])
        )
    }

    /// Lays the session out as far as the lengths known reach.
    private func layOut() throws -> PartialTimeline {
        try Compiler.compilePartially(
            session, parameters: parameters, sampleRate: preparer.sampleRate, lengths: lengths)
    }

    /// Speaks the next unspoken clip. After a failure of the neural engine, espeak-ng speaks it
    /// and the rest (what has played stays as it was), and ``voiceNotice`` says so.
    private func speakNext() throws {
        let media = unspoken.removeFirst()
        var facts: SessionPreparer.MediaFacts?
        do {
            facts = try preparer.facts(
                of: media, session: session, parameters: parameters, speech: .synthesising, choice: &choice,
                instead: instead)
        } catch let failure as SessionPreparer.NeuralVoiceFailure {
            // An engine stopped because the run ended is no failure to speak of.
            if cancelled.load(ordering: .relaxed) { throw CancellationError() }
            Logger.player.warning("\(failure.notice)")
            instead = failure.notice
            voiceNotice = failure.notice
            choice = nil
            facts = try preparer.facts(
                of: media, session: session, parameters: parameters, speech: .synthesising, choice: &choice,
                instead: instead)
        }
        guard let facts, let path = facts.path else { return }
        lengths[media] = facts.length
        paths[media] = path
        if facts.synthesised { synthesised += 1 }
    }
}

/// A batch of a growing session that is not the beginning of the plan after it: a bug, never
/// played through.
struct GrowthMismatch: Error, CustomStringConvertible {
    let what: String
    var description: String { "the session's layout changed while it was laid out (\(what))" }
}
