import AllocationCounter
import Foundation
import Testing

@testable import Mixer

/// Renders `frames` frames of `mixer` in blocks of `block`, returning left and right.
func renderAll(_ mixer: Mixer, frames: Int, block: Int = 256) -> (left: [Float], right: [Float]) {
    var left = [Float](repeating: 0, count: frames)
    var right = [Float](repeating: 0, count: frames)
    var done = 0
    left.withUnsafeMutableBufferPointer { l in
        right.withUnsafeMutableBufferPointer { r in
            while done < frames {
                let n = min(block, frames - done)
                mixer.render(left: l.baseAddress! + done, right: r.baseAddress! + done, frames: n)
                done += n
            }
        }
    }
    return (left, right)
}

func rms(_ x: ArraySlice<Float>) -> Float {
    guard !x.isEmpty else { return 0 }
    return (x.reduce(0) { $0 + $1 * $1 } / Float(x.count)).squareRoot()
}

func maxStep(_ x: [Float]) -> Float {
    zip(x.dropFirst(), x).map { abs($0 - $1) }.max() ?? 0
}

@Suite struct MixerTests {
    let rate = 48_000

    @Test func voiceStartsOnItsFrameAndEndsOnItsLastFrame() {
        let start = 12_345
        let length = 24_000
        let schedule = Schedule(
            length: 60_000,
            voices: [VoiceEvent(start: start, length: length, source: .generator(.bell(pitch: 660)), bus: .cues)])
        let out = renderAll(Mixer(schedule: schedule, sampleRate: rate), frames: 60_000, block: 97)
        #expect(out.left[..<start].allSatisfy { $0 == 0 })
        #expect(out.left[start] == 0)  // fades from exactly zero
        let firstSound = out.left.firstIndex { abs($0) > 1e-7 }
        #expect(firstSound == start + 1)
        #expect(out.left[(start + length)...].allSatisfy { $0 == 0 })
        #expect(rms(out.left[start..<(start + 4_800)]) > 0.05)
    }

    @Test func startsAndStopsAreRampedNotStepped() {
        // A loud low tone cut off mid-cycle would click; the 5 ms minimum ramp must prevent it.
        let schedule = Schedule(
            length: 20_000,
            voices: [
                VoiceEvent(start: 1_000, length: 9_000, source: .generator(.tone(pitch: 220)), bus: .cues, gain: 0.9)
            ])
        let out = renderAll(Mixer(schedule: schedule, sampleRate: rate), frames: 20_000)
        let peak = out.left.map(abs).max() ?? 0
        #expect(peak > 0.4)
        // No sample-to-sample change at the start or stop may exceed the tone's own steepest slope
        // in its steady middle; a click would jump by a large fraction of the peak.
        let steady = maxStep(Array(out.left[3_000..<8_000]))
        #expect(maxStep(out.left) <= steady * 1.02)
    }

    @Test func streamVoicesReadTheirOwnFramesBackToBack() {
        let ring = RingBuffer(capacity: 8_192, channels: 2)
        // Two clips on one slot: the first all 0.25, the second all -0.5.
        let first = [Float](repeating: 0.25, count: 2 * 3_000)
        let second = [Float](repeating: -0.5, count: 2 * 2_000)
        first.withUnsafeBufferPointer { _ = ring.write($0.baseAddress!, frames: 3_000) }
        second.withUnsafeBufferPointer { _ = ring.write($0.baseAddress!, frames: 2_000) }
        let schedule = Schedule(
            length: 10_000,
            voices: [
                VoiceEvent(start: 1_000, length: 3_000, source: .stream(slot: 0), bus: .voice),
                VoiceEvent(start: 6_000, length: 2_000, source: .stream(slot: 0), bus: .voice),
            ])
        let out = renderAll(Mixer(schedule: schedule, sampleRate: rate, streams: [ring]), frames: 10_000, block: 64)
        #expect(out.left[2_000] == 0.25)
        #expect(out.right[3_000] == 0.25)
        #expect(out.left[7_000] == -0.5)
        #expect(out.left[4_000..<6_000].allSatisfy { $0 == 0 })
        #expect(ring.availableToRead == 0)
    }

    @Test func underrunPlaysSilenceAndKeepsLaterVoicesAligned() {
        let ring = RingBuffer(capacity: 8_192, channels: 2)
        let schedule = Schedule(
            length: 8_000,
            voices: [
                VoiceEvent(start: 0, length: 1_000, source: .stream(slot: 0), bus: .voice),
                VoiceEvent(start: 4_000, length: 1_000, source: .stream(slot: 0), bus: .voice),
            ])
        let mixer = Mixer(schedule: schedule, sampleRate: rate, streams: [ring])
        let silent = renderAll(mixer, frames: 2_000)  // the loader was late: nothing for the first clip
        #expect(silent.left.allSatisfy { $0 == 0 })
        #expect(mixer.underruns == 1_000)
        // The loader catches up and writes both clips; the second must sound, not the first's leftovers.
        let late = [Float](repeating: 0.9, count: 2 * 1_000)
        let onTime = [Float](repeating: 0.3, count: 2 * 1_000)
        late.withUnsafeBufferPointer { _ = ring.write($0.baseAddress!, frames: 1_000) }
        onTime.withUnsafeBufferPointer { _ = ring.write($0.baseAddress!, frames: 1_000) }
        let rest = renderAll(mixer, frames: 6_000)
        #expect(rest.left[2_500] == 0.3)
        #expect(!rest.left.contains(0.9))
    }

    @Test func pauseFadesHoldsPositionAndResumes() {
        let schedule = Schedule(
            length: 96_000,
            voices: [VoiceEvent(start: 0, length: 96_000, source: .generator(.drone(root: 110)), bus: .music)])
        let mixer = Mixer(schedule: schedule, sampleRate: rate)
        let playing = renderAll(mixer, frames: 10_000)
        mixer.commands.push(.pause(fadeFrames: 2_400))
        let fading = renderAll(mixer, frames: 4_800)
        #expect(mixer.isPaused)
        // Paused at the end of the block in which the fade finished.
        let held = mixer.position
        #expect(held == 10_000 + 2_560)
        let silence = renderAll(mixer, frames: 4_800)
        #expect(silence.left.allSatisfy { $0 == 0 })
        #expect(mixer.position == held)
        let steady = maxStep(Array(playing.left[5_000...]))
        #expect(maxStep(fading.left) <= steady * 1.02)
        mixer.commands.push(.resume(fadeFrames: 2_400))
        let resumed = renderAll(mixer, frames: 4_800)
        #expect(!mixer.isPaused)
        #expect(rms(resumed.left[2_400...]) > 0.01)
        #expect(maxStep(resumed.left) <= steady * 1.02)
    }

    @Test func stopFadesAndFinishes() {
        let schedule = Schedule(
            length: 480_000,
            voices: [VoiceEvent(start: 0, length: 480_000, source: .generator(.ocean), bus: .music)])
        let mixer = Mixer(schedule: schedule, sampleRate: rate)
        _ = renderAll(mixer, frames: 4_800)
        mixer.commands.push(.stop(fadeFrames: 4_800))
        let tail = renderAll(mixer, frames: 9_600)
        #expect(mixer.isFinished)
        // The fade, then the limiter's short lookahead tail, then silence.
        #expect(tail.left[(4_800 + 512)...].allSatisfy { $0 == 0 })
    }

    @Test func generatorsAreDeterministic() {
        let schedule = Schedule(
            length: 48_000,
            voices: [
                VoiceEvent(start: 0, length: 48_000, source: .generator(.ocean), bus: .music),
                VoiceEvent(
                    start: 100, length: 30_000, source: .generator(.swell(inhale: 10_000, hold: 0, exhale: 20_000)),
                    bus: .cues),
            ])
        let a = renderAll(Mixer(schedule: schedule, sampleRate: rate), frames: 48_000, block: 64)
        let b = renderAll(Mixer(schedule: schedule, sampleRate: rate), frames: 48_000, block: 1_000)
        // Compared as one Bool: printing two 48 000-sample arrays on failure would take minutes.
        let same = a.left == b.left && a.right == b.right
        #expect(same, "rendering in 64- and 1000-frame blocks must give identical samples")
    }

    @Test(.enabled(if: respite_allocation_counting_available() != 0, "a sanitizer owns malloc"))
    func renderAllocatesNothing() {
        // 32 voices of every kind, streams included, rendered in 64-frame periods for 20 seconds.
        let ring = RingBuffer(capacity: 1 << 20, channels: 2)
        let clip = [Float](repeating: 0.1, count: 2 * 500_000)
        clip.withUnsafeBufferPointer { _ = ring.write($0.baseAddress!, frames: 500_000) }
        let kinds: [Generator] = [
            .bell(pitch: 660), .chime(pitch: 1_046), .bowl(pitch: 196), .tone(pitch: 330),
            .swell(inhale: 192_000, hold: 0, exhale: 288_000), .drone(root: 110), .ocean,
        ]
        var voices = (0..<31).map { i in
            VoiceEvent(start: i * 1_000, length: 900_000, source: .generator(kinds[i % kinds.count]), bus: .cues)
        }
        voices.append(VoiceEvent(start: 0, length: 500_000, source: .stream(slot: 0), bus: .voice))
        let mixer = Mixer(schedule: Schedule(length: 960_000, voices: voices), sampleRate: rate)
        let left = UnsafeMutablePointer<Float>.allocate(capacity: 64)
        let right = UnsafeMutablePointer<Float>.allocate(capacity: 64)
        defer { left.deallocate(); right.deallocate() }
        mixer.commands.push(.setMasterGain(linear: 0.5, frames: 4_800))
        var allocations: [Int: Int64] = [:]
        allocations.reserveCapacity(1_000)
        for period in 0..<15_000 {
            if period == 5_000 { mixer.commands.push(.pause(fadeFrames: 2_400)) }
            if period == 6_000 { mixer.commands.push(.resume(fadeFrames: 2_400)) }
            if period == 7_000 {
                mixer.commands.push(.setTrimRamp(TrimRamp(start: 500_000, length: 48_000, target: 0.7)))
            }
            respite_allocation_counting_begin()
            mixer.render(left: left, right: right, frames: 64)
            let count = respite_allocation_counting_end()
            if count > 0 && allocations.count < 1_000 { allocations[period] = count }
        }
        #expect(allocations.isEmpty, "periods that allocated: \(allocations.sorted { $0.key < $1.key }.prefix(20))")
        #expect(mixer.droppedVoices == 0)
        // The counter itself works: an array allocation on this thread is seen.
        respite_allocation_counting_begin()
        let probe = [Int](repeating: 1, count: Int.random(in: 100...200))
        #expect(respite_allocation_counting_end() >= 1)
        #expect(probe.count >= 100)
    }
}

@Suite struct GeneratorLevelTests {
    /// Every built-in sound peaks in a calm, predictable range at 0 dB gain, so a session's gain
    /// values mean the same thing for each of them and nothing is startlingly loud.
    @Test(arguments: [
        Generator.bell(pitch: 587), .chime(pitch: 1_175), .bowl(pitch: 196), .tone(pitch: 392),
        .swell(inhale: 192_000, hold: 0, exhale: 288_000), .drone(root: 98), .ocean, .rain,
    ])
    func peaksBetweenMinus12AndMinus3dBFS(_ generator: Generator) {
        let frames = 48_000 * 10
        let schedule = Schedule(
            length: frames,
            voices: [VoiceEvent(start: 0, length: frames, source: .generator(generator), bus: .cues, gain: 0.05)])
        let out = renderAll(Mixer(schedule: schedule, sampleRate: 48_000), frames: frames)
        let peak = max(out.left.map(abs).max() ?? 0, out.right.map(abs).max() ?? 0)
        let peakDB = 20 * log10(Double(peak) / 0.05)
        #expect(peakDB > -12 && peakDB < -3, "\(generator) peaks at \(peakDB) dBFS")
    }
}

@Suite struct InterleavedRenderTests {
    @Test func interleavedEqualsPlanar() {
        let schedule = Schedule(
            length: 20_000,
            voices: [
                VoiceEvent(start: 0, length: 20_000, source: .generator(.drone(root: 98)), bus: .music, gain: 0.5),
                VoiceEvent(start: 3_000, length: 9_000, source: .generator(.chime(pitch: 1_175)), bus: .cues),
            ])
        let planar = renderAll(Mixer(schedule: schedule, sampleRate: 48_000), frames: 20_000)
        var interleaved = [Float](repeating: 0, count: 40_000)
        let mixer = Mixer(schedule: schedule, sampleRate: 48_000)
        interleaved.withUnsafeMutableBufferPointer { mixer.render(interleavedInto: $0.baseAddress!, frames: 20_000) }
        var same = true
        for n in 0..<20_000 where interleaved[2 * n] != planar.left[n] || interleaved[2 * n + 1] != planar.right[n] {
            same = false
        }
        #expect(same)
    }
}

@Suite struct SampleBufferVoiceTests {
    @Test func bufferVoicePlaysItsSamplesFromItsFrameThenSilence() {
        var samples: [Float] = []
        for n in 0..<1_000 { samples += [Float(n) / 2_000, -Float(n) / 2_000] }
        let buffer = SampleBuffer(interleavedStereo: samples)
        // The voice is longer than the buffer: the rest is silence, and a fade never touches the middle.
        let schedule = Schedule(
            length: 5_000,
            voices: [
                VoiceEvent(start: 700, length: 1_500, source: .buffer(index: 0), bus: .cues, fadeIn: 0, fadeOut: 0)
            ])
        let out = renderAll(Mixer(schedule: schedule, sampleRate: 48_000, buffers: [buffer]), frames: 5_000, block: 128)
        #expect(out.left[..<700].allSatisfy { $0 == 0 })
        #expect(out.left[700 + 500] == 500.0 / 2_000)
        #expect(out.right[700 + 500] == -500.0 / 2_000)
        #expect(out.left[(700 + 1_000)...].allSatisfy { $0 == 0 })
    }
}

@Suite struct DuckingTests {
    let rate = 48_000

    /// Music level (voice muted in the output, still heard by the ducker) around a stretch of voice.
    @Test func musicGoesDownAheadOfTheVoiceStaysDownAndComesBackAfterIt() {
        let voiceStart = 3 * rate
        let voiceEnd = 5 * rate
        let ducking = Ducking(
            depth: 0.25, attack: rate * 3 / 10, hold: rate * 6 / 10, release: rate * 8 / 10,
            windows: [(voiceStart - rate * 3 / 10)..<voiceStart])
        let schedule = Schedule(
            length: 9 * rate,
            voices: [
                VoiceEvent(start: 0, length: 9 * rate, source: .generator(.tone(pitch: 200)), bus: .music),
                VoiceEvent(
                    start: voiceStart, length: voiceEnd - voiceStart, source: .generator(.tone(pitch: 300)), bus: .voice
                ),
            ],
            ducking: ducking)
        let out = renderAll(
            Mixer(schedule: schedule, sampleRate: rate, mutedBuses: [.voice]), frames: 9 * rate, block: 100)
        func level(_ from: Double, _ to: Double) -> Double {
            20 * log10(Double(rms(out.left[Int(from * Double(rate))..<Int(to * Double(rate))])))
        }
        let open = level(1, 2.5)
        #expect(abs(level(3.05, 4.95) - (open - 12.04)) < 0.3, "down by the depth while the voice sounds")
        #expect(level(2.95, 3.0) < open - 9, "already down when the voice starts")
        #expect(abs(level(5.1, 5.55) - (open - 12.04)) < 0.5, "held through a short gap after the voice")
        #expect(abs(level(6.5, 8.5) - open) < 0.2, "back up within 1.5 s of the voice's end")
        // The gain moves in ramps: no step in the music larger than its own steepest slope.
        let steady = maxStep(Array(out.left[rate..<(2 * rate)]))
        #expect(maxStep(out.left) <= steady * 1.02)
    }

    @Test func duckingDoesNotDependOnBlockSize() {
        let ducking = Ducking(depth: 0.3, attack: 9_000, hold: 20_000, release: 30_000, windows: [40_000..<49_000])
        let schedule = Schedule(
            length: 200_000,
            voices: [
                VoiceEvent(start: 0, length: 200_000, source: .generator(.ocean), bus: .music),
                VoiceEvent(start: 49_000, length: 60_000, source: .generator(.chime(pitch: 1_175)), bus: .voice),
            ],
            ducking: ducking, fadeIn: 48_000)
        let a = renderAll(Mixer(schedule: schedule, sampleRate: rate), frames: 200_000, block: 64)
        let b = renderAll(Mixer(schedule: schedule, sampleRate: rate), frames: 200_000, block: 1_000)
        let same = a.left == b.left && a.right == b.right
        #expect(same)
    }

    @Test func theSessionFadesInFromSilence() {
        let schedule = Schedule(
            length: 4 * rate,
            voices: [
                VoiceEvent(start: 0, length: 4 * rate, source: .generator(.tone(pitch: 200)), bus: .music, fadeIn: 0)
            ],
            fadeIn: 2 * rate)
        let out = renderAll(Mixer(schedule: schedule, sampleRate: rate), frames: 4 * rate)
        let early = rms(out.left[0..<(rate / 10)])
        let middle = rms(out.left[(rate - rate / 20)..<(rate + rate / 20)])
        let full = rms(out.left[(3 * rate)..<(4 * rate - rate / 10)])
        #expect(early < full * 0.1)
        #expect(abs(middle / full - 0.5) < 0.05)
    }
}
