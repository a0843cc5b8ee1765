import AudioIO
import Foundation
import Mixer

/// Renders a prepared session into a file through the same mixer that plays live: offline
/// equals live, frame for frame.
public enum OfflineRenderer {
    /// Frames per render call; the result does not depend on it.
    public static let blockFrames = 1_024
    /// How long the loader sleeps when every ring is full. Rendering runs hundreds of times faster
    /// than real time, so the mixer can empty a 1.4 s ring in under a millisecond; a loader asleep
    /// for the live default of 2 ms would leave it waiting (a third of the time, measured, when the
    /// sources are cheap to decode, such as WAV).
    static let loaderInterval = Duration.microseconds(100)

    /// Most extra passes a lossy format may take to bring its encoded peaks under the ceiling.
    static let maximumEncoderPasses = 4
    /// How far under the ceiling a new pass aims, beyond the overshoot just measured, dB: the
    /// encoder's overshoot changes a little with the level it is given.
    static let encoderMargin: Float = 0.05

    /// Writes the whole session to `path` in `format`, replacing any earlier file only once the new one is
    /// complete (``AtomicFile``); returns the frames written, which always equals the timeline's duration.
    ///
    /// The limiter keeps the true peak at or under the session's ceiling, and for WAV and FLAC the
    /// file holds exactly its output. A lossy encoder (Ogg Vorbis, Opus) moves peaks, up by 0.4 dB
    /// or more at a loud moment; so a lossy file is decoded and measured after writing
    /// (``TruePeakMeter``), and while its peak is over the ceiling the session is rendered again
    /// with the limiter's ceiling lowered by the overshoot (plus ``encoderMargin``), at most
    /// ``maximumEncoderPasses`` times. Only the loud moments change; the loudness does not.
    ///
    /// - Parameters:
    ///   - protecting: files `path` must not be (the session's inputs); see ``AtomicFile``.
    ///   - loaderThread: decode on a separate thread (faster on two or more cores); the file is
    ///     the same either way.
    ///   - progress: called now and then with the fraction done, 0…1.
    /// - Throws: ``OutputFileError`` when `path` is refused or cannot be written, ``AudioFileError`` when the
    ///   encoder fails, ``StreamFailure`` when a source cannot be read to the end. On any error, an earlier file at
    ///   `path` is left as it was.
    @discardableResult
    public static func render(
        _ prepared: PreparedSession, to path: String, format: AudioFileFormat, protecting: [String] = [],
        loaderThread: Bool = true, progress: (Double) -> Void = { _ in }
    ) throws -> Int {
        let file = try AtomicFile(replacing: path, protecting: protecting)
        let frames = try render(prepared, into: file, format: format, loaderThread: loaderThread, progress: progress)
        try file.commit()
        return frames
    }

    /// The true peak of an audio file, dBTP, read by the limiter's own detector (at least -20).
    public static func truePeak(ofFile path: String) throws -> Float {
        let reader = try AudioFileReader(path: path)
        let meter = TruePeakMeter(sampleRate: reader.sampleRate)
        let block = 4_096
        let channels = reader.channels
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: block * max(2, channels))
        let stereo = UnsafeMutablePointer<Float>.allocate(capacity: block * 2)
        defer {
            buffer.deallocate()
            stereo.deallocate()
        }
        while true {
            let count = reader.read(into: buffer, frames: block)
            if count <= 0 { break }
            for n in 0..<count {
                stereo[2 * n] = buffer[n * channels]
                stereo[2 * n + 1] = buffer[n * channels + min(1, channels - 1)]
            }
            meter.add(interleaved: stereo, frames: count)
        }
        if let error = reader.lastError { throw error }
        meter.finish()
        return meter.peakDecibels
    }

    /// Writes the whole session into `file`'s temporary file and checks it; the caller then commits or discards
    /// `file`. On any error `file` is discarded.
    ///
    /// The finished file is opened again and its length compared with the frames written: an encoder that met a
    /// write error and did not say so (libsndfile's Ogg writer ignores some) cannot pass a short file off as
    /// complete. A lossy file is then measured, and while its true peak is over the ceiling the temporary file is
    /// emptied and the session rendered into it again under a lowered limiter ceiling (see
    /// ``render(_:to:format:protecting:loaderThread:progress:)``).
    @discardableResult
    public static func render(
        _ prepared: PreparedSession, into file: AtomicFile, format: AudioFileFormat, loaderThread: Bool = true,
        progress: (Double) -> Void = { _ in }
    ) throws -> Int {
        do {
            var frames = try renderPass(
                prepared, into: file, format: format, loaderThread: loaderThread, progress: progress)
            guard format.isLossy, let ceiling = prepared.ceiling else { return frames }
            var attempt = prepared
            for _ in 0..<maximumEncoderPasses {
                let excess = try truePeak(ofFile: file.temporaryPath) - ceiling
                guard excess > 0 else { break }
                attempt.ceiling = max(-20, (attempt.ceiling ?? ceiling) - excess - encoderMargin)
                try empty(file)
                frames = try renderPass(
                    attempt, into: file, format: format, loaderThread: loaderThread, progress: { _ in })
            }
            return frames
        } catch {
            file.discard()
            throw error
        }
    }

    /// Empties `file`'s temporary file for another pass.
    private static func empty(_ file: AtomicFile) throws(OutputFileError) {
        guard ftruncate(file.descriptor, 0) == 0, lseek(file.descriptor, 0, SEEK_SET) == 0 else {
            throw OutputFileError(
                kind: .cannotWrite, path: file.path,
                message: "the file could not be emptied for another pass: "
                    + String(cString: strerror(errno)),
                suggestion: "Check the disk. Any earlier file of that name is unchanged.")
        }
    }

    /// One pass: the session mixed into `file`'s temporary file, which is then closed and checked.
    private static func renderPass(
        _ prepared: PreparedSession, into file: AtomicFile, format: AudioFileFormat, loaderThread: Bool,
        progress: (Double) -> Void
    ) throws -> Int {
        let (mixer, streamer) = prepared.makeEngine()
        let writer = try AudioFileWriter(
            file: file, sampleRate: prepared.timeline.sampleRate, channels: 2, format: format)
        let total = prepared.timeline.duration
        let rate = prepared.timeline.sampleRate
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: blockFrames * 2)
        defer { buffer.deallocate() }
        // Decoding runs on the loader thread, mixing and encoding on this one.
        if loaderThread { streamer.startLoading(interval: loaderInterval) }
        defer { streamer.stopLoading() }
        var done = 0
        var lastReport = 0
        while done < total {
            let frames = min(blockFrames, total - done)
            streamer.waitUntilReady(frames: frames + mixer.lookahead)
            // A source that broke is noticed as soon as the loader meets it (up to a ring ahead of the mix).
            if let failure = streamer.failures.first {
                throw StreamFailure(failure: failure, sessionFrame: done, sampleRate: rate)
            }
            mixer.render(interleavedInto: buffer, frames: frames)
            try writer.write(interleaved: buffer, frames: frames)
            done += frames
            if done - lastReport >= rate * 30 || done == total {
                lastReport = done
                progress(Double(done) / Double(max(1, total)))
            }
        }
        // The loader records a failure in the same step as the frames it produced; once it has stopped, every
        // failure behind the last block is known.
        streamer.stopLoading()
        if let failure = streamer.failures.first {
            throw StreamFailure(failure: failure, sessionFrame: done, sampleRate: rate)
        }
        try writer.close()
        try verify(file, frames: done, sampleRate: rate)
        return done
    }

    /// Opens the finished temporary file and checks that it holds `frames` frames at `sampleRate`.
    static func verify(_ file: AtomicFile, frames: Int, sampleRate: Int) throws(OutputFileError) {
        let reader: AudioFileReader
        do {
            reader = try AudioFileReader(path: file.temporaryPath)
        } catch {
            throw OutputFileError(
                kind: .cannotWrite, path: file.path, message: "the finished file does not open (\(error.message))",
                suggestion: "Check free disk space and the disk itself. Any earlier file of that name is unchanged.")
        }
        guard reader.frames == frames, reader.sampleRate == sampleRate else {
            throw OutputFileError(
                kind: .cannotWrite, path: file.path,
                message: "the finished file holds \(reader.frames) frames at \(reader.sampleRate) Hz, not the "
                    + "\(frames) at \(sampleRate) Hz written",
                suggestion: "Check free disk space and the disk itself. Any earlier file of that name is unchanged.")
        }
    }

    /// Renders the whole session into memory, interleaved stereo. For tests and analysis; a long
    /// session takes 384 kB a second at 48 kHz.
    public static func renderToMemory(_ prepared: PreparedSession, blockFrames: Int = blockFrames) -> [Float] {
        let (mixer, streamer) = prepared.makeEngine()
        let total = prepared.timeline.duration
        var samples = [Float](repeating: 0, count: total * 2)
        samples.withUnsafeMutableBufferPointer { out in
            guard let base = out.baseAddress else { return }
            var done = 0
            while done < total {
                let frames = min(blockFrames, total - done)
                streamer.waitUntilReady(frames: frames + mixer.lookahead)
                mixer.render(interleavedInto: base + done * 2, frames: frames)
                done += frames
            }
        }
        return samples
    }
}
