import Foundation
import Testing

@testable import SessionKit

/// A timeline laid out as far as the known lengths reach is the complete one's beginning.
@Suite struct PartialTimelineTests {
    let rate = 48_000

    /// The bundled sessions, loaded with every sound file taken to exist.
    static func bundled(_ id: String) throws -> Session {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.path + "/Sessions/\(id).json") {
            url.deleteLastPathComponent()
        }
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: url.path + "/Sessions/\(id).json")))
        let loader = SessionLoader(audioRoot: "/audio", fileExists: { _ in true })
        return try loader.load(bytes: bytes, file: "\(id).json", directory: url.path + "/Sessions")
    }

    /// Lengths that differ from media to media (0.5…30.5 s), the same on every run.
    func lengths(_ list: [Media]) -> [Media: Int] {
        var lengths: [Media: Int] = [:]
        for (index, media) in list.enumerated() { lengths[media] = rate / 2 + (index * 7_919 % 30) * rate + index }
        return lengths
    }

    /// For every number of media known, in order of first use, the partial timeline's sounds, entries, steps and
    /// ducking windows are the complete timeline's up to the horizon.
    @Test(arguments: [
        ("pmr-short", [String]()), ("pmr-short", ["skip=left-arm,face"]), ("pmr-short", ["releaseOnly=true"]),
        ("breathing-paced", []), ("imagery-meadow", []), ("imagery-meadow", ["music=none"]),
    ])
    func partialIsTheBeginningOfTheWhole(id: String, set: [String]) throws {
        let session = try Self.bundled(id)
        let parameters = try session.parameters.applying(
            set, to: session, loader: SessionLoader(audioRoot: "/audio", fileExists: { _ in true }))
        let media = Compiler.media(for: session, parameters: parameters)
        let all = lengths(media)
        let whole = try Compiler.compile(session, parameters: parameters, sampleRate: rate, lengths: all)
        var horizons: [Int] = []
        // The bed is the first media; leave it for last, as a player may measure it last.
        let order = media.filter { !isBed($0, session, parameters) } + media.filter { isBed($0, session, parameters) }
        for known in 0...order.count {
            let partial = try Compiler.compilePartially(
                session, parameters: parameters, sampleRate: rate,
                lengths: all.filter { order.prefix(known).contains($0.key) })
            horizons.append(partial.horizon)
            if known == order.count {
                #expect(partial.isComplete)
                #expect(partial.timeline == whole)
                #expect(partial.horizon == whole.duration)
                continue
            }
            #expect(!partial.isComplete, "\(known) of \(order.count) known")
            let horizon = partial.horizon
            // Only the end decides the bed, and how far a sound it cuts short lasts.
            let expected = whole.sounds.filter { $0.start < horizon && $0.bus != .music }
            #expect(partial.timeline.sounds.count == expected.count)
            for (got, want) in zip(partial.timeline.sounds, expected) {
                if want.end == whole.duration {
                    #expect(got.start == want.start && got.source == want.source && got.gain == want.gain)
                } else {
                    #expect(got == want)
                }
            }
            #expect(partial.timeline.entries == whole.entries.filter { $0.frame < horizon && $0.kind != .music })
            #expect(partial.timeline.steps == Array(whole.steps.prefix(partial.stepsLaidOut)))
            #expect(partial.timeline.steps.last.map { $0.end == horizon } ?? (horizon == 0))
            // The windows of the narration that starts before the horizon (the next one's begins just before it).
            if let ducking = whole.ducking {
                #expect((partial.timeline.ducking?.windows ?? []) == ducking.windows.filter { $0.upperBound < horizon })
            } else {
                #expect(partial.timeline.ducking == nil)
            }
        }
        #expect(horizons == horizons.sorted(), "the horizon only moves forward")
        // Every bundled session opens with a built-in bell: its first seconds are known before any speech.
        let nothingKnown = try Compiler.compilePartially(
            session, parameters: parameters, sampleRate: rate, lengths: [:])
        #expect(nothingKnown.horizon >= 6 * rate)
        #expect(nothingKnown.stepsLaidOut == 1)
        #expect(nothingKnown.timeline.sounds.count == 1)
    }

    func isBed(_ media: Media, _ session: Session, _ parameters: Parameters) -> Bool {
        Compiler.musicSource(session, parameters).map { media == .file($0) } ?? false
    }
}
