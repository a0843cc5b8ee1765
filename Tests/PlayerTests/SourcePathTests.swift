import AudioIO
import Foundation
import Player
import SessionKit
import Testing

/// The preparer resolves every file again just before opening it: a link planted after the session was
/// checked (between `validate` and `render`, or while a clinic machine waits) cannot lead out of its folder.
@Suite struct SourcePathTests {
    @Test func aLinkSwappedInAfterLoadingIsRefusedWhenOpened() throws {
        let fixture = try Fixture()
        let outside = fixture.folder + ".outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        let writer = try AudioFileWriter(
            path: fixture.folder + "/cue.wav", sampleRate: 48_000, channels: 1, format: .wav(.pcm16))
        let tone = (0..<4_800).map { Float(sin(Double($0) * 0.05)) * 0.3 }
        try tone.withUnsafeBufferPointer { try writer.write(interleaved: $0.baseAddress!, frames: $0.count) }
        try writer.close()
        try FileManager.default.copyItem(atPath: fixture.folder + "/cue.wav", toPath: outside + "/secret.wav")
        let session = try fixture.session(
            #""steps": [ { "type": "silence", "seconds": 1, "cues": [ { "at": 0, "sound": "cue.wav" } ] } ]"#)
        _ = try fixture.prepare(session, normalised: false)

        try FileManager.default.removeItem(atPath: fixture.folder + "/cue.wav")
        symlink(outside + "/secret.wav", fixture.folder + "/cue.wav")
        #expect {
            try fixture.prepare(session, normalised: false)
        } throws: { error in
            guard let error = error as? SourceError, let cause = error.underlying as? InputFileError else {
                return false
            }
            return cause.kind == .outsideRoot && error.place?.path == "steps[0]" && (error.place?.line ?? 0) > 1
        }
    }
}
