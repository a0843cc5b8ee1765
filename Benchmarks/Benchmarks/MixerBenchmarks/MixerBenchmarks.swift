import Benchmark
import Mixer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Mixer render per period.
//
// What the audio thread does every period: one `Mixer.render(left:right:frames:)` call, at 48 kHz,
// for periods of 64 frames (1.33 ms, low-latency live playback) and 256 frames (5.33 ms, the
// default), with 1, 8 and 32 voices of the realistic mix `BenchmarkMix` describes. Each iteration
// renders exactly one period into preallocated buffers; the mixer is built in the benchmark's setup
// and the stream rings are topped up before the measured region, as the loader thread does, so only
// the render call is measured. The schedule lasts ten minutes, so it never ends during a run (the
// benchmark fails if it does, or if a ring ran dry or a voice was dropped: then it would measure
// less than it says).
//
// Why: Respite's real-time budget is a render of a 64-frame period with 32 voices in at most 2 % of
// the period and with no allocation at all. Besides package-benchmark's wall clock, CPU time,
// throughput (periods rendered per second) and malloc count, each render benchmark reports figures
// taken just around the render call, nested so that none includes the others' probes:
// - "Render mallocs" (outermost): allocations made by the render call alone, counted through
//   package-benchmark's malloc interposer (see `AllocationProbe`). package-benchmark's own
//   `Malloc (total)` also counts its bookkeeping, 16 to 18 per iteration, which the "Harness
//   baseline" benchmark shows with nothing measured at all.
// - "Render CPU (ns)": the rendering thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), since
//   package-benchmark's CPU time comes from the process's accounting in 10 ms ticks, far coarser
//   than one render.
// - "Render time (ns)" (innermost): the render's wall-clock time, and "Render % of period ×100", the
//   same as a share of the period's duration, in hundredths of a percent (200 = 2 %).
// package-benchmark's wall clock spans the probes as well (two CPU-clock system calls): about 2 µs
// more than "Render time", which is the figure to read.
//
// A render that allocates is recorded, not failed (a failed benchmark loses all its figures): a single
// allocating period among thousands shows as 1 in the p100 column of "Render mallocs". For
// comparisons, "Render mallocs" has a zero-tolerance threshold at every percentile and
// `Malloc (total)` one at its lowest (p0; the others move between 16 and 18 with the harness's own
// bookkeeping), so `swift package benchmark baseline check` against a stored baseline reports any
// new allocation as a regression.

/// Allocations made by the render call alone, per period.
let renderMallocs = BenchmarkMetric.custom("Render mallocs", polarity: .prefersSmaller, useScalingFactor: false)
/// The rendering thread's CPU time for the render call, nanoseconds.
let renderCPU = BenchmarkMetric.custom("Render CPU (ns)", polarity: .prefersSmaller, useScalingFactor: false)
/// The render call's wall-clock time, nanoseconds.
let renderTime = BenchmarkMetric.custom("Render time (ns)", polarity: .prefersSmaller, useScalingFactor: false)
/// The render call's time as a share of the period's duration, in hundredths of a percent.
let periodLoad = BenchmarkMetric.custom("Render % of period ×100", polarity: .prefersSmaller, useScalingFactor: false)

/// No tolerance at all, at every percentile: one allocating render in a run is a regression.
var noAllocation: BenchmarkThresholds {
    BenchmarkThresholds(
        relative: BenchmarkThresholds.Relative.none,
        absolute: [.p0: 0, .p25: 0, .p50: 0, .p75: 0, .p90: 0, .p99: 0, .p100: 0])
}

/// No tolerance at the lowest percentile, the only one the harness's own allocations leave steady.
var noAllocationAtLeast: BenchmarkThresholds {
    BenchmarkThresholds(relative: BenchmarkThresholds.Relative.none, absolute: [.p0: 0])
}

/// CPU time of the calling thread so far, nanoseconds.
@inline(__always)
func threadCPUNanoseconds() -> Int {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return now.tv_sec * 1_000_000_000 + now.tv_nsec
}

let benchmarks: @Sendable () -> Void = {
    let probe = AllocationProbe()
    let standardMetrics: [BenchmarkMetric] = [.wallClock, .cpuTotal, .throughput, .mallocCountTotal]

    // The harness's own cost per iteration, measured in the same run: an explicit start and stop
    // around nothing. Its `Malloc (total)` is the overhead every benchmark's count carries.
    Benchmark(
        "Harness baseline (empty)",
        configuration: .init(
            metrics: standardMetrics, timeUnits: .nanoseconds, units: [.throughput: .count], warmupIterations: 100,
            maxDuration: .seconds(1), maxIterations: 5_000)
    ) { benchmark in
        benchmark.startMeasurement()
        blackHole(benchmark.currentIteration)
        benchmark.stopMeasurement()
    }

    for frames in [64, 256] {
        for voices in [1, 8, 32] {
            let periodNanoseconds = Double(frames) * 1e9 / Double(BenchmarkMix.rate)
            Benchmark(
                "Render \(frames) frames, \(voices) voice\(voices == 1 ? "" : "s")",
                configuration: .init(
                    metrics: standardMetrics + [renderMallocs, renderCPU, renderTime, periodLoad],
                    timeUnits: .nanoseconds, units: [.throughput: .count, renderCPU: .count, renderTime: .count],
                    warmupIterations: 500, maxDuration: .seconds(2), maxIterations: 10_000,
                    thresholds: [renderMallocs: noAllocation, .mallocCountTotal: noAllocationAtLeast])
            ) { benchmark, fixture in
                guard let probe else {
                    benchmark.error("the malloc interposer is not linked in: build with the MallocInterposer trait")
                    return
                }
                fixture.refill()
                if !fixture.probeChecked && benchmark.currentIteration >= benchmark.configuration.warmupIterations {
                    // Counting is on from the first measured iteration: check that the probe sees an allocation.
                    fixture.probeChecked = true
                    let before = probe.count()
                    let allocated = [Int](repeating: 1, count: benchmark.currentIteration + 100)
                    blackHole(allocated)
                    if probe.count() == before {
                        benchmark.error("the allocation probe counted nothing for an array allocation")
                        return
                    }
                }

                benchmark.startMeasurement()
                let mallocsBefore = probe.count()
                let cpuBefore = threadCPUNanoseconds()
                let start = ContinuousClock.now
                fixture.render()
                let end = ContinuousClock.now
                let cpuAfter = threadCPUNanoseconds()
                let mallocsAfter = probe.count()
                benchmark.stopMeasurement()

                blackHole(fixture.left[frames - 1])
                let allocations = mallocsAfter - mallocsBefore
                let (seconds, attoseconds) = (end - start).components
                let nanoseconds = Double(seconds) * 1e9 + Double(attoseconds) / 1e9
                benchmark.measurement(renderMallocs, allocations)
                benchmark.measurement(renderCPU, cpuAfter - cpuBefore)
                benchmark.measurement(renderTime, Int(nanoseconds.rounded()))
                benchmark.measurement(periodLoad, Int((nanoseconds / periodNanoseconds * 10_000).rounded()))

                let mixer = fixture.mixer
                if mixer.isFinished || mixer.underruns > 0 || mixer.droppedVoices > 0 {
                    benchmark.error(
                        "the mix no longer plays what it should: finished \(mixer.isFinished), "
                            + "\(mixer.underruns) frames of underrun, \(mixer.droppedVoices) dropped voices")
                }
            } setup: {
                RenderFixture(voices: voices, frames: frames)
            }
        }
    }
}
