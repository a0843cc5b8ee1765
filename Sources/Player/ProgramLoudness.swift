import AudioIO
import Foundation
import Mixer

/// The programme loudness of a whole prepared session (EBU R128 integrated, as a meter would read
/// the render), measured once by rendering it offline and remembered on disk, so every render
/// and every playback of the same session at the same settings can be trimmed to the target.
public struct ProgramLoudness: Sendable {
    /// Where results are kept: `$XDG_CACHE_HOME/respite/programme` or `~/.cache/respite/programme`.
    public let directory: String

    public init(directory: String = ProgramLoudness.defaultDirectory()) {
        self.directory = directory
    }

    public static func defaultDirectory() -> String {
        (LoudnessCache.defaultDirectory() as NSString).deletingLastPathComponent + "/programme"
    }

    /// LUFS of `prepared` as rendered untrimmed and unlimited; measured now unless known.
    public func integrated(of prepared: PreparedSession) throws -> Double {
        let key = self.key(prepared)
        let path = directory + "/" + key + ".lufs"
        if let text = try? String(contentsOfFile: path, encoding: .utf8), let value = Double(text) {
            return value
        }
        let value = try measure(prepared)
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path + ".tmp-\(getpid())"
        if (try? String(value).write(toFile: temporary, atomically: false, encoding: .utf8)) != nil {
            rename(temporary, path)
        }
        return value
    }

    /// Renders the session without trim or limiter into a loudness meter, block by block.
    func measure(_ prepared: PreparedSession) throws -> Double {
        var untrimmed = prepared
        untrimmed.schedule.trim = 1
        untrimmed.ceiling = nil
        let (mixer, streamer) = untrimmed.makeEngine()
        let rate = prepared.timeline.sampleRate
        let meter = try LoudnessAccumulator(channels: 2, sampleRate: rate)
        let block = 4_096
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: block * 2)
        defer { buffer.deallocate() }
        streamer.startLoading()
        defer { streamer.stopLoading() }
        var done = 0
        while done < prepared.timeline.duration {
            let frames = min(block, prepared.timeline.duration - done)
            streamer.waitUntilReady(frames: frames + mixer.lookahead)
            mixer.render(interleavedInto: buffer, frames: frames)
            try meter.add(buffer, frames: frames)
            done += frames
        }
        return try meter.result().integrated
    }

    /// Everything that decides what the session sounds like: the schedule, and each file's
    /// identity (path, size and modification time).
    func key(_ prepared: PreparedSession) -> String {
        var hash = Hash128("respite-programme-1", String(prepared.timeline.sampleRate), "\(prepared.schedule.voices)")
        hash.combine("\(String(describing: prepared.schedule.ducking))|\(prepared.schedule.fadeIn)")
        for job in prepared.jobs.joined() + prepared.bufferJobs {
            let attributes = try? FileManager.default.attributesOfItem(atPath: job.path)
            let size = (attributes?[.size] as? Int) ?? -1
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            hash.combine("\(job)|\(size)|\(modified)")
        }
        return hash.hexString
    }
}
