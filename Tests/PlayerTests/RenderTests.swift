import AudioIO
import Foundation
import Mixer
import SessionKit
import Testing

@testable import Player

@Suite struct RenderTests {
    @Test func narrationIsRenderedAtTheClipsOwnLevel() throws {
        let fixture = try Fixture()
        let session = try fixture.session(
            #""steps": [{ "type": "narration", "text": "Breathe in slowly, and let your shoulders soften.", "pause": 1 }]"#
        )
        let prepared = try fixture.prepare(session, normalised: false)
        let rendered = leftChannel(OfflineRenderer.renderToMemory(prepared))
        #expect(rendered.count == prepared.timeline.duration)
        guard case .media(let media, _) = prepared.timeline.sounds[0].source, case .speech = media else {
            Issue.record("expected a speech clip first")
            return
        }
        let clipPath = prepared.jobs[0][0].path
        let clip = try AudioFileReader(path: clipPath).readAll()
        let clipPeak = clip.map(abs).max() ?? 0
        let renderedPeak = rendered.map(abs).max() ?? 0
        #expect(
            abs(decibels(renderedPeak) - decibels(clipPeak)) < 0.5,
            "clip peak \(decibels(clipPeak)) dB, rendered \(decibels(renderedPeak)) dB")
    }
}

@Suite struct StreamingTests {
    @Test func theLoaderThreadDoesNotChangeASingleByte() throws {
        let fixture = try Fixture()
        let session = try SessionLoader(audioRoot: Fixture.audioRoot).load(
            contentsOf: Fixture.sessionsFolder + "/breathing-paced.json")
        let prepared = try fixture.prepare(session, rate: 22_050)
        let threaded = fixture.folder + "/threaded.wav"
        let inline = fixture.folder + "/inline.wav"
        try OfflineRenderer.render(prepared, to: threaded, format: .wav(.pcm24), loaderThread: true)
        try OfflineRenderer.render(prepared, to: inline, format: .wav(.pcm24), loaderThread: false)
        let a = try Data(contentsOf: URL(fileURLWithPath: threaded))
        let b = try Data(contentsOf: URL(fileURLWithPath: inline))
        #expect(a.count == 44 + 3 * 2 * prepared.timeline.duration)
        if a != b, let first = zip(a, b).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            Issue.record(
                "first difference at byte \(first), frame \((first - 44) / 8) of \(prepared.timeline.duration)")
        }
        #expect(a == b)
    }

    @Test func aShortCueFileIsHeldInMemoryAndStartsOnItsFrame() throws {
        let fixture = try Fixture()
        // A 0.5 s struck tone at 44.1 kHz, mono: the session resamples it to 48 kHz once.
        var ding = [Float](repeating: 0, count: 22_050)
        for n in ding.indices {
            ding[n] = 0.5 * sin(2 * .pi * 880 * Float(n) / 44_100) * exp(-Float(n) / 6_000)
        }
        let writer = try AudioFileWriter(
            path: fixture.folder + "/ding.wav", sampleRate: 44_100, channels: 1, format: .wav(.float32))
        try ding.withUnsafeBufferPointer { try writer.write(interleaved: $0.baseAddress!, frames: ding.count) }
        try writer.close()
        let session = try fixture.session(
            #""steps": [{ "type": "silence", "seconds": 5, "cues": [{ "at": 3, "sound": "ding.wav", "gain": 0 }] }]"#)
        let prepared = try fixture.prepare(session, normalised: false)
        #expect(prepared.buffers.count == 1)
        #expect(prepared.jobs.isEmpty)
        #expect(prepared.schedule.voices.map(\.source) == [.buffer(index: 0)])
        let left = leftChannel(OfflineRenderer.renderToMemory(prepared))
        // (After the session's 2 s fade-in, so the cue plays at its own level.)
        #expect(left[..<144_000].allSatisfy { $0 == 0 })
        #expect(left[144_000] == 0)
        #expect(left[144_001..<144_048].contains { $0 != 0 })
        // Resampled, the tone keeps its level: peak within 0.5 dB of the file's.
        let peak = left.map(abs).max() ?? 0
        #expect(abs(decibels(peak) - decibels(ding.map(abs).max() ?? 0)) < 0.5)
        // And it lasts as long as the file: 0.5 s, silent after.
        #expect(left[(144_000 + 24_000 + 10)...].allSatisfy { $0 == 0 })
    }
}
