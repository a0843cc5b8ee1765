import AudioIO
import Foundation
import Mixer

/// The programme loudness of a whole prepared session (EBU R128 integrated, as a meter would read
/// the render), measured once by rendering it offline and remembered on disk, so every render
/// and every playback of the same session at the same settings can be trimmed to the target.
///
/// An entry is one line, "LUFS CHECK", the check a hash of the entry's name and the figure's bits. An entry whose
/// check fails, whose figure is not plausible (-70…+10 LUFS, or silent), or that is not a small regular file is
/// never used: the session is measured again and the entry replaced (through ``CacheFile``). A failed measurement
/// (a source that breaks part-way) is never stored.
public struct ProgramLoudness: Sendable {
    /// Where results are kept (`programme` under the cache root, see ``CacheDirectory``); nil keeps nothing on disk.
    public let directory: String?

    public init(directory: String? = ProgramLoudness.defaultDirectory()) {
        self.directory = directory
    }

    /// `programme` under the cache root, or nil when there is no usable one.
    public static func defaultDirectory() -> String? { CacheDirectory.current.programme }

    /// LUFS of `prepared` as rendered untrimmed and unlimited; measured now unless known.
    ///
    /// - Throws: ``StreamFailure`` when a source cannot be read to the end; other errors of the meter.
    /// - Parameter cancelled: asked once per block while measuring; true stops it with a
    ///   `CancellationError`, nothing stored (a player whose run has ended).
    public func integrated(
        of prepared: PreparedSession, cancelled: @Sendable () -> Bool = { false }
    ) throws -> Double {
        let key = self.key(prepared)
        if let value = remembered(key) { return value }
        let value = try measure(prepared, cancelled: cancelled)
        if let directory, Self.isPlausible(value), CacheDirectory.makeFolders(directory) == 0 {
            CacheFile.write(Array(Self.entry(value, key: key).utf8), to: directory + "/" + key + ".lufs")
        }
        return value
    }

    /// LUFS of `prepared`, if it was measured before (nothing is rendered).
    public func remembered(of prepared: PreparedSession) -> Double? { remembered(key(prepared)) }

    /// The figure stored under `key`, if any.
    private func remembered(_ key: String) -> Double? {
        directory.flatMap { Self.read($0 + "/" + key + ".lufs", key: key) }
    }

    /// The figure -70…+10 LUFS (the R128 gate is -70), or silent (-∞).
    static func isPlausible(_ value: Double) -> Bool { value == -.infinity || (-70...10).contains(value) }

    /// The entry's text: the figure as Swift prints it (exact, round-trips), a space, the check.
    static func entry(_ value: Double, key: String) -> String { "\(value) \(check(value, key: key))" }

    private static func check(_ value: Double, key: String) -> String {
        var hash = Hash128("respite-programme-entry", key)
        hash.combine(Int(truncatingIfNeeded: value.bitPattern))
        return hash.hexString
    }

    /// The figure in the entry at `path`, or nil when it is missing, damaged, implausible or not a small regular
    /// file.
    static func read(_ path: String, key: String) -> Double? {
        guard let bytes = CacheFile.read(path, maximumBytes: 128) else { return nil }
        let fields = String(decoding: bytes, as: UTF8.self).split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 2, let value = Double(fields[0]), isPlausible(value),
            fields[1] == check(value, key: key), entry(value, key: key) == String(decoding: bytes, as: UTF8.self)
        else { return nil }
        return value
    }

    /// Renders the session without trim or limiter into a loudness meter, block by block.
    func measure(_ prepared: PreparedSession, cancelled: @Sendable () -> Bool = { false }) throws -> Double {
        var untrimmed = prepared
        untrimmed.schedule.trim = 1
        untrimmed.schedule.trimRamp = nil
        untrimmed.ceiling = nil
        let (mixer, streamer) = untrimmed.makeEngine()
        let rate = prepared.timeline.sampleRate
        // Only the integrated loudness sets the trim; the limiter, not a measurement, keeps the peaks.
        let meter = try LoudnessAccumulator(channels: 2, sampleRate: rate, scope: .integratedOnly)
        let block = 4_096
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: block * 2)
        defer { buffer.deallocate() }
        streamer.startLoading(interval: OfflineRenderer.loaderInterval)
        defer { streamer.stopLoading() }
        var done = 0
        while done < prepared.timeline.duration {
            if cancelled() { throw CancellationError() }
            let frames = min(block, prepared.timeline.duration - done)
            streamer.waitUntilReady(frames: frames + mixer.lookahead)
            // A source that broke would measure (and then trim) the session as if it were silent there.
            if let failure = streamer.failures.first {
                throw StreamFailure(failure: failure, sessionFrame: done, sampleRate: rate)
            }
            mixer.render(interleavedInto: buffer, frames: frames)
            try meter.add(buffer, frames: frames)
            done += frames
        }
        streamer.stopLoading()
        if let failure = streamer.failures.first {
            throw StreamFailure(failure: failure, sessionFrame: done, sampleRate: rate)
        }
        return try meter.integrated()
    }

    /// Everything that decides what the session sounds like: the schedule, and each file's
    /// identity (path, size and modification time).
    ///
    /// Every field goes into the hash as a number (a generator's by its description): building
    /// text descriptions of hundreds of voices took longer than everything else before playing.
    /// The version string changes whenever the rendering itself changes (3: resampler precision
    /// matched to each source), so measurements of the old sound are not reused.
    func key(_ prepared: PreparedSession) -> String {
        var hash = Hash128("respite-programme-3")
        hash.combine(prepared.timeline.sampleRate)
        let schedule = prepared.schedule
        hash.combine(schedule.voices.count)
        for voice in schedule.voices {
            for field in [
                voice.start, voice.length, voice.bus.rawValue, Int(voice.gain.bitPattern), voice.fadeIn, voice.fadeOut,
            ] {
                hash.combine(field)
            }
            switch voice.source {
            case .generator(let generator): hash.combine("generator \(generator)")
            case .stream(let slot): hash.combine(-1 - slot)
            case .buffer(let index): hash.combine(-1_000_000 - index)
            }
        }
        if let ducking = schedule.ducking {
            for field in [
                Int(ducking.depth.bitPattern), ducking.attack, ducking.hold, ducking.release,
                Int(ducking.threshold.bitPattern),
            ] {
                hash.combine(field)
            }
            for window in ducking.windows {
                hash.combine(window.lowerBound)
                hash.combine(window.upperBound)
            }
        } else {
            hash.combine("no ducking")
        }
        hash.combine(schedule.fadeIn)
        // Where schedules once counted their bus ramps (always none): kept, so cached figures stay valid.
        hash.combine(0)
        for job in prepared.jobs.joined() + prepared.bufferJobs {
            var info = stat()
            let found = stat(job.path, &info) == 0
            hash.combine(job.path)
            for field in [
                job.frames, job.loop ? 1 : 0, job.start, job.offset, found ? Int(info.st_size) : -1,
                Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec), Int(info.st_ino),
            ] {
                hash.combine(field)
            }
        }
        return hash.hexString
    }
}
