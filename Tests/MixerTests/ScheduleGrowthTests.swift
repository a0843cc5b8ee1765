import AllocationCounter
import Foundation
import Testing

@testable import Mixer

/// A schedule that grows while it plays sounds exactly as the complete one: the voices it gets
/// in batches, the ducking windows, the in-memory sounds, and the ends only the last batch decides.
@Suite struct ScheduleGrowthTests {
    let rate = 48_000

    /// A complete schedule of 20 s: an ocean bed under everything that the end fades out (its
    /// noise seeded by its place, so a voice out of place would change it), bells, chimes, a
    /// tone cut short by the end, buffer cues, voice-bus tones under ducking windows.
    struct Material {
        let complete: Schedule
        let buffers: [SampleBuffer]
        /// The bed, as scheduled before the end is known: open-ended.
        let openBed: VoiceEvent
        /// The tone the end cuts short, as scheduled before the end is known.
        let uncut: VoiceEvent
    }

    func material() -> Material {
        let length = 20 * rate
        let bed = VoiceEvent(
            start: 0, length: length, source: .generator(.ocean), bus: .music, gain: 0.5, fadeIn: rate,
            fadeOut: 3 * rate)
        var voices: [VoiceEvent] = [bed]
        var windows: [Range<Int>] = []
        for second in stride(from: 1, to: 19, by: 3) {
            let start = second * rate
            voices.append(VoiceEvent(start: start, length: rate, source: .generator(.bell(pitch: 587)), bus: .cues))
            voices.append(
                VoiceEvent(start: start, length: rate / 2, source: .buffer(index: (second / 3) % 2), bus: .cues))
            let speech = start + rate / 2
            voices.append(
                VoiceEvent(start: speech, length: rate + rate / 3, source: .generator(.tone(pitch: 220)), bus: .voice))
            windows.append((speech - rate * 3 / 10)..<speech)
        }
        // A tone that runs past the end in the layout, cut with a fade by the end.
        let uncut = VoiceEvent(start: 17 * rate, length: 6 * rate, source: .generator(.tone(pitch: 330)), bus: .cues)
        var cut = uncut
        cut.length = length - uncut.start
        cut.fadeOut = rate / 2
        voices.append(cut)
        let ducking = Ducking(
            depth: 0.3, attack: rate * 3 / 10, hold: rate * 6 / 10, release: rate * 8 / 10, windows: windows)
        let buffers = (0..<2).map { k in
            SampleBuffer(
                interleavedStereo: (0..<(rate / 2)).flatMap { n in
                    let x = Float(sin(Double(n) * 0.05 * Double(k + 1))) * 0.2
                    return [x, -x]
                })
        }
        var open = bed
        open.length = Int.max / 4
        return Material(
            complete: Schedule(length: length, voices: voices, ducking: ducking, fadeIn: rate),
            buffers: buffers, openBed: open, uncut: uncut)
    }

    /// The complete schedule's voices (open-ended where the end decides), windows and buffers
    /// that start before `horizon` and at or after `from`.
    func batch(_ material: Material, from: Int, to horizon: Int) -> (voices: [VoiceEvent], windows: [Range<Int>]) {
        let voices = material.complete.voices.filter { $0.start >= from && $0.start < horizon }.map { voice in
            if voice.start == 0 && voice.bus == .music { return material.openBed }
            if voice.start == material.uncut.start && voice.bus == .cues && voice.source == material.uncut.source {
                return material.uncut
            }
            return voice
        }
        let windows = material.complete.ducking!.windows.filter { $0.upperBound > from && $0.upperBound <= horizon }
        return (voices, windows)
    }

    /// Plays the material growing at `horizons` (each batch given `lead` frames before the
    /// playhead reaches the last horizon), completes it, renders `frames` in 480-frame periods.
    func grown(_ material: Material, horizons: [Int], lead: Int, frames: Int) -> (left: [Float], mixer: Mixer) {
        let first = batch(material, from: 0, to: horizons[0])
        let opening = Schedule(
            length: 0, voices: first.voices,
            ducking: Ducking(
                depth: 0.3, attack: rate * 3 / 10, hold: rate * 6 / 10, release: rate * 8 / 10, windows: first.windows),
            fadeIn: rate)
        // The in-memory sounds are handed over with the first batch that uses them.
        func buffers(for voices: [VoiceEvent], given: Int) -> [SampleBuffer] {
            let needed =
                voices.compactMap { if case .buffer(let index) = $0.source { index + 1 } else { nil } }.max() ?? 0
            return needed > given ? Array(material.buffers[given..<needed]) : []
        }
        var given = buffers(for: first.voices, given: 0).count
        let mixer = Mixer(
            schedule: opening, sampleRate: rate, buffers: Array(material.buffers[..<given]),
            growth: ScheduleGrowth(voices: 64, windows: 16, buffers: 4, horizon: horizons[0]))
        var pending = Array(horizons.dropFirst()) + [Int.max]
        var reached = horizons[0]
        var left = [Float](repeating: 0, count: frames)
        var right = [Float](repeating: 0, count: frames)
        var done = 0
        while done < frames {
            if let next = pending.first, mixer.position + lead >= reached {
                pending.removeFirst()
                if next == .max {
                    // The last batch reaches the end, and the end decides the bed's and the cut tone's.
                    let rest = batch(material, from: reached, to: material.complete.length)
                    let added = buffers(for: rest.voices, given: given)
                    given += added.count
                    #expect(
                        mixer.grow(
                            voices: rest.voices, windows: rest.windows, buffers: added,
                            horizon: material.complete.length))
                    let bedIndex = 0
                    let cutIndex = material.complete.voices.firstIndex {
                        $0.start == material.uncut.start && $0.bus == .cues && $0.source == material.uncut.source
                    }!
                    let cut = material.complete.voices[cutIndex]
                    #expect(
                        mixer.complete(
                            length: material.complete.length,
                            ends: [
                                (bedIndex, material.complete.length, material.complete.voices[0].fadeOut),
                                (cutIndex, cut.length, cut.fadeOut),
                            ]))
                    reached = .max
                } else {
                    let more = batch(material, from: reached, to: next)
                    let added = buffers(for: more.voices, given: given)
                    given += added.count
                    #expect(mixer.grow(voices: more.voices, windows: more.windows, buffers: added, horizon: next))
                    reached = next
                }
            }
            let n = min(480, frames - done)
            left.withUnsafeMutableBufferPointer { l in
                right.withUnsafeMutableBufferPointer { r in
                    mixer.render(left: l.baseAddress! + done, right: r.baseAddress! + done, frames: n)
                }
            }
            done += n
        }
        return (left, mixer)
    }

    @Test(arguments: [
        [3 * 48_000, 7 * 48_000, 8 * 48_000, 15 * 48_000],
        [2 * 48_000, 19 * 48_000],
        [5 * 48_000],
    ])
    func aScheduleGrownInBatchesSoundsAsTheCompleteOne(_ horizons: [Int]) {
        let material = material()
        let complete = Mixer(schedule: material.complete, sampleRate: rate, buffers: material.buffers)
        let expected = renderAll(complete, frames: material.complete.length + rate, block: 480).left
        let (left, mixer) = grown(material, horizons: horizons, lead: 3 * rate, frames: material.complete.length + rate)
        #expect(mixer.holds == 0)
        #expect(mixer.isFinished)
        let firstDifference = zip(left, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(firstDifference == nil, "first sample that differs: \(String(describing: firstDifference))")
        #expect(left[(material.complete.length + 10)...].allSatisfy { $0 == 0 }, "silence after the end")
    }

    /// A growing mixer with the material's voices and windows before `horizon`, all its
    /// in-memory sounds, and room for the rest.
    func opening(_ material: Material, to horizon: Int) -> Mixer {
        let first = batch(material, from: 0, to: horizon)
        return Mixer(
            schedule: Schedule(
                length: 0, voices: first.voices,
                ducking: Ducking(depth: 0.3, attack: 14_400, hold: 28_800, release: 38_400, windows: first.windows),
                fadeIn: rate),
            sampleRate: rate, buffers: material.buffers,
            growth: ScheduleGrowth(voices: 64, windows: 16, buffers: 4, horizon: horizon))
    }

    /// A batch that comes too late: the mix fades out before the horizon and holds there, never
    /// mixing past it; it fades back in once the schedule has grown, and plays what came next
    /// from its first frame.
    @Test func aLateBatchHoldsTheMixGentlyAtTheHorizon() {
        let material = material()
        let horizon = 5 * rate
        // The second batch comes at 15 s of output, long after the mix reached the horizon.
        let mixer = opening(material, to: horizon)
        var out: [Float] = []
        let block = UnsafeMutablePointer<Float>.allocate(capacity: 480)
        let other = UnsafeMutablePointer<Float>.allocate(capacity: 480)
        defer { block.deallocate(); other.deallocate() }
        for period in 0..<(40 * 100) {
            if period == 1_500 {
                let more = batch(material, from: horizon, to: 12 * rate)
                #expect(mixer.grow(voices: more.voices, windows: more.windows, buffers: [], horizon: 12 * rate))
            }
            mixer.render(left: block, right: other, frames: 480)
            out += UnsafeBufferPointer(start: block, count: 480)
            #expect(mixer.position <= (period >= 1_500 ? 12 * rate : horizon), "never past the horizon")
        }
        #expect(mixer.holds == 2, "held before the first horizon, and again before the second")
        // Held: the output was silent for most of the wait.
        let silentRun = out.split { $0 != 0 }.map(\.count).max() ?? 0
        #expect(silentRun >= 8 * rate, "held in silence: \(silentRun) frames")
        // Gentle: the fades out and back in make no step larger than the material's own steepest.
        let complete = renderAll(
            Mixer(schedule: material.complete, sampleRate: rate, buffers: material.buffers), frames: 12 * rate,
            block: 480
        ).left
        #expect(
            maxStep(out) <= maxStep(complete) * 1.05, "largest step \(maxStep(out)), material's \(maxStep(complete))")
        // Played on after the first hold.
        let resumed = 1_500 * 480
        #expect(rms(out[(resumed + rate)..<(resumed + 5 * rate)]) > 0.01)
        #expect(!mixer.isFinished && mixer.position > horizon && mixer.position <= 12 * rate)
    }

    /// A pause while held, or a seek to the horizon itself ("next" at the last step laid out),
    /// never moves the mix past the horizon: the voices that come next start on their frames.
    @Test(arguments: ["pause", "seek"])
    func nothingMovesTheMixPastTheHorizon(_ move: String) {
        let material = material()
        let horizon = 5 * rate
        let mixer = opening(material, to: horizon)
        let left = UnsafeMutablePointer<Float>.allocate(capacity: 480)
        let right = UnsafeMutablePointer<Float>.allocate(capacity: 480)
        defer { left.deallocate(); right.deallocate() }
        var afterMove: [Float] = []
        for period in 0..<1_500 {
            if period == 700 {
                if move == "pause" {
                    mixer.commands.push(.pause(fadeFrames: 19_200))
                } else {
                    mixer.commands.push(.seek(frame: horizon))
                    mixer.commands.push(.fadeIn(frames: 7_200))
                }
            }
            mixer.render(left: left, right: right, frames: 480)
            if period >= 700 { afterMove += UnsafeBufferPointer(start: left, count: 480) }
            #expect(mixer.position <= horizon, "period \(period): \(mixer.position)")
        }
        #expect(mixer.holds >= 1)
        #expect(afterMove.allSatisfy { abs($0) < 1e-3 }, "silent while it waits")
        // Grown: what comes next starts on its own frame, as in the complete schedule.
        let more = batch(material, from: horizon, to: 12 * rate)
        #expect(mixer.grow(voices: more.voices, windows: more.windows, buffers: [], horizon: 12 * rate))
        if move == "pause" { mixer.commands.push(.resume(fadeFrames: 480)) }
        for _ in 0..<800 { mixer.render(left: left, right: right, frames: 480) }
        #expect(mixer.position > horizon && mixer.position <= 12 * rate)
    }

    @Test func aBatchOutOfOrderOrTooBigIsRefusedAndNothingIsAdded() {
        let material = material()
        let mixer = Mixer(
            schedule: Schedule(length: 0, voices: batch(material, from: 0, to: 5 * rate).voices), sampleRate: rate,
            growth: ScheduleGrowth(voices: 20, windows: 0, buffers: 0, horizon: 5 * rate))
        let tone = VoiceEvent(start: 6 * rate, length: rate, source: .generator(.tone(pitch: 300)), bus: .cues)
        var early = tone
        early.start = 4 * rate
        #expect(!mixer.grow(voices: [early], windows: [], buffers: [], horizon: 8 * rate), "starts before the horizon")
        #expect(!mixer.grow(voices: [tone], windows: [], buffers: [], horizon: 4 * rate), "a horizon going back")
        var late = tone
        late.start = 9 * rate
        #expect(!mixer.grow(voices: [tone], windows: [], buffers: [], horizon: 6 * rate), "starts at the new horizon")
        #expect(!mixer.grow(voices: [late, tone], windows: [], buffers: [], horizon: 10 * rate), "out of order")
        #expect(!mixer.grow(voices: Array(repeating: tone, count: 30), windows: [], buffers: [], horizon: 8 * rate))
        #expect(!mixer.grow(voices: [], windows: [1..<2], buffers: [], horizon: 8 * rate), "no ducking to add to")
        #expect(mixer.grow(voices: [tone, late], windows: [], buffers: [], horizon: 10 * rate))
        let complete = Mixer(schedule: material.complete, sampleRate: rate)
        #expect(!complete.grow(voices: [tone], windows: [], buffers: [], horizon: 30 * rate), "a complete schedule")
    }

    @Test(.enabled(if: respite_allocation_counting_available() != 0, "a sanitizer owns malloc"))
    func growingAndRenderingAllocateNothingOnTheAudioSide() {
        let material = material()
        let horizons = [2 * rate, 6 * rate, 11 * rate, 16 * rate]
        let first = batch(material, from: 0, to: horizons[0])
        let mixer = Mixer(
            schedule: Schedule(
                length: 0, voices: first.voices,
                ducking: Ducking(depth: 0.3, attack: 14_400, hold: 28_800, release: 38_400, windows: first.windows)),
            sampleRate: rate, buffers: material.buffers,
            growth: ScheduleGrowth(voices: 64, windows: 16, buffers: 4, horizon: horizons[0]))
        // Everything the control side hands over is made before counting starts.
        let batches = zip(horizons, horizons.dropFirst()).map { batch(material, from: $0, to: $1) }
        let left = UnsafeMutablePointer<Float>.allocate(capacity: 480)
        let right = UnsafeMutablePointer<Float>.allocate(capacity: 480)
        defer { left.deallocate(); right.deallocate() }
        var next = 0
        var completed = false
        let ends = [(voice: 0, length: material.complete.length, fadeOut: 3 * rate)]
        var allocations: [Int: Int64] = [:]
        allocations.reserveCapacity(100)
        for period in 0..<2_100 {
            if next < batches.count && mixer.position + 2 * rate >= horizons[next] {
                _ = mixer.grow(
                    voices: batches[next].voices, windows: batches[next].windows, buffers: [],
                    horizon: horizons[next + 1])
                next += 1
            } else if next == batches.count && !completed && mixer.position + 2 * rate >= horizons[next] {
                completed = mixer.complete(length: material.complete.length, ends: ends)
            }
            respite_allocation_counting_begin()
            mixer.render(left: left, right: right, frames: 480)
            let count = respite_allocation_counting_end()
            if count > 0 && allocations.count < 100 { allocations[period] = count }
        }
        #expect(allocations.isEmpty, "periods that allocated: \(allocations.sorted { $0.key < $1.key }.prefix(20))")
        #expect(mixer.isFinished && mixer.holds == 0)
    }
}
