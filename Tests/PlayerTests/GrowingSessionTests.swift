import AudioIO
import Foundation
import Mixer
import SessionKit
import Testing

@testable import Player

/// A session played before its narration is spoken: the opening plays at once, the rest is
/// spoken and laid out while it plays, and what is heard is the render of the complete session.
@Suite(.serialized) struct GrowingSessionTests {
    /// A preparer with speech, loudness and programme caches of its own, all empty: a first play.
    struct ColdStart {
        let folder: String
        let preparer: SessionPreparer

        init(programme: Bool = false) throws {
            folder = NSTemporaryDirectory() + "respite-growing-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            var preparer = SessionPreparer(
                sampleRate: 48_000, audioRoot: Fixture.audioRoot,
                synthesizer: try SpeechSynthesizer(cacheDirectory: folder + "/speech", piper: .none))
            preparer.loudness = LoudnessCache(directory: folder + "/loudness")
            if programme { preparer.programme = ProgramLoudness(directory: folder + "/programme") }
            self.preparer = preparer
        }

        func remove() { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// Three bundled sessions of every kind of step and bed: PMR, paced breathing in blocks, and imagery over a
    /// looped file bed. Growing is the same for every session; the whole library would take minutes to play.
    static func bundled() throws -> [String] {
        ["breathing-paced.json", "imagery-meadow.json", "pmr-short.json"]
    }

    func load(_ file: String) throws -> Session {
        try SessionLoader(audioRoot: Fixture.audioRoot).load(contentsOf: Fixture.sessionsFolder + "/" + file)
    }

    /// Plays `growing` in virtual time to its end. The device waits (as a device at 1× never
    /// needs to) until the schedule is laid out 3 s past its playhead, so that a busy test
    /// machine never makes the mixer hold; `wait: false` lets the device run as fast as it can.
    func play(_ growing: GrowingSession, wait: Bool = true) async throws -> (
        SessionRun.Outcome, [SessionEvent], VirtualOutput, SessionRun
    ) {
        let clock = VirtualClock()
        let box = RunBox()
        let outputs = Outputs()
        let run = SessionRun(prepared: growing.opening, clock: clock, startDate: SessionRunTests.startDate) {
            let output = VirtualOutput(clock: clock)
            outputs.add(output)
            if let run = box.run {
                let mixer = run.engine.mixer
                let streamer = run.engine.streamer
                let ahead = output.periodFrames + mixer.lookahead
                output.gate = {
                    let deadline = ContinuousClock.now.advanced(by: .seconds(60))
                    while wait && mixer.laidOut != .max && mixer.laidOut < mixer.position + 3 * 48_000
                        && ContinuousClock.now < deadline
                    {
                        usleep(200)
                    }
                    streamer.waitForLoader(frames: ahead)
                }
            }
            return output
        }
        box.run = run
        let log = Log()
        run.observe { log.add($0) }
        try run.start()
        growing.start(run: run)
        let outcome = await onOwnThread { await run.run() }
        growing.cancel()
        let output = try #require(outputs.all.first)
        return (outcome, log.events, output, run)
    }

    /// A bundled session, from an empty speech cache: it starts with part of its narration
    /// spoken, plays to its end with every moment of the complete timeline at its frame, and
    /// sounds exactly as the render of the complete session.
    @Test(arguments: try GrowingSessionTests.bundled())
    func aFirstPlayStartsBeforeItsNarrationIsSpokenAndSoundsAsTheRender(_ file: String) async throws {
        let cold = try ColdStart()
        defer { cold.remove() }
        let session = try load(file)
        let growing = try #require(
            try GrowingSession.prepare(session, parameters: session.parameters, preparer: cold.preparer))
        let opening = growing.opening
        #expect(opening.growth != nil)
        #expect(opening.timeline.duration < growing.estimate.duration / 2, "only the opening is laid out")
        #expect(
            opening.timeline.duration >= Int(GrowingSession.openingLeadSeconds * 48_000),
            "\(file): laid out \(opening.timeline.duration) frames")
        let (outcome, events, output, run) = try await play(growing)
        #expect(outcome == .finished)
        #expect(run.engine.mixer.holds == 0)
        // The complete session, prepared afresh from the clips now cached: the render's.
        let complete = try cold.preparer.prepare(session, parameters: session.parameters)
        #expect(complete.synthesisedClips == 0)
        #expect(run.prepared.timeline == complete.timeline)
        #expect(SessionRunTests().moments(events) == SessionMoments(complete.timeline).moments, "\(file)")
        #expect(events.contains { $0.kind == .laidOut(horizon: complete.timeline.duration, complete: true) })
        #expect(output.frames >= complete.timeline.duration)
        #expect(output.digest == Self.digest(complete, frames: output.frames), "\(file): play differs from the render")
    }

    /// The digest of the render of `prepared` followed by silence to `frames` frames: what a
    /// device that played whole periods past the end was given (its end was not known when it
    /// started, so the device hashed every frame).
    static func digest(_ prepared: PreparedSession, frames: Int) -> Int {
        var hasher = Hasher()
        renderOffline(prepared) { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        let silence = [Float](repeating: 0, count: 2 * max(0, frames - prepared.timeline.duration))
        silence.withUnsafeBytes { hasher.combine(bytes: $0) }
        return hasher.finalize()
    }

    /// A session whose narration is all cached needs no growing: it is prepared whole at once.
    @Test func aSessionWithItsNarrationCachedIsPreparedWhole() throws {
        let cold = try ColdStart()
        defer { cold.remove() }
        let session = try load("breathing-paced.json")
        _ = try cold.preparer.prepare(session, parameters: session.parameters)
        #expect(try GrowingSession.prepare(session, parameters: session.parameters, preparer: cold.preparer) == nil)
    }

    /// The opening speaks only what its first seconds need: the rest is spoken while it plays.
    @Test func theOpeningSpeaksOnlyWhatItsFirstSecondsNeed() throws {
        let cold = try ColdStart()
        defer { cold.remove() }
        let session = try load("pmr-short.json")
        let growing = try #require(
            try GrowingSession.prepare(session, parameters: session.parameters, preparer: cold.preparer))
        let clips = Compiler.media(for: session, parameters: session.parameters).filter {
            if case .speech = $0 { true } else { false }
        }
        #expect(growing.opening.synthesisedClips <= 2, "spoke \(growing.opening.synthesisedClips) of \(clips.count)")
        growing.cancel()
    }

    /// On a machine too slow to speak ahead (here, a device running far faster than real time),
    /// the mixer holds before the horizon until the next clip is ready, and the run still plays
    /// every moment of the session, in order, to its end.
    @Test func aDeviceFasterThanTheSpeechWaitsAndEveryMomentStillComes() async throws {
        let cold = try ColdStart()
        defer { cold.remove() }
        let session = try load("pmr-short.json")
        let growing = try #require(
            try GrowingSession.prepare(session, parameters: session.parameters, preparer: cold.preparer))
        let (outcome, events, _, run) = try await play(growing, wait: false)
        #expect(outcome == .finished)
        let complete = try cold.preparer.prepare(session, parameters: session.parameters)
        #expect(SessionRunTests().moments(events) == SessionMoments(complete.timeline).moments)
        #expect(run.engine.mixer.holds >= 1, "the device outran the speech")
    }

    /// With the programme measured: the trim comes once the session is laid out, and settles
    /// from where the mixer is.
    @Test func theTrimComesWhenTheSessionIsLaidOut() async throws {
        let cold = try ColdStart(programme: true)
        defer { cold.remove() }
        let session = try load("breathing-paced.json")
        let growing = try #require(
            try GrowingSession.prepare(session, parameters: session.parameters, preparer: cold.preparer))
        let (outcome, _, output, run) = try await play(growing)
        #expect(outcome == .finished)
        let lead = try #require(run.stats.trimLeadFrames, "a trim was sent")
        if lead >= 0 {
            // In time (the device here waits for the layout): the output is the trimmed render's.
            let complete = try cold.preparer.prepare(session, parameters: session.parameters)
            #expect(complete.schedule.trimRamp != nil)
            #expect(output.digest == Self.digest(complete, frames: output.frames))
        }
    }
}
