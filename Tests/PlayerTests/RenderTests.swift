import AudioIO
import Foundation
import Mixer
import SessionKit
import Testing

@testable import Player

@Suite struct RenderTests {
    @Test func narrationIsRenderedAtTheClipsOwnLevel() throws {
        let fixture = try Fixture()
        let session = try fixture.session(#""steps": [{ "type": "narration", "text": "Breathe in slowly, and let your shoulders soften.", "pause": 1 }]"#)
        let prepared = try fixture.prepare(session)
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
        #expect(abs(decibels(renderedPeak) - decibels(clipPeak)) < 0.5, "clip peak \(decibels(clipPeak)) dB, rendered \(decibels(renderedPeak)) dB")
    }
}
