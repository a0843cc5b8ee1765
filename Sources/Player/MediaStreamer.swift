import Atomics
import AudioIO
import Foundation
import Mixer

/// One file to stream into a slot: exactly `frames` frames at the engine rate, stereo.
public struct StreamJob: Sendable, Hashable {
    /// Absolute path of the decoded or synthesised file.
    public var path: String
    /// Frames to produce at the engine rate: the file is resampled, then padded with silence or cut
    /// to exactly this many, or repeated when `loop` is set.
    public var frames: Int
    public var loop: Bool
    /// Frame of the timeline at which its voice starts.
    public var start: Int
    /// Frames of the job already played (after a seek): decoding starts that far in.
    public var offset: Int

    public init(path: String, frames: Int, loop: Bool, start: Int = 0, offset: Int = 0) {
        self.path = path
        self.frames = frames
        self.loop = loop
        self.start = start
        self.offset = offset
    }
}

/// Decodes and resamples files into the mixer's stream rings, ahead of the audio thread.
///
/// Each slot has a queue of jobs in schedule order; the streamer writes them back to back into the
/// slot's ring, so the mixer's voices on that slot each read exactly their own frames. Memory is
/// fixed (the rings plus one decode buffer per slot), whatever the session's length.
///
/// A loader thread (``startLoading(interval:)``) keeps the rings full. Offline rendering waits,
/// before each block, until every ring holds that block's frames (``waitUntilReady(frames:)``),
/// so the file is the same whatever the threads' timing; live playback never waits: a ring that
/// runs dry plays silence and counts an underrun. Without the thread, ``pump()`` fills the rings
/// on the caller's thread.
///
/// Thread safety: ``pump()`` runs on one thread at a time (the rings' single producer): either
/// the loader thread or the caller, never both.
public final class MediaStreamer: @unchecked Sendable {
    /// Frames decoded per read.
    static let chunkFrames = 4_096

    public let sampleRate: Int
    public let rings: [RingBuffer]
    private var slots: [SlotState]
    private let plannedJobs: [[StreamJob]]
    /// The first error met (a file that vanished or broke mid-stream); its slot then plays silence.
    public private(set) var failures: [AudioFileError] = []

    /// - Parameters:
    ///   - jobs: per slot, the jobs in the order their voices play.
    ///   - sampleRate: engine rate in Hz.
    ///   - ringFrames: capacity of each slot's ring in frames (default 2¹⁶, about 1.4 s at 48 kHz).
    public init(jobs: [[StreamJob]], sampleRate: Int, ringFrames: Int = 1 << 16) {
        self.sampleRate = sampleRate
        rings = jobs.map { _ in RingBuffer(capacity: ringFrames, channels: 2) }
        slots = jobs.map { SlotState(jobs: $0) }
        plannedJobs = jobs
        unwritten = jobs.map { ManagedAtomic($0.reduce(0) { $0 + $1.frames }) }
    }

    /// Makes every slot continue from timeline frame `frame`: jobs that ended before it are
    /// dropped, the one sounding there starts part-way. Only while the loader thread is stopped
    /// and the mixer is paused (neither side touches the rings); then send the mixer `.seek`.
    public func reposition(to frame: Int) {
        for index in slots.indices {
            var jobs: [StreamJob] = []
            for var job in plannedJobs[index] where job.start + job.frames > frame {
                job.offset = max(0, frame - job.start)
                jobs.append(job)
            }
            slots[index] = SlotState(jobs: jobs)
            rings[index].reset()
            unwritten[index].store(jobs.reduce(0) { $0 + $1.frames - $1.offset }, ordering: .releasing)
        }
    }

    /// Per slot: frames of its jobs not yet written to its ring.
    private let unwritten: [ManagedAtomic<Int>]
    private let stopRequested = ManagedAtomic<Bool>(false)
    private var loaderDone: DispatchSemaphore?

    /// Starts a thread that keeps every ring full, checking every `interval` when there is nothing
    /// to do. Call ``stopLoading()`` before the streamer goes away.
    public func startLoading(interval: Duration = .milliseconds(2)) {
        guard loaderDone == nil else { return }
        let done = DispatchSemaphore(value: 0)
        loaderDone = done
        let microseconds = UInt32(max(100, interval.components.attoseconds / 1_000_000_000_000))
        let thread = Thread { [self] in
            while !stopRequested.load(ordering: .relaxed) {
                if pump() == 0 {
                    if isExhausted { break }
                    usleep(microseconds)
                }
            }
            done.signal()
        }
        thread.name = "respite-loader"
        thread.start()
    }

    /// Stops the loader thread and waits for it to finish.
    public func stopLoading() {
        guard let done = loaderDone else { return }
        stopRequested.store(true, ordering: .relaxed)
        done.wait()
        loaderDone = nil
        stopRequested.store(false, ordering: .relaxed)
    }

    /// Waits until every ring can supply the next `frames` frames (or everything its slot has
    /// left). For offline rendering only: the audio thread never waits.
    public func waitUntilReady(frames: Int) {
        for index in rings.indices {
            while rings[index].availableToRead < frames && unwritten[index].load(ordering: .acquiring) > 0 {
                if loaderDone == nil {
                    pump()
                } else {
                    usleep(100)
                }
            }
        }
    }

    /// True when every job of every slot has been written to its ring.
    public var isExhausted: Bool { slots.allSatisfy { $0.next >= $0.jobs.count && $0.current == nil } }

    /// Fills every ring as far as it has room. Returns the number of frames written.
    @discardableResult
    public func pump() -> Int {
        var written = 0
        for index in slots.indices {
            written += fill(slot: index)
        }
        return written
    }

    private func fill(slot index: Int) -> Int {
        let ring = rings[index]
        var written = 0
        while ring.availableToWrite > 0 {
            if slots[index].current == nil {
                guard slots[index].next < slots[index].jobs.count else { break }
                let job = slots[index].jobs[slots[index].next]
                slots[index].next += 1
                slots[index].current = open(job)
            }
            guard let decoder = slots[index].current else { break }
            let count = decoder.produce(into: ring)
            unwritten[index].wrappingDecrement(by: count, ordering: .releasing)
            written += count
            if decoder.isDone {
                if let failure = decoder.failure { failures.append(failure) }
                slots[index].current = nil
            } else if count == 0 {
                break
            }
        }
        return written
    }

    private func open(_ job: StreamJob) -> JobDecoder {
        JobDecoder(job: job, engineRate: sampleRate)
    }

    /// Decodes a whole (short) job into memory through the same path streaming uses, so a sound
    /// held in memory has exactly the samples it would have had streamed.
    public static func decode(_ job: StreamJob, sampleRate: Int) throws -> SampleBuffer {
        let ring = RingBuffer(capacity: job.frames, channels: 2)
        let decoder = JobDecoder(job: job, engineRate: sampleRate)
        _ = decoder.produce(into: ring)
        if let failure = decoder.failure { throw failure }
        var samples = [Float](repeating: 0, count: ring.availableToRead * 2)
        samples.withUnsafeMutableBufferPointer { out in
            if let base = out.baseAddress { _ = ring.read(into: base, frames: out.count / 2) }
        }
        return SampleBuffer(interleavedStereo: samples)
    }

    struct SlotState {
        var jobs: [StreamJob]
        var next = 0
        var current: JobDecoder?
    }
}

/// Produces one job's frames: decode, resample, make stereo, loop or pad, cut to length.
final class JobDecoder {
    let job: StreamJob
    private var reader: AudioFileReader?
    private var resampler: StreamResampler?
    private(set) var failure: AudioFileError?
    private var remaining: Int
    private var inputEnded = false
    /// Decoded file frames (file channel count) waiting for the resampler.
    private let input: UnsafeMutablePointer<Float>
    private var inputOffset = 0
    private var inputCount = 0
    /// Converted stereo frames at the engine rate waiting for room in the ring.
    private let output: UnsafeMutablePointer<Float>
    private var outputOffset = 0
    private var outputCount = 0
    private let resampled: UnsafeMutablePointer<Float>
    private let fileChannels: Int

    init(job: StreamJob, engineRate: Int) {
        self.job = job
        remaining = job.frames - job.offset
        var opened: AudioFileReader?
        do {
            opened = try AudioFileReader(path: job.path)
        } catch {
            failure = error
        }
        reader = opened
        fileChannels = max(1, opened?.channels ?? 1)
        let capacity = MediaStreamer.chunkFrames
        input = .allocate(capacity: capacity * fileChannels)
        // Upsampling from 8 kHz to 192 kHz multiplies frames by 24: leave room for it.
        let outCapacity = capacity * 32
        resampled = .allocate(capacity: outCapacity * fileChannels)
        output = .allocate(capacity: outCapacity * 2)
        if let opened, opened.sampleRate != engineRate {
            resampler = try? StreamResampler(
                inputRate: opened.sampleRate, outputRate: engineRate, channels: fileChannels, quality: .high)
        }
        if let opened, job.offset > 0 {
            // Joined part-way (after a seek): start decoding where the voice now is.
            var fileFrame = Int((Double(job.offset) * Double(opened.sampleRate) / Double(engineRate)).rounded())
            if job.loop && opened.frames > 0 { fileFrame %= opened.frames }
            if (try? opened.seek(toFrame: min(fileFrame, opened.frames))) == nil { inputEnded = true }
        }
    }

    deinit {
        input.deallocate()
        resampled.deallocate()
        output.deallocate()
    }

    var isDone: Bool { remaining == 0 }

    /// Writes as many of the job's remaining frames into `ring` as fit; returns how many.
    func produce(into ring: RingBuffer) -> Int {
        var written = 0
        while remaining > 0 && ring.availableToWrite > 0 {
            if outputCount == 0 {
                convertMore()
                if outputCount == 0 {
                    // The file is over (or broken): the rest of the job is silence.
                    let count = ring.writeSilence(frames: remaining)
                    remaining -= count
                    written += count
                    continue
                }
            }
            let count = ring.write(output + outputOffset * 2, frames: min(outputCount, remaining))
            outputOffset += count
            outputCount -= count
            remaining -= count
            written += count
            if count == 0 { break }
        }
        return written
    }

    /// Refills `output` with at least one frame if the file has any left.
    private func convertMore() {
        outputOffset = 0
        outputCount = 0
        guard let reader else { return }
        var attempts = 0
        while outputCount == 0 && attempts < 64 {
            attempts += 1
            if inputCount == 0 && !inputEnded {
                let got = reader.read(into: input, frames: MediaStreamer.chunkFrames)
                inputOffset = 0
                inputCount = got
                if got == 0 {
                    if job.loop && reader.frames > 0 && (try? reader.seek(toFrame: 0)) != nil {
                        continue
                    }
                    inputEnded = true
                }
            }
            let produced: Int
            if let resampler {
                if inputCount > 0 {
                    let result = resampler.process(
                        input: input + inputOffset * fileChannels, inputFrames: inputCount, output: resampled,
                        outputCapacity: MediaStreamer.chunkFrames * 32)
                    inputOffset += result.consumed
                    inputCount -= result.consumed
                    produced = result.produced
                } else if inputEnded {
                    produced = resampler.process(
                        input: nil, inputFrames: 0, output: resampled, outputCapacity: MediaStreamer.chunkFrames * 32
                    ).produced
                    if produced == 0 { return }
                } else {
                    produced = 0
                }
                toStereo(resampled, frames: produced)
            } else {
                if inputCount == 0 { return }
                toStereo(input + inputOffset * fileChannels, frames: inputCount)
                inputCount = 0
            }
        }
    }

    private func toStereo(_ source: UnsafePointer<Float>, frames: Int) {
        let c = fileChannels
        for n in 0..<frames {
            let left = source[n * c]
            output[2 * n] = left
            output[2 * n + 1] = c > 1 ? source[n * c + 1] : left
        }
        outputCount = frames
    }
}
