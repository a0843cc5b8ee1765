import AudioIO
import Foundation
import Mixer
import SessionKit
import Testing

@testable import Player

/// A sound device in virtual time: each period it is handed moves a ``VirtualClock`` on by the
/// period's length, as a real device's pace moves the wall clock. It keeps a digest of what it
/// played (and the samples themselves when asked), and can vanish after a number of frames.
final class VirtualOutput: PCMOutput, @unchecked Sendable {
    let sampleRate: Int
    let periodFrames: Int
    let clock: VirtualClock
    /// From this many frames on, every write fails with `-ENODEV` (a device unplugged).
    let goneAfter: Int?
    /// Waits before each write until the loader is ahead, as a device paced at 1× always finds it.
    var gate: (() -> Void)?
    private(set) var frames = 0
    private(set) var samples: [Float] = []
    private let keepSamples: Bool
    private var hasher = Hasher()
    private var driving = true

    init(
        clock: VirtualClock, sampleRate: Int = 48_000, periodFrames: Int = 480, goneAfter: Int? = nil,
        keepSamples: Bool = false
    ) {
        self.clock = clock
        self.sampleRate = sampleRate
        self.periodFrames = periodFrames
        self.goneAfter = goneAfter
        self.keepSamples = keepSamples
        clock.attachDriver()
    }

    deinit { stopDriving() }

    /// Where to take the digest: the frames before it are hashed, the frames after it are only
    /// checked for sound (the tail of the last period, after a session's end).
    var mark = Int.max
    /// The digest of the frames before ``mark`` (all frames while fewer were played).
    var digest: Int { hasher.finalize() }
    /// Frames at or after ``mark`` that were not exact zeros.
    private(set) var soundAfterMark = 0

    func write(_ buffer: UnsafePointer<Float>, frames count: Int) -> Int32 {
        gate?()
        if let goneAfter, frames >= goneAfter {
            stopDriving()
            return -ENODEV
        }
        let hashed = max(0, min(count, mark - frames))
        hasher.combine(bytes: UnsafeRawBufferPointer(start: buffer, count: hashed * 2 * MemoryLayout<Float>.size))
        for index in (hashed * 2)..<(count * 2) where buffer[index] != 0 { soundAfterMark += 1 }
        if keepSamples { samples.append(contentsOf: UnsafeBufferPointer(start: buffer, count: count * 2)) }
        frames += count
        clock.advance(by: .nanoseconds(Int64(count) * 1_000_000_000 / Int64(sampleRate)))
        return 0
    }

    func recover(_ code: Int32) -> Int32 { code }

    func drain() { stopDriving() }

    private func stopDriving() {
        guard driving else { return }
        driving = false
        clock.detachDriver()
    }
}

/// Renders the whole session offline, handing each block (interleaved stereo) to `body`.
func renderOffline(_ prepared: PreparedSession, _ body: (UnsafeBufferPointer<Float>) -> Void) {
    let (mixer, streamer) = prepared.makeEngine()
    let total = prepared.timeline.duration
    let block = OfflineRenderer.blockFrames
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: block * 2)
    defer { buffer.deallocate() }
    var done = 0
    while done < total {
        let frames = min(block, total - done)
        streamer.waitUntilReady(frames: frames + mixer.lookahead)
        mixer.render(interleavedInto: buffer, frames: frames)
        body(UnsafeBufferPointer(start: buffer, count: frames * 2))
        done += frames
    }
}

/// The digest of the offline render of the whole session (the same hashing as ``VirtualOutput``).
func offlineDigest(_ prepared: PreparedSession) -> Int {
    var hasher = Hasher()
    renderOffline(prepared) { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    return hasher.finalize()
}

/// A run's events, in order.
final class Log: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [SessionEvent] = []
    func add(_ event: SessionEvent) { lock.withLock { list.append(event) } }
    var events: [SessionEvent] { lock.withLock { list } }
}

/// The run, for its output factory (made before the run exists).
final class RunBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: SessionRun?
    var run: SessionRun? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

@Suite(.serialized) struct SessionRunTests {
    static let startDate = Date(timeIntervalSince1970: 1_800_000_000)

    /// The moments a run published, without the listener's and the device's events.
    func moments(_ events: [SessionEvent]) -> [SessionMoments.Moment] {
        events.compactMap { event in
            switch event.kind {
            case .stepStarted, .narration, .pmr, .breath, .cue:
                SessionMoments.Moment(frame: event.frame, kind: event.kind)
            default: nil
            }
        }
    }

    /// Plays `prepared` in virtual time to its end, letting `react` send commands as events come
    /// (synchronously, so a command is taken at the run's next tick).
    ///
    /// With `lockstep`, the output keeps within two ticks of where the run last looked (as a real
    /// device, paced by the wall clock, keeps within its buffer of the run's ticks): without that,
    /// a device running at hundreds of times real time on a loaded machine could be seconds ahead
    /// of the run when a command is taken. The loader keeps ahead of the output in any case.
    ///
    /// `hold` runs before each write, after the loader is ahead (a device that waits for
    /// something); `started` runs once the run has started, before it plays on.
    func play(
        _ prepared: PreparedSession, options: LivePlayer.Options = .init(), from start: Int = 0, lockstep: Bool = true,
        output makeOutput: @escaping @Sendable (VirtualClock) throws -> VirtualOutput,
        hold: (@Sendable (VirtualOutput, SessionRun) -> Void)? = nil,
        started: (SessionRun) -> Void = { _ in },
        react: @escaping @Sendable (SessionEvent, SessionRun, VirtualClock) -> Void = { _, _, _ in }
    ) async throws -> (SessionRun.Outcome, [SessionEvent]) {
        let clock = VirtualClock()
        let runBox = RunBox()
        let run = SessionRun(prepared: prepared, options: options, clock: clock, startDate: Self.startDate) {
            let output = try makeOutput(clock)
            if let run = runBox.run {
                let streamer = run.engine.streamer
                let ahead = output.periodFrames + run.engine.mixer.lookahead
                output.gate = { [unowned output] in
                    streamer.waitForLoader(frames: ahead)
                    hold?(output, run)
                    guard lockstep else { return }
                    let deadline = ContinuousClock.now.advanced(by: .milliseconds(200))
                    while clock.now.offset - run.lastWoke > SessionRun.tick * 2 && ContinuousClock.now < deadline {
                        usleep(50)
                    }
                }
            }
            return output
        }
        runBox.run = run
        let log = Log()
        run.observe { event in
            log.add(event)
            react(event, run, clock)
        }
        try run.start(from: start)
        started(run)
        let outcome = await onOwnThread { await run.run() }
        return (outcome, log.events)
    }

    /// Three bundled sessions, one of each kind of step and bed (PMR; breathing in blocks; imagery over a looped
    /// file): playing is the same for every session, and the whole library would take many minutes of mixing.
    @Test func bundledSessionsPlayToTheirEndInVirtualTimeAsTheTimelineSaysAndAsRenderSounds() async throws {
        let fixture = try Fixture()
        let folder = Fixture.sessionsFolder
        let files = ["breathing-paced.json", "imagery-meadow.json", "pmr-short.json"]
        var prepared: [(String, PreparedSession)] = []
        for file in files {
            let session = try SessionLoader(audioRoot: Fixture.audioRoot).load(contentsOf: folder + "/" + file)
            prepared.append((file, try fixture.prepare(session)))
        }
        let started = ContinuousClock.now
        var played: [(String, PreparedSession, Outputs)] = []
        for (file, prepared) in prepared {
            let duration = prepared.timeline.duration
            let outputs = Outputs()
            let (outcome, events) = try await play(prepared, lockstep: false) { clock in
                let output = VirtualOutput(clock: clock)
                output.mark = duration
                outputs.add(output)
                return output
            }
            played.append((file, prepared, outputs))
            #expect(outcome == .finished, "\(file)")
            #expect(events.first?.kind == .started && events.first?.frame == 0, "\(file)")
            #expect(events.last?.kind == .finished && events.last?.frame == duration, "\(file)")
            // Every moment of the timeline, in order, at its exact frame, and nothing else.
            #expect(moments(events) == SessionMoments(prepared.timeline).moments, "\(file)")
            #expect(events.map(\.frame) == events.map(\.frame).sorted(), "\(file): frames never go back")
            // Wall-clock times follow the frames: within a tick and a period of rendering on an idle machine, and
            // within 2 s however busy it is (the run's loop, starved of a core while the rest of the suite runs,
            // was seen 0.49 s behind the virtual output). A time taken from the wall clock instead of the run's
            // clock, or from the wrong frame, would be minutes off.
            let rate = Double(prepared.timeline.sampleRate)
            let worstSkew =
                events.map {
                    abs($0.time.timeIntervalSince(Self.startDate) - Double($0.frame) / rate)
                }.max() ?? 0
            #expect(worstSkew < 2, "\(file): an event's time is \(worstSkew) s from its frame's")
            // The narration is all there, with its words.
            let narrated = events.compactMap { if case .narration(let text, _) = $0.kind { text } else { nil } }
            let spoken = prepared.timeline.entries.filter { $0.kind == .narration || $0.kind == .rest }.map(\.text)
            #expect(!spoken.isEmpty && spoken.allSatisfy(narrated.contains), "\(file)")
            // One device, played to the end in whole periods, nothing but silence after it.
            let output = try #require(outputs.all.first)
            #expect(outputs.all.count == 1)
            #expect(output.frames >= duration && output.frames < duration + output.periodFrames, "\(file)")
            #expect(output.soundAfterMark == 0, "\(file): sound after the end")
        }
        let elapsed = started.duration(to: .now)
        // Sample for sample as the offline render (the render is not part of the timed play above).
        for (file, prepared, outputs) in played {
            #expect(outputs.all.first?.digest == offlineDigest(prepared), "\(file)")
        }
        let total = played.map { Double($0.1.timeline.duration) / Double($0.1.timeline.sampleRate) }.reduce(0, +)
        print("virtual time: \(played.count) bundled sessions, \(Int(total)) s of sound, played in \(elapsed)")
    }

    // MARK: - Commands

    /// The short fixture session: narration, a silence with a chime, narration, two paced breaths.
    func fixture() throws -> PreparedSession { try LivePlayerTests().prepared() }

    func samples(_ outputs: Outputs) -> [Float] { outputs.all.flatMap(\.samples) }

    /// The longest run of exact digital silence in the left channel, and where it ends.
    func longestSilence(_ interleaved: [Float]) -> (length: Int, end: Int) {
        var longest = (length: 0, end: 0)
        var run = 0
        for frame in 0..<(interleaved.count / 2) {
            run = interleaved[2 * frame] == 0 ? run + 1 : 0
            if run > longest.length { longest = (run, frame) }
        }
        return longest
    }

    @Test func pauseHoldsThePlaceInSilenceAndResumeFadesBackIn() async throws {
        let prepared = try fixture()
        let outputs = Outputs()
        let steps = prepared.timeline.steps
        let (outcome, events) = try await play(prepared) { clock in
            let output = VirtualOutput(clock: clock, keepSamples: true)
            outputs.add(output)
            return output
        } react: { event, run, clock in
            switch event.kind {
            case .stepStarted(2, _): run.send(.pause)
            case .paused:
                Task {
                    try? await clock.sleep(for: .seconds(2))
                    run.send(.resume)
                }
            default: break
            }
        }
        #expect(outcome == .finished)
        let paused = try #require(events.first { $0.kind == .paused })
        let resumed = try #require(events.first { $0.kind == .resumed })
        #expect(paused.frame >= steps[1].start)
        // The playhead moves only through the 0.4 s fade while paused (2 s would be 96 000 frames),
        // give or take how far the device may be ahead of the run's tick when a command goes: two
        // ticks (four periods, see `play`) and the period being mixed.
        #expect(resumed.frame - paused.frame <= 19_200 + 5 * 480)
        #expect(resumed.time.timeIntervalSince(paused.time) >= 2)
        // Every moment still came, once, in order.
        #expect(moments(events) == SessionMoments(prepared.timeline).moments)
        let sound = samples(outputs)
        // Two seconds held: digital silence of nearly that long (less the fade out).
        let silence = longestSilence(sound)
        #expect(silence.length >= 72_000, "paused for 2 s: \(silence.length) silent frames")
        // Faded in: the first 10 ms after the silence are far below full scale of the 10 ms 0.4 s on.
        let after = silence.end + 1
        let edge = sound[(2 * after)..<(2 * (after + 480))].map(abs).max() ?? 1
        #expect(edge < 0.02, "resume starts at \(edge), not faded in")
        // Played to the end: the session's frames plus the time spent paused.
        let total = outputs.all.map(\.frames).reduce(0, +)
        #expect(total >= prepared.timeline.duration + silence.length - 20_000)
    }

    @Test func nextPreviousAndStepMoveToStepStartsAndSkipTheMomentsBetween() async throws {
        let prepared = try fixture()
        let steps = prepared.timeline.steps
        let script = Counter()
        let (outcome, events) = try await play(prepared) { clock in
            VirtualOutput(clock: clock)
        } react: { event, run, _ in
            guard case .stepStarted(let number, _) = event.kind else { return }
            switch script.increment() - 1 {
            case 0 where number == 1: run.send(.next)  // 1 → 2
            case 1 where number == 2: run.send(.step(4))  // 2 → 4
            case 2 where number == 4: run.send(.previous)  // at the start of 4: back to 3
            default: break
            }
        }
        #expect(outcome == .finished)
        let seeks = events.filter { $0.kind == .seeked }.map(\.frame)
        #expect(seeks == [steps[1].start, steps[3].start, steps[2].start])
        // Moments between step 1's start and the skip are not published; step 3's are, after "previous".
        let narrations = events.filter { if case .narration = $0.kind { true } else { false } }
        #expect(!narrations.contains { $0.frame > steps[0].start && $0.frame < steps[1].start })
        #expect(events.last?.kind == .finished)
    }

    @Test func volumeIsClampedAndAnnounced() async throws {
        let prepared = try fixture()
        var options = LivePlayer.Options()
        options.maxVolume = 3
        let (_, events) = try await play(prepared, options: options) { clock in
            VirtualOutput(clock: clock)
        } react: { event, run, _ in
            if case .stepStarted(2, _) = event.kind {
                run.send(.changeVolume(3))
                run.send(.changeVolume(3))  // held at the device's limit
                run.send(.volume(-90))  // held at -40
                run.send(.volume(.nan))  // ignored
            }
        }
        let volumes = events.compactMap { if case .volume(let decibels) = $0.kind { decibels } else { nil } }
        #expect(volumes == [3, 3, -40])
    }

    @Test func stopFadesOutAndEndsTheRunWhereItWas() async throws {
        let prepared = try fixture()
        let outputs = Outputs()
        let (outcome, events) = try await play(prepared) { clock in
            let output = VirtualOutput(clock: clock, keepSamples: true)
            outputs.add(output)
            return output
        } react: { event, run, _ in
            if case .stepStarted(3, _) = event.kind { run.send(.stop(.listener)) }
        }
        let steps = prepared.timeline.steps
        guard case .stopped(.listener, let at) = outcome else {
            Issue.record("outcome \(outcome)")
            return
        }
        // Seen within a tick (and the output's two ticks of lead), taken at the next, then the 0.4 s fade.
        #expect(at >= steps[2].start && at < steps[2].start + 19_200 + 6_000, "\(at - steps[2].start)")
        #expect(events.last?.kind == .stopped(.listener))
        #expect(events.last?.frame == at)
        #expect(!events.contains { $0.kind == .finished })
        let sound = samples(outputs)
        let last = (sound.lastIndex { $0 != 0 } ?? 0) / 2
        // The last 10 ms of sound are the bottom of a fade, not a cut.
        let tail = sound[(2 * max(0, last - 480))..<(2 * last + 2)].map(abs).max() ?? 1
        #expect(tail < 0.03, "the sound ends at \(tail)")
        #expect(last < prepared.timeline.duration)
    }

    @Test func aLostDeviceIsReopenedAndTheSentenceStartsAgain() async throws {
        let prepared = try fixture()
        let opens = Counter()
        let outputs = Outputs()
        struct Unplugged: Error {}
        // The first device vanishes 1.5 s in (mid first sentence); the next two opens fail; then it is back.
        let (outcome, events) = try await play(prepared) { clock in
            switch opens.increment() {
            case 1:
                return VirtualOutput(clock: clock, goneAfter: 72_000)
            case 2, 3:
                throw Unplugged()
            default:
                let output = VirtualOutput(clock: clock, keepSamples: true)
                outputs.add(output)
                return output
            }
        }
        #expect(outcome == .finished)
        #expect(opens.value == 4)
        let sentence = try #require(prepared.timeline.sounds.first { $0.bus == .voice })
        let lost = try #require(events.first { if case .deviceLost = $0.kind { true } else { false } })
        if case .deviceLost(let reason) = lost.kind { #expect(reason.contains("device")) }
        let back = try #require(events.first { $0.kind == .reconnected })
        #expect(back.frame == sentence.start)
        // Three attempts a second apart: back three seconds (of the clock) after the loss.
        let waited = back.time.timeIntervalSince(lost.time)
        #expect(waited >= 2.9 && waited < 3.5, "\(waited) s")
        // The sentence's narration is announced again after the reconnection.
        #expect(
            events.filter { $0.kind == .narration(text: "Let your shoulders soften.", length: sentence.length) }.count
                == 2)
        let second = try #require(outputs.all.first)
        let expected = prepared.timeline.duration - sentence.start
        #expect(second.frames >= expected && second.frames < expected + second.periodFrames)
        #expect(second.samples[0] == 0)
        #expect(abs(second.samples[2 * 100]) < 0.01, "restart fades in")
    }

    @Test func aDeviceThatNeverReturnsEndsTheRunAtTheTimeout() async throws {
        let prepared = try fixture()
        var options = LivePlayer.Options()
        options.reconnectTimeout = 5
        let opens = Counter()
        struct Unplugged: Error {}
        let (outcome, events) = try await play(prepared, options: options) { clock in
            if opens.increment() == 1 { return VirtualOutput(clock: clock, goneAfter: 24_000) }
            throw Unplugged()
        }
        guard case .stopped(.deviceGone, let at) = outcome else {
            Issue.record("outcome \(outcome)")
            return
        }
        #expect(at <= 24_000)
        #expect(events.last?.kind == .stopped(.deviceGone))
        // One attempt a second for five seconds of the run's clock. (The virtual clock moves only
        // while a device plays, so a wait on any other clock would never reach the timeout.)
        #expect((5...6).contains(opens.value - 1), "\(opens.value - 1) attempts")
        let lost = try #require(events.first { if case .deviceLost = $0.kind { true } else { false } })
        let gone = try #require(events.last)
        #expect(
            (5.0...5.5).contains(gone.time.timeIntervalSince(lost.time)),
            "gave up \(gone.time.timeIntervalSince(lost.time)) s after")
    }

    @Test func aStopWhileTheDeviceIsLostEndsTheRunAtOnce() async throws {
        let prepared = try fixture()
        let opens = Counter()
        struct Unplugged: Error {}
        let (outcome, events) = try await play(prepared) { clock in
            if opens.increment() == 1 { return VirtualOutput(clock: clock, goneAfter: 24_000) }
            throw Unplugged()
        } react: { event, run, _ in
            if case .deviceLost = event.kind { run.send(.stop(.signal)) }
        }
        guard case .stopped(.signal, _) = outcome else {
            Issue.record("outcome \(outcome)")
            return
        }
        #expect(opens.value <= 2, "gave up trying at the stop")
        #expect(events.last?.kind == .stopped(.signal))
    }

    @Test func everySubscriberHearsEveryEventAndAStatusTellsWhereTheRunIs() async throws {
        let prepared = try fixture()
        let clock = VirtualClock()
        let run = SessionRun(prepared: prepared, clock: clock) { VirtualOutput(clock: clock) }
        let first = run.events()
        let second = run.events()
        let collect = { (stream: AsyncStream<SessionEvent>) in Task { await stream.reduce(into: []) { $0.append($1) } }
        }
        let (one, two) = (collect(first), collect(second))
        try run.start()
        #expect(run.status.position >= 0 && !run.status.ended)
        _ = await run.run()
        let (a, b) = (await one.value, await two.value)
        #expect(a == b && a == run.history && !a.isEmpty)
        #expect(run.status.ended)
        #expect(run.status.position >= prepared.timeline.duration)
        // After the end: a new subscriber's sequence ends at once; commands are ignored.
        var late = 0
        for await _ in run.events() { late += 1 }
        #expect(late == 0)
        run.send(.pause)
        #expect(!run.status.paused)
        #expect(run.stats.renderTimes.periods > 0)
    }

    /// However long a run, its history holds only the newest events (a clinic's run of hours
    /// keeps a bounded amount in memory); an observer still sees every one.
    @Test func theHistoryKeepsTheNewestEventsUpToItsLimit() async throws {
        let prepared = try fixture()
        let clock = VirtualClock()
        let run = SessionRun(prepared: prepared, clock: clock, startDate: Self.startDate, historyLimit: 3) {
            VirtualOutput(clock: clock)
        }
        let log = Log()
        run.observe { log.add($0) }
        try run.start()
        _ = await run.run()
        let all = log.events
        #expect(all.count > 10)
        #expect(run.history == Array(all.suffix(3)))
        #expect(run.history.last?.kind == .finished)
    }
}

/// A thread-safe counter for output factories.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    /// Adds one; returns the new count.
    func increment() -> Int {
        lock.withLock {
            count += 1; return count
        }
    }
    var value: Int { lock.withLock { count } }
}

/// The outputs a run opened, in order.
final class Outputs: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [VirtualOutput] = []
    func add(_ output: VirtualOutput) { lock.withLock { list.append(output) } }
    var all: [VirtualOutput] { lock.withLock { list } }
}
