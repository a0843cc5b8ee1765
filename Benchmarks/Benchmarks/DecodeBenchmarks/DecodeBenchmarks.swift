import AudioIO
import Benchmark
import Foundation
import Player

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Decode + resample throughput per format.
//
// Every file a session plays (music beds, recorded narration, cues) is decoded with libsndfile and,
// when its rate is not the engine's, resampled with libsoxr on the loader thread while the mixer
// plays. The loader must stay far ahead of real time, with room for several streams at once, on a
// small machine that is also mixing. Each iteration here opens one file of `DecodeSources` (3 min 16 s
// of music) and decodes it from start to end into a stream ring at 48 kHz with the streamer's own
// code (`MediaStreamer.drain`, the loader's path with nothing mixed), so the benchmarks compare formats, rates and channel counts on the same
// content. The warm-up iteration brings each file into the page cache, so this measures decoding and
// resampling, not the disk.
//
// Besides wall clock, CPU time, throughput (files per second) and malloc count, each benchmark
// reports "Frames/s (48 kHz out)", stereo frames delivered to the ring per second of wall clock,
// "× real time", how many times faster than the audio plays, and "Thread CPU (ms)", the decoding
// thread's CPU time (package-benchmark's CPU time comes in 10 ms ticks).

/// Stereo frames at 48 kHz delivered per second.
let framesPerSecond = BenchmarkMetric.custom("Frames/s (48 kHz out)", polarity: .prefersLarger, useScalingFactor: false)
/// Seconds of audio decoded per second.
let realTimeFactor = BenchmarkMetric.custom("× real time", polarity: .prefersLarger, useScalingFactor: false)
/// CPU time of the decoding thread, milliseconds.
let threadCPU = BenchmarkMetric.custom("Thread CPU (ms)", polarity: .prefersSmaller, useScalingFactor: false)

/// CPU time of the calling thread so far, nanoseconds.
func threadCPUNanoseconds() -> Int {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return now.tv_sec * 1_000_000_000 + now.tv_nsec
}

let benchmarks: @Sendable () -> Void = {
    let engineRate = 48_000
    for source in DecodeSources.sources {
        Benchmark(
            "Decode \(source.title)",
            configuration: .init(
                metrics: [
                    .wallClock, .cpuTotal, .throughput, .mallocCountTotal, framesPerSecond, realTimeFactor, threadCPU,
                ],
                timeUnits: .milliseconds, units: [framesPerSecond: .mega, .throughput: .count], warmupIterations: 1,
                maxDuration: .seconds(2), maxIterations: 20)
        ) { benchmark, path in
            do {
                let job = try MediaStreamer.wholeFile(path, sampleRate: engineRate)
                benchmark.startMeasurement()
                let cpuBefore = threadCPUNanoseconds()
                let start = ContinuousClock.now
                let frames = try MediaStreamer.drain([job], sampleRate: engineRate)
                let end = ContinuousClock.now
                let cpuAfter = threadCPUNanoseconds()
                benchmark.stopMeasurement()

                // Sanity: the whole file came out, at 48 kHz.
                if frames != job.frames || frames == 0 {
                    benchmark.error("\(path) gave \(frames) frames at 48 kHz; its header promises \(job.frames)")
                    return
                }
                let (seconds, attoseconds) = (end - start).components
                let elapsed = Double(seconds) + Double(attoseconds) / 1e18
                benchmark.measurement(framesPerSecond, Int(Double(frames) / elapsed))
                benchmark.measurement(realTimeFactor, Int(Double(frames) / Double(engineRate) / elapsed))
                benchmark.measurement(threadCPU, (cpuAfter - cpuBefore) / 1_000_000)
            } catch {
                benchmark.error("decoding \(path) failed: \(error)")
            }
        } setup: {
            try DecodeSources.prepared().appendingPathComponent(source.file).path
        }
    }
}
