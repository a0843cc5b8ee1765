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

    init(clock: VirtualClock, sampleRate: Int = 48_000, periodFrames: Int = 480, goneAfter: Int? = nil, keepSamples: Bool = false) {
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

/// The digest of the offline render of the whole session (the same hashing as ``VirtualOutput``).
func offlineDigest(_ prepared: PreparedSession) -> Int {
    let (mixer, streamer) = prepared.makeEngine()
    let total = prepared.timeline.duration
    var hasher = Hasher()
    let block = OfflineRenderer.blockFrames
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: block * 2)
    defer { buffer.deallocate() }
    var done = 0
    while done < total {
        let frames = min(block, total - done)
        streamer.waitUntilReady(frames: frames + mixer.lookahead)
        mixer.render(interleavedInto: buffer, frames: frames)
        hasher.combine(bytes: UnsafeRawBufferPointer(start: buffer, count: frames * 2 * MemoryLayout<Float>.size))
        done += frames
    }
    return hasher.finalize()
}

/// Collects a run's events while a script reacts to them.
actor EventLog {
    var events: [SessionEvent] = []
    func add(_ event: SessionEvent) { events.append(event) }
}

@Suite(.serialized) struct SessionRunTests {
    static let startDate = Date(timeIntervalSince1970: 1_800_000_000)

    /// The moments a run published, without the listener's and the device's events.
    func moments(_ events: [SessionEvent]) -> [SessionMoments.Moment] {
        events.compactMap { event in
            switch event.kind {
            case .stepStarted, .narration, .pmr, .breath, .cue: SessionMoments.Moment(frame: event.frame, kind: event.kind)
            default: nil
            }
        }
    }

    /// Plays `prepared` in virtual time to its end, letting `react` send commands as events come.
    func play(
        _ prepared: PreparedSession, options: LivePlayer.Options = .init(), from start: Int = 0,
        output makeOutput: @escaping (VirtualClock) throws -> VirtualOutput,
        react: @escaping @Sendable (SessionEvent, SessionRun, VirtualClock) async -> Void = { _, _, _ in }
    ) async throws -> (SessionRun.Outcome, [SessionEvent]) {
        let clock = VirtualClock()
        var engineForGate: LivePlayer?
        let run = SessionRun(prepared: prepared, options: options, clock: clock, startDate: Self.startDate) {
            let output = try makeOutput(clock)
            if let engine = engineForGate {
                let streamer = engine.streamer
                let frames = output.periodFrames + engine.mixer.lookahead
                output.gate = { streamer.waitUntilReady(frames: frames) }
            }
            return output
        }
        engineForGate = run.engine
        let log = EventLog()
        let stream = run.events()
        let listener = Task {
            for await event in stream {
                await log.add(event)
                await react(event, run, clock)
            }
        }
        try run.start(from: start)
        let outcome = await run.run()
        await listener.value
        return (outcome, await log.events)
    }

    @Test func everyBundledSessionPlaysToItsEndInVirtualTimeAsTheTimelineSaysAndAsRenderSounds() async throws {
        let fixture = try Fixture()
        let folder = Fixture.sessionsFolder
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.hasSuffix(".json") && !$0.hasSuffix(".schema.json") }.sorted()
        #expect(files.count >= 3)
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
            let (outcome, events) = try await play(prepared) { clock in
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
            // Wall-clock times follow the frames (within a tick and a period of rendering).
            let rate = Double(prepared.timeline.sampleRate)
            let worstSkew = events.map {
                abs($0.time.timeIntervalSince(Self.startDate) - Double($0.frame) / rate)
            }.max() ?? 0
            #expect(worstSkew < 0.1, "\(file): an event's time is \(worstSkew) s from its frame's")
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
}

/// The outputs a run opened, in order.
final class Outputs: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [VirtualOutput] = []
    func add(_ output: VirtualOutput) { lock.withLock { list.append(output) } }
    var all: [VirtualOutput] { lock.withLock { list } }
}
