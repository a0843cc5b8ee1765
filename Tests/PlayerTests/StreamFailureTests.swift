import AudioIO
import Foundation
import Mixer
import Testing

@testable import Player

/// A source that cannot be read to the end is recorded as a failure naming it, and its slot carries on with
/// silence for exactly the job's frames: live playback keeps going, and offline rendering has something to stop on.
@Suite struct StreamFailureTests {
    enum Damage: String, CaseIterable, CustomStringConvertible {
        case cutShort, cutShortLooped, garbage, garbageLooped, missing
        var description: String { rawValue }
        var loop: Bool { rawValue.hasSuffix("Looped") }
    }

    /// Four seconds of a 440 Hz tone as FLAC at 44.1 kHz, damaged as asked.
    func source(_ damage: Damage, in folder: String) throws -> (path: String, frames: Int) {
        let path = folder + "/tone.flac"
        let frames = 4 * 44_100
        let writer = try AudioFileWriter(path: path, sampleRate: 44_100, channels: 1, format: .flac(.pcm16))
        let samples = (0..<frames).map { Float(0.25 * sin(2 * Double.pi * 440 * Double($0) / 44_100)) }
        try samples.withUnsafeBufferPointer { try writer.write(interleaved: $0.baseAddress!, frames: frames) }
        try writer.close()
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        switch damage {
        case .cutShort, .cutShortLooped: bytes = bytes.prefix(bytes.count / 2)
        case .garbage, .garbageLooped:
            let middle = bytes.count / 2
            bytes.replaceSubrange(
                middle..<middle + 8_000, with: Data((0..<8_000).map { UInt8(truncatingIfNeeded: $0 &* 151 &+ 3) }))
        case .missing: try FileManager.default.removeItem(atPath: path)
        }
        if damage != .missing { try bytes.write(to: URL(fileURLWithPath: path)) }
        return (path, frames)
    }

    @Test(arguments: Damage.allCases)
    func aBrokenSourceIsRecordedAndItsSlotStaysInStep(_ damage: Damage) throws {
        let folder = NSTemporaryDirectory() + "respite-stream-failure-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (path, fileFrames) = try source(damage, in: folder)
        // Two passes when looping, so the loop meets the damage too.
        let frames = (damage.loop ? 2 : 1) * fileFrames * 48_000 / 44_100
        let streamer = MediaStreamer(
            jobs: [[StreamJob(path: path, frames: frames, loop: damage.loop)]], sampleRate: 48_000)
        var total = 0
        var loud = 0
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 8_192 * 2)
        defer { buffer.deallocate() }
        while true {
            let written = streamer.pump()
            while streamer.rings[0].availableToRead > 0 {
                let got = streamer.rings[0].read(into: buffer, frames: min(8_192, streamer.rings[0].availableToRead))
                loud += (0..<got * 2).filter { abs(buffer[$0]) > 0.1 }.count
                total += got
            }
            if written == 0 && streamer.isExhausted { break }
        }
        #expect(total == frames, "the slot holds exactly the job's frames, so later voices stay aligned")
        let failures = streamer.failures
        #expect(failures.count == 1, "\(failures)")
        #expect(failures.first?.path == path)
        if damage != .missing {
            #expect(failures.first?.message.contains("reading stopped at") == true, "\(failures)")
            #expect(loud > 0, "what was read before the damage still plays")
        }
    }
}
