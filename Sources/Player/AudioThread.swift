import Atomics
import AudioIO
import Foundation
import Mixer

#if canImport(Glibc)
    import Glibc
#endif

/// The one thread that owns the PCM: it renders a period, writes it, and repeats, until the
/// mixer finishes, the device is lost, or it is told to stop.
///
/// Real-time safety: the loop allocates nothing, takes no lock, logs nothing and waits only in
/// the device's write. It asks for SCHED_FIFO scheduling and carries on without it when the
/// system refuses; ``realtimeRefusal`` says so afterwards, for the control side to log.
///
/// Thread safety: create and ``start()`` on the control thread; the published counters may be
/// read from any thread.
public final class AudioThread: @unchecked Sendable {
    public enum State: Int, AtomicValue, Sendable {
        case idle, running, finished, stopped, deviceLost
    }

    public let output: any PCMOutput
    public let mixer: Mixer
    /// Real-time priority asked for (1…99); 0 asks for none.
    public let priority: Int32

    private let published = ManagedAtomic<State>(.idle)
    private let stopRequested = ManagedAtomic<Bool>(false)
    private let recoveredUnderruns = ManagedAtomic<Int>(0)
    private let silentUnderruns = ManagedAtomic<Int>(0)
    private let worstRender = ManagedAtomic<Int>(0)
    private let firstHandoff = ManagedAtomic<Int>(0)
    private let lostCode = ManagedAtomic<Int>(0)
    private let priorityError = ManagedAtomic<Int>(-1)
    private let sliceResult = ManagedAtomic<Int>(1)
    private let buffer: UnsafeMutablePointer<Float>
    private var done: DispatchSemaphore?
    /// Periods by render time, in ``RenderTimes/bucketNanoseconds`` buckets; written by the audio
    /// thread only, read once it has ended.
    private let histogram: UnsafeMutablePointer<Int>

    /// - Parameter priority: SCHED_FIFO priority to ask for, 1…99 (default 70, below the kernel's
    ///   own interrupt threads).
    public init(output: any PCMOutput, mixer: Mixer, priority: Int32 = 70) {
        self.output = output
        self.mixer = mixer
        self.priority = priority
        buffer = .allocate(capacity: max(1, output.periodFrames) * 2)
        histogram = .allocate(capacity: RenderTimes.buckets)
        histogram.initialize(repeating: 0, count: RenderTimes.buckets)
    }

    deinit {
        buffer.deallocate()
        histogram.deallocate()
    }

    /// How long each period's render took, for percentiles. Call after ``join()`` (or once
    /// ``state`` is no longer `.running`): the audio thread writes it without synchronisation.
    public func renderTimes() -> RenderTimes {
        RenderTimes(counts: Array(UnsafeBufferPointer(start: histogram, count: RenderTimes.buckets)))
    }

    public var state: State { published.load(ordering: .acquiring) }
    /// Device underruns: the xruns recovered with `snd_pcm_recover`, and the times the device
    /// played dry without reporting it (``PCMOutput/unreportedUnderruns``).
    public var underruns: Int {
        recoveredUnderruns.load(ordering: .relaxed) + silentUnderruns.load(ordering: .relaxed)
    }
    /// The longest time one period's render took, in nanoseconds.
    public var worstRenderNanoseconds: Int { worstRender.load(ordering: .relaxed) }
    /// When the first period was handed to the device, in CLOCK_MONOTONIC nanoseconds (the same
    /// clock in every process); nil before it has been.
    public var firstHandoffNanoseconds: Int? {
        let value = firstHandoff.load(ordering: .relaxed)
        return value == 0 ? nil : value
    }
    /// The negative errno that ended playback when ``state`` is `.deviceLost`.
    public var deviceLostCode: Int32 { Int32(truncatingIfNeeded: lostCode.load(ordering: .relaxed)) }
    /// nil while unknown or granted; the errno from `pthread_setschedparam` when refused.
    public var realtimeRefusal: Int32? {
        let code = priorityError.load(ordering: .relaxed)
        return code > 0 ? Int32(code) : nil
    }

    /// Starts the thread.
    ///
    /// - Returns: 0, or the error number the system gave when it refused the thread (a process or memory limit);
    ///   then nothing plays and ``state`` stays as it was.
    @discardableResult
    public func start() -> Int32 {
        guard done == nil else { return 0 }
        let finished = DispatchSemaphore(value: 0)
        published.store(.running, ordering: .releasing)
        let refused = SystemThread.start(name: "respite-audio", stackSize: 1 << 20) { [self] in
            requestRealtime()
            run()
            finished.signal()
        }
        guard refused == 0 else {
            published.store(.finished, ordering: .releasing)
            return refused
        }
        done = finished
        return 0
    }

    /// Asks the thread to end after the period it is writing, and waits for it. Not real-time safe.
    public func stop() {
        stopRequested.store(true, ordering: .relaxed)
        join()
    }

    /// Waits until the thread has ended (finished, stopped or lost its device).
    public func join() {
        guard let done else { return }
        done.wait()
        done.signal()  // later joins return at once
    }

    /// SCHED_FIFO if the system allows it; otherwise a short fair-scheduler time slice
    /// (``TimeSlice``), which needs no privilege and lets the thread run sooner when it wakes.
    private func requestRealtime() {
        guard priority > 0 else { return }
        var parameters = sched_param()
        parameters.sched_priority = priority
        let result = pthread_setschedparam(pthread_self(), SCHED_FIFO, &parameters)
        priorityError.store(Int(result), ordering: .relaxed)
        if result != 0 { sliceResult.store(Int(TimeSlice.request()), ordering: .relaxed) }
    }

    /// True when real-time priority was refused and the short time slice granted instead.
    public var shortTimeSlice: Bool { sliceResult.load(ordering: .relaxed) == 0 }

    private func run() {
        let period = output.periodFrames
        var time = timespec()
        while !stopRequested.load(ordering: .relaxed) {
            clock_gettime(CLOCK_MONOTONIC, &time)
            let before = Int(time.tv_sec) * 1_000_000_000 + Int(time.tv_nsec)
            mixer.render(interleavedInto: buffer, frames: period)
            clock_gettime(CLOCK_MONOTONIC, &time)
            let elapsed = Int(time.tv_sec) * 1_000_000_000 + Int(time.tv_nsec) - before
            if elapsed > worstRender.load(ordering: .relaxed) { worstRender.store(elapsed, ordering: .relaxed) }
            histogram[min(max(0, elapsed) / RenderTimes.bucketNanoseconds, RenderTimes.buckets - 1)] += 1
            if firstHandoff.load(ordering: .relaxed) == 0 { firstHandoff.store(before + elapsed, ordering: .relaxed) }
            var code = output.write(buffer, frames: period)
            if code == -EPIPE || code == -ESTRPIPE || code == -EINTR {
                recoveredUnderruns.wrappingIncrement(ordering: .relaxed)
                code = output.recover(code)
                if code == 0 { code = output.write(buffer, frames: period) }
            }
            let unreported = output.unreportedUnderruns
            if unreported != silentUnderruns.load(ordering: .relaxed) {
                silentUnderruns.store(unreported, ordering: .relaxed)
            }
            if code < 0 {
                lostCode.store(Int(code), ordering: .relaxed)
                published.store(.deviceLost, ordering: .releasing)
                return
            }
            if mixer.isFinished {
                output.drain()
                published.store(.finished, ordering: .releasing)
                return
            }
        }
        published.store(.stopped, ordering: .releasing)
    }
}

/// A histogram of render times per period: 4 µs buckets up to about 1 ms, the last bucket holding
/// everything slower. Kept by the audio thread in storage allocated up front.
public struct RenderTimes: Sendable, Equatable {
    /// Width of a bucket in nanoseconds.
    public static let bucketNanoseconds = 4_000
    /// Number of buckets.
    public static let buckets = 256

    /// Periods per bucket.
    public var counts: [Int]

    public init(counts: [Int] = Array(repeating: 0, count: RenderTimes.buckets)) {
        self.counts = counts
    }

    /// Periods counted.
    public var periods: Int { counts.reduce(0, +) }

    /// The render time in nanoseconds that `fraction` (0…1) of periods stayed within: the upper
    /// edge of the bucket holding that period (so at most 4 µs high). 0 with no periods.
    public func percentile(_ fraction: Double) -> Int {
        let total = periods
        guard total > 0 else { return 0 }
        let wanted = max(1, Int((Double(total) * min(max(fraction, 0), 1)).rounded(.up)))
        var seen = 0
        for (bucket, count) in counts.enumerated() {
            seen += count
            if seen >= wanted { return (bucket + 1) * Self.bucketNanoseconds }
        }
        return counts.count * Self.bucketNanoseconds
    }

    /// Both histograms together.
    public func merging(_ other: RenderTimes) -> RenderTimes {
        RenderTimes(counts: zip(counts, other.counts).map { $0 + $1 })
    }
}
