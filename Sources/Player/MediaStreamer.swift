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
    /// Repeat the file until `frames` are produced, each seam an equal-power crossfade of the file's
    /// end into its start (see ``JobDecoder``'s loop pattern).
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
/// fixed (the rings plus one decode buffer per slot, and for a looping job the file's first 2 s
/// for its crossfade), whatever the session's length.
///
/// A loader thread (``startLoading(interval:first:)``) keeps the rings full. Offline rendering waits,
/// before each block, until every ring holds that block's frames (``waitUntilReady(frames:)``),
/// so the file is the same whatever the threads' timing; live playback never waits: a ring that
/// runs dry plays silence and counts an underrun. Without the thread, ``pump(ahead:)`` fills the rings
/// on the caller's thread.
///
/// Thread safety: ``pump(ahead:)`` runs on one thread at a time (the rings' single producer): either
/// the loader thread or the caller, never both.
public final class MediaStreamer: @unchecked Sendable {
    /// Frames decoded per read.
    static let chunkFrames = 4_096

    public let sampleRate: Int
    public let rings: [RingBuffer]
    private var slots: [SlotState]
    /// Every job given, per slot (for ``reposition(to:)``). Guarded by ``growthLock``.
    private var plannedJobs: [[StreamJob]]
    /// Jobs appended while the loader runs, not yet taken by it; ends changed by the end of a
    /// growing session, not yet applied. Guarded by ``growthLock``.
    private var appended: [[StreamJob]]
    private var endChanges: [(slot: Int, start: Int, frames: Int)] = []
    private let growthLock = NSLock()
    /// Set while a growing session may still append jobs: the loader does not end meanwhile.
    private let growing = ManagedAtomic<Bool>(false)
    /// Raised by the control side when something is appended or changed, cleared by the loader
    /// when it takes it: the loader takes ``growthLock`` only then.
    private let growthNews = ManagedAtomic<Bool>(false)
    /// Every file that could not be read to the end (missing, a decode error part-way, cut short or changed
    /// while it was read), in the order met; the rest of each such job is silence.
    ///
    /// Offline rendering stops at the first (``OfflineRenderer``); live playback carries on and tells the listener.
    /// Thread safety: safe to read from any thread while the loader runs.
    public var failures: [AudioFileError] {
        guard failureCount.load(ordering: .acquiring) > 0 else { return [] }
        failureLock.lock()
        defer { failureLock.unlock() }
        return recordedFailures
    }
    private var recordedFailures: [AudioFileError] = []
    private let failureLock = NSLock()
    private let failureCount = ManagedAtomic<Int>(0)

    private func record(_ failure: AudioFileError) {
        failureLock.lock()
        recordedFailures.append(failure)
        failureLock.unlock()
        failureCount.wrappingIncrement(ordering: .releasing)
    }

    /// - Parameters:
    ///   - jobs: per slot, the jobs in the order their voices play.
    ///   - sampleRate: engine rate in Hz.
    ///   - ringFrames: capacity of each slot's ring in frames (default 2¹⁶, about 1.4 s at 48 kHz).
    ///   - slots: for a session that grows while it plays, the most slots its jobs will need (at
    ///     least `jobs.count`); its later jobs come through ``append(_:)``.
    public init(jobs: [[StreamJob]], sampleRate: Int, ringFrames: Int = 1 << 16, slots slotCount: Int? = nil) {
        let count = max(jobs.count, slotCount ?? 0)
        let jobs = jobs + Array(repeating: [], count: count - jobs.count)
        self.sampleRate = sampleRate
        rings = jobs.map { _ in RingBuffer(capacity: ringFrames, channels: 2) }
        slots = jobs.map { SlotState(jobs: $0) }
        plannedJobs = jobs
        appended = jobs.map { _ in [] }
        unwritten = jobs.map { ManagedAtomic($0.reduce(0) { $0 + $1.frames }) }
        growing.store(slotCount != nil, ordering: .releasing)
    }

    // MARK: - A session that grows while it plays

    /// Adds jobs at the end of their slots' queues, in play order; the loader takes them as it
    /// reaches them. Any thread (one at a time), while the loader runs or not.
    ///
    /// - Returns: false, with nothing added, when a slot is not one of ``rings``.
    @discardableResult
    public func append(_ jobs: [(slot: Int, job: StreamJob)]) -> Bool {
        guard jobs.allSatisfy({ rings.indices.contains($0.slot) }) else { return false }
        growthLock.withLock {
            for (slot, job) in jobs {
                appended[slot].append(job)
                plannedJobs[slot].append(job)
                unwritten[slot].wrappingIncrement(by: job.frames - job.offset, ordering: .releasing)
            }
        }
        growthNews.store(true, ordering: .releasing)
        return true
    }

    /// Gives the job starting at frame `start` on `slot` its final length in frames (the end of a
    /// growing session decides it for the music bed, and for a sound it cuts short). Frames the
    /// loader already wrote past it stay in the ring unread: only the last job of a slot changes.
    public func setFrames(slot: Int, start: Int, frames: Int) {
        guard rings.indices.contains(slot) else { return }
        growthLock.withLock {
            if let index = plannedJobs[slot].lastIndex(where: { $0.start == start }) {
                plannedJobs[slot][index].frames = frames
            }
            endChanges.append((slot, start, frames))
        }
        growthNews.store(true, ordering: .releasing)
    }

    /// No more jobs will come: the loader ends once it has written them all.
    public func finishGrowing() { growing.store(false, ordering: .releasing) }

    /// Loader side: takes appended jobs and changed ends.
    private func takeGrowth() {
        guard growthNews.exchange(false, ordering: .acquiring) else { return }
        let (jobs, changes) = growthLock.withLock {
            let taken = (appended, endChanges)
            for index in appended.indices { appended[index].removeAll(keepingCapacity: true) }
            endChanges.removeAll()
            return taken
        }
        for index in jobs.indices { slots[index].jobs += jobs[index] }
        for change in changes { applyEnd(change) }
    }

    private func applyEnd(_ change: (slot: Int, start: Int, frames: Int)) {
        let slot = change.slot
        var old: StreamJob?
        if let decoder = slots[slot].current, decoder.job.start == change.start {
            old = decoder.job
            decoder.shorten(to: change.frames)
        } else if let index = slots[slot].jobs.lastIndex(where: { $0.start == change.start }) {
            old = slots[slot].jobs[index]
            slots[slot].jobs[index].frames = change.frames
        }
        if let old {
            let change = change.frames - old.frames
            let left = unwritten[slot].wrappingIncrementThenLoad(by: change, ordering: .releasing)
            if left < 0 { unwritten[slot].wrappingIncrement(by: -left, ordering: .releasing) }
        }
    }

    /// Makes every slot continue from timeline frame `frame`: jobs that ended before it are
    /// dropped, the one sounding there starts part-way. Only while the loader thread is stopped
    /// and the mixer is paused (neither side touches the rings); then send the mixer `.seek`.
    public func reposition(to frame: Int) {
        // Under the lock: a job appended meanwhile is either in the slots built here (and counted
        // here) or appended after them (and counted by its append).
        growthLock.withLock {
            for index in appended.indices { appended[index].removeAll(keepingCapacity: true) }
            endChanges.removeAll()
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
    }

    /// Per slot: frames of its jobs not yet written to its ring.
    private let unwritten: [ManagedAtomic<Int>]
    private let stopRequested = ManagedAtomic<Bool>(false)
    private var loaderDone: DispatchSemaphore?
    /// True while the loader thread runs; when it has ended (or never started), waiting for it would be for ever.
    private let loaderRunning = ManagedAtomic<Bool>(false)

    /// Starts a thread that keeps every ring full, checking every `interval` when there is nothing
    /// to do. Call ``stopLoading()`` before the streamer goes away.
    ///
    /// - Parameter first: frames the thread puts in every ring before it fills any ring further,
    ///   so a caller waiting for the first frames of all of them (``waitUntilReady(frames:)``) is
    ///   not kept waiting while one ring is filled to the brim.
    ///
    /// - Returns: false when the system refused the thread (a process or memory limit); then nothing runs in the
    ///   background and ``waitUntilReady(frames:)`` decodes on the caller's thread instead, with the same result.
    @discardableResult
    ///   - background: lower the thread's scheduling priority (nice 10) for live playback. At the start of a
    ///     session the loader fills every ring as fast as it can for a second or more; on a busy machine where the
    ///     audio thread has no real-time priority, a loader at the same priority takes the core the audio thread
    ///     wakes on, and the first seconds drop out. Decoding needs well under 1 % of a core in real time, so a
    ///     loader at nice 10 still keeps far ahead. Offline rendering keeps the normal priority, to finish sooner.
    public func startLoading(interval: Duration = .milliseconds(2), first: Int = 0, background: Bool = false) -> Bool {
        guard loaderDone == nil else { return true }
        let done = DispatchSemaphore(value: 0)
        let microseconds = UInt32(max(100, interval.components.attoseconds / 1_000_000_000_000))
        loaderRunning.store(true, ordering: .releasing)
        let refused = SystemThread.start(name: "respite-loader") { [self] in
            // On Linux the nice value belongs to a thread, and `who` 0 names the calling thread.
            if background { setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10) }
            if first > 0 { pump(ahead: first) }
            while !stopRequested.load(ordering: .relaxed) {
                if pump() == 0 {
                    if isExhausted { break }
                    usleep(microseconds)
                }
            }
            loaderRunning.store(false, ordering: .releasing)
            done.signal()
        }
        guard refused == 0 else {
            loaderRunning.store(false, ordering: .releasing)
            return false
        }
        loaderDone = done
        return true
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
                if loaderDone == nil || !loaderRunning.load(ordering: .acquiring) {
                    // No loader, or it has ended: decode here. (`stopLoading()` is the only way a caller ends it.)
                    pump()
                } else {
                    usleep(100)
                }
            }
        }
    }

    /// Waits until every ring can supply the next `frames` frames, everything its slot has left, or
    /// the loader thread is not running; never decodes on the caller's thread. For a test device
    /// standing in for a real one (which a loader at 1× always keeps ahead of): it may call this
    /// from the audio thread while the control side stops the loader to seek.
    public func waitForLoader(frames: Int) {
        for index in rings.indices {
            while rings[index].availableToRead < frames && unwritten[index].load(ordering: .acquiring) > 0
                && loaderRunning.load(ordering: .acquiring)
            {
                usleep(100)
            }
        }
    }

    /// True when every job of every slot has been written to its ring.
    public var isExhausted: Bool {
        !growing.load(ordering: .acquiring) && !growthNews.load(ordering: .acquiring)
            && slots.allSatisfy { $0.next >= $0.jobs.count && $0.current == nil }
    }

    /// Fills every ring as far as it has room, or, given `ahead`, until it holds at least that many
    /// frames (so every slot gets its first frames before any slot is filled to the brim). Returns
    /// the number of frames written.
    @discardableResult
    public func pump(ahead: Int? = nil) -> Int {
        takeGrowth()
        var written = 0
        for index in slots.indices {
            written += fill(slot: index, ahead: ahead ?? rings[index].capacity)
        }
        return written
    }

    private func fill(slot index: Int, ahead: Int) -> Int {
        let ring = rings[index]
        var written = 0
        while ring.availableToWrite > 0 && ring.availableToRead < ahead {
            if slots[index].current == nil {
                guard slots[index].next < slots[index].jobs.count else { break }
                let job = slots[index].jobs[slots[index].next]
                slots[index].next += 1
                slots[index].current = open(job)
            }
            guard let decoder = slots[index].current else { break }
            let count = decoder.produce(into: ring, atMost: ahead - ring.availableToRead)
            // Recorded before the frames are published, so a renderer waiting for them sees the failure first.
            if let failure = decoder.takeFailure() { record(failure) }
            unwritten[index].wrappingDecrement(by: count, ordering: .releasing)
            written += count
            if decoder.isDone {
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

    /// A job that plays the whole file at `path` once: its length converted to `sampleRate` as the
    /// compiler converts media lengths, `round(fileFrames × sampleRate / fileRate)`.
    public static func wholeFile(_ path: String, sampleRate: Int) throws -> StreamJob {
        let reader = try AudioFileReader(path: path)
        let frames = Int((Double(reader.frames) * Double(sampleRate) / Double(reader.sampleRate)).rounded())
        return StreamJob(path: path, frames: frames, loop: false)
    }

    /// Streams each job through the loader's own path (decode, resample, make stereo, write into
    /// its ring) on this thread, and drops the frames as fast as a mixer would read them. This is
    /// what decoding costs `respite render` with nothing mixed: the baseline `scripts/compare`
    /// and the decode benchmarks measure. Returns the frames streamed.
    public static func drain(_ jobs: [StreamJob], sampleRate: Int) throws -> Int {
        let streamer = MediaStreamer(jobs: jobs.map { [$0] }, sampleRate: sampleRate)
        var total = 0
        while true {
            let written = streamer.pump()
            for ring in streamer.rings { total += ring.skip(frames: ring.availableToRead) }
            if written == 0 && streamer.isExhausted { break }
        }
        if let failure = streamer.failures.first { throw failure }
        return total
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
///
/// A looping job never jumps from the file's last frame to its first: that would click, and step in
/// level wherever the end and the start differ. Instead, in the file's own sample-rate domain (before
/// resampling, so the resampler sees one continuous signal), the last `C` frames of the file are
/// crossfaded into its first `C` with an equal-power law, tail·cos(πt/2) + head·sin(πt/2), t 0…1.
/// With `L` the file's length and `P = L − C` the loop period, the looped stream `S` is
///
///     S[n] = F[n]                          for n < P (the first pass starts cleanly at 0)
///     S[n] = X[m],  m = n mod P            for n ≥ P and m < C (the crossfade)
///     S[n] = F[m]                          for n ≥ P and m ≥ C
///     X[i] = F[P + i]·cos(πi/2C) + F[i]·sin(πi/2C)
///
/// so it plays 0…P, then crossfades the tail P…L with the head 0…C, carries on from C…P, and so on.
/// `C` is 2 s at the file's rate, at most a quarter of the file; the head's `C` frames are decoded
/// once at open and held in memory, so each seam costs one seek.
///
/// Real-time safety: none; everything here decodes, seeks and allocates. It runs on the loader thread.
final class JobDecoder {
    let job: StreamJob
    private var reader: AudioFileReader?
    private var resampler: StreamResampler?
    /// Why the job could not be read to the end; the rest of it is silence.
    private(set) var failure: AudioFileError?
    private var failureTaken = false
    private var remaining: Int
    private var inputEnded = false
    /// File frame the reader is at, for the plain (not looping) read; messages name it.
    private var filePosition = 0
    /// What `stat` said of the file when it was opened, to notice it being rewritten in place while read.
    private var openedStat: FileStamp?
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
    /// The loop, when the job loops and the file has any frames; `nil` otherwise.
    private var loop: LoopState?

    /// Where a looping job is in its loop pattern, in file frames.
    private struct LoopState {
        /// The file's length `L` in frames, from its header.
        let length: Int
        /// Crossfade length `C` in frames, 0…L/4; 0 makes a plain loop (for files under 4 frames).
        let crossfade: Int
        /// The file's first `C` frames (file channel count, interleaved): the crossfade's head.
        let head: UnsafeMutablePointer<Float>
        /// Frame of the looped stream within the current period, 0 ..< `period`.
        var position = 0
        /// False during the first pass, which starts at frame 0 without a crossfade.
        var looped = false
        /// Where the reader will read next, in file frames.
        var readerFrame = 0
        /// Set when a seek fails: the loop ends there and the rest of the job is silence, as a file
        /// that ends does.
        var cannotSeek = false

        /// The loop period `P = L − C` in frames.
        var period: Int { length - crossfade }
    }

    init(job: StreamJob, engineRate: Int) {
        self.job = job
        remaining = job.frames - job.offset
        var opened: AudioFileReader?
        openedStat = FileStamp(job.path)
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
            // Precision matched to the source: 16-bit speech and lossy music need no 20-bit filter.
            do {
                resampler = try StreamResampler(
                    inputRate: opened.sampleRate, outputRate: engineRate, channels: fileChannels,
                    quality: .matching(sourceBits: opened.resolutionBits))
            } catch {
                // Played unconverted it would sound at the wrong pitch and length: silence, and say so.
                fail(
                    AudioFileError(
                        call: "soxr_create", path: job.path, message: "cannot convert it to \(engineRate) Hz: \(error)",
                        suggestion:
                            "Re-encode the file at \(engineRate) Hz, or render with --rate \(opened.sampleRate)."))
            }
        }
        guard let opened, failure == nil else { return }
        // Joined part-way (after a seek): start decoding where the voice now is.
        let fileFrame = Int((Double(job.offset) * Double(opened.sampleRate) / Double(engineRate)).rounded())
        if job.loop && opened.frames > 0 {
            loop = JobDecoder.openLoop(opened, channels: fileChannels, startingAt: fileFrame)
            if let error = opened.lastError { fail(error) }
        } else if job.offset > 0 {
            do {
                try opened.seek(toFrame: min(fileFrame, opened.frames))
                filePosition = min(fileFrame, opened.frames)
            } catch {
                fail(error)
            }
        }
    }

    /// The failure, once: the streamer records each failure as it happens.
    func takeFailure() -> AudioFileError? {
        guard let failure, !failureTaken else { return nil }
        failureTaken = true
        return failure
    }

    /// Stops reading the job (the rest is silence) and keeps the first reason.
    private func fail(_ error: AudioFileError) {
        if failure == nil { failure = error }
        inputEnded = true
    }

    /// A failure to read on at file frame `frame`, naming the time in the file.
    private func readFailure(at frame: Int, _ reason: String) -> AudioFileError {
        let rate = Double(max(1, reader?.sampleRate ?? 1))
        let seconds = Double(frame) / rate
        let minutes = Int(seconds) / 60
        let rest = seconds - Double(minutes * 60)
        let time = "\(minutes):" + (rest < 10 ? "0" : "") + String(format: "%.1f", rest)
        return AudioFileError(
            call: "sf_readf_float", path: job.path,
            message: "reading stopped at \(time) into the file (frame \(frame) of \(reader?.frames ?? 0)): \(reason)",
            suggestion: "The file was changed, cut short or damaged while it was being read; copy it again from its "
                + "source and try again.")
    }

    /// Called when the reader gives no more frames: an error, a file shorter than its header, or a file rewritten
    /// in place since it was opened is a failure; otherwise the file simply ended.
    private func checkEnd(of reader: AudioFileReader, at frame: Int) {
        if let error = reader.lastError {
            fail(readFailure(at: frame, error.message))
        } else if reader.lengthIsExact && frame < reader.frames {
            fail(readFailure(at: frame, "the file ended \(reader.frames - frame) frames before its header says"))
        } else if let opened = openedStat, let now = FileStamp(job.path), now.isSameFile(as: opened), now != opened {
            fail(readFailure(at: frame, "the file was rewritten while it was being read"))
        }
    }

    deinit {
        input.deallocate()
        resampled.deallocate()
        output.deallocate()
        loop?.head.deallocate()
    }

    /// Crossfade length in seconds at the file's rate, before the quarter-of-the-file limit.
    static let loopCrossfadeSeconds = 2.0

    /// Reads the head of a looping file and places the loop at stream frame `streamFrame` (file
    /// frames from the job's start, 0 or more).
    private static func openLoop(
        _ reader: AudioFileReader, channels: Int, startingAt streamFrame: Int
    ) -> LoopState {
        let length = reader.frames
        let crossfade = min(Int(loopCrossfadeSeconds * Double(reader.sampleRate)), length / 4)
        let head = UnsafeMutablePointer<Float>.allocate(capacity: max(1, crossfade * channels))
        var got = 0
        while got < crossfade {
            let count = reader.read(into: head + got * channels, frames: crossfade - got)
            if count == 0 { break }
            got += count
        }
        // A file shorter than its header says: the missing head is silence (it only fades in).
        (head + got * channels).initialize(repeating: 0, count: (crossfade - got) * channels)
        var state = LoopState(length: length, crossfade: crossfade, head: head, readerFrame: got)
        // Map the stream frame onto the pattern: the first pass is P frames long, so is every later one.
        let period = state.period
        state.looped = streamFrame >= period
        state.position = streamFrame % period
        return state
    }

    /// Fills `buffer` with up to `frames` frames of the looped stream (file channel count).
    /// Returns the frames written: 0 only if the file yields nothing at all.
    private func readLooped(into buffer: UnsafeMutablePointer<Float>, frames: Int) -> Int {
        guard let reader, var state = loop else { return 0 }
        defer { loop = state }
        let c = fileChannels
        var done = 0
        while done < frames && !state.cannotSeek {
            if state.position >= state.period {
                state.position = 0
                state.looped = true
                // Each pass reads the file again: one rewritten in place since it was opened is not the one measured.
                if let opened = openedStat, let now = FileStamp(job.path), now.isSameFile(as: opened), now != opened {
                    failure =
                        failure ?? readFailure(at: state.readerFrame, "the file was rewritten while it was being read")
                    break
                }
            }
            let m = state.position
            let destination = buffer + done * c
            if m < state.crossfade && !state.looped {
                // The first pass's head: already decoded.
                let count = min(frames - done, state.crossfade - m)
                destination.update(from: state.head + m * c, count: count * c)
                state.position += count
                done += count
            } else if m < state.crossfade {
                // The seam: the file's tail fades out as its head fades in.
                let count = min(frames - done, state.crossfade - m)
                let got = JobDecoder.read(reader, at: state.period + m, into: destination, frames: count, &state)
                if state.cannotSeek { break }
                if got < count && reader.lengthIsExact {
                    failure =
                        failure ?? readFailure(at: state.period + m + got, "the file ended before its header says")
                    break
                }
                // A tail cut short (a header that overstated the length) is silence: the head still
                // fades in, so the seam is no worse than the file's own end.
                (destination + got * c).update(repeating: 0, count: (count - got) * c)
                let scale = Double.pi / 2 / Double(state.crossfade)
                for i in 0..<count {
                    let angle = Double(m + i) * scale
                    let tailGain = Float(cos(angle))
                    let headGain = Float(sin(angle))
                    for ch in 0..<c {
                        let k = i * c + ch
                        destination[k] = destination[k] * tailGain + state.head[(m + i) * c + ch] * headGain
                    }
                }
                state.position += count
                done += count
            } else {
                let count = min(frames - done, state.period - m)
                let got = JobDecoder.read(reader, at: m, into: destination, frames: count, &state)
                if state.cannotSeek { break }
                if got == 0 {
                    if reader.lengthIsExact {
                        failure = failure ?? readFailure(at: m, "the file ended before its header says")
                        break
                    }
                    // An MP3 may end before its header's estimate: go straight to the seam, which always
                    // yields frames. A plain loop with nothing at its start is over.
                    if state.crossfade == 0 && m == 0 { break }
                    state.position = state.period
                    continue
                }
                state.position += got
                done += got
            }
        }
        if state.cannotSeek {
            // Only a file that changed since it was opened fails a seek within its own length.
            failure = failure ?? readFailure(at: state.readerFrame, "cannot seek back to loop it")
        }
        return done
    }

    /// Reads `frames` frames at file frame `frame` (fewer only at the file's end), seeking only when
    /// the reader is elsewhere.
    private static func read(
        _ reader: AudioFileReader, at frame: Int, into buffer: UnsafeMutablePointer<Float>, frames: Int,
        _ state: inout LoopState
    ) -> Int {
        if state.readerFrame != frame {
            guard (try? reader.seek(toFrame: min(frame, state.length))) != nil else {
                state.cannotSeek = true
                return 0
            }
            state.readerFrame = frame
        }
        var got = 0
        while got < frames {
            let count = reader.read(into: buffer + got * reader.channels, frames: frames - got)
            if count == 0 { break }
            got += count
        }
        state.readerFrame += got
        return got
    }

    var isDone: Bool { remaining == 0 }

    /// Makes the job `frames` long in all (the end of a growing session decides it); frames
    /// already produced past that stay produced.
    func shorten(to frames: Int) {
        let produced = job.frames - job.offset - remaining
        remaining = max(0, frames - job.offset - produced)
    }

    /// Writes as many of the job's remaining frames into `ring` as fit; returns how many.
    func produce(into ring: RingBuffer, atMost limit: Int = .max) -> Int {
        var written = 0
        while remaining > 0 && ring.availableToWrite > 0 && written < limit {
            if outputCount == 0 {
                convertMore()
                if outputCount == 0 {
                    // The file is over (or broken): the rest of the job is silence.
                    let count = ring.writeSilence(frames: min(remaining, limit - written))
                    remaining -= count
                    written += count
                    continue
                }
            }
            let count = ring.write(output + outputOffset * 2, frames: min(outputCount, remaining, limit - written))
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
        guard let reader, failure == nil else { return }
        var attempts = 0
        while outputCount == 0 && attempts < 64 {
            attempts += 1
            if inputCount == 0 && !inputEnded {
                let got: Int
                if loop == nil {
                    got = reader.read(into: input, frames: MediaStreamer.chunkFrames)
                    filePosition += got
                    if got < MediaStreamer.chunkFrames { checkEnd(of: reader, at: filePosition) }
                } else {
                    got = readLooped(into: input, frames: MediaStreamer.chunkFrames)
                    if let error = reader.lastError { fail(readFailure(at: loop?.readerFrame ?? 0, error.message)) }
                }
                // A failure plays as silence from here: what was read before it is kept.
                inputOffset = 0
                inputCount = failure == nil ? got : 0
                if got == 0 || failure != nil { inputEnded = true }
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
                    produced =
                        resampler.process(
                            input: nil, inputFrames: 0, output: resampled,
                            outputCapacity: MediaStreamer.chunkFrames * 32
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

    /// Copies `frames` frames into `output` as stereo: stereo as it is, mono to both sides, and
    /// the first two channels of anything wider.
    private func toStereo(_ source: UnsafePointer<Float>, frames: Int) {
        switch fileChannels {
        case 2:
            output.update(from: source, count: frames * 2)
        case 1:
            for n in 0..<frames {
                output[2 * n] = source[n]
                output[2 * n + 1] = source[n]
            }
        default:
            let c = fileChannels
            for n in 0..<frames {
                output[2 * n] = source[n * c]
                output[2 * n + 1] = source[n * c + 1]
            }
        }
        outputCount = frames
    }
}
