import Benchmark
import Foundation
import SessionKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Timeline compile of a large session.
//
// Before a sample sounds, Respite reads the session file, checks all of it (its own JSON parser,
// every problem with file:line:column), expands blocks and repeats, and compiles the whole session
// into a `Timeline` of integer frames. `respite play`, `validate`, `timeline` and `render` all pay
// this before anything happens on screen, so it must stay well under what a listener notices, even
// for a session an hour long. These benchmarks measure it on `LargeSession` (about an hour, several
// hundred steps), at 48 kHz, each step on its own:
// - "Load": `SessionLoader.load(contentsOf:)`, reading the file, parsing, checking every value and
//   that the audio files it names exist, and expanding blocks and repeats;
// - "Parse and check": the same from bytes already in memory (`load(bytes:file:directory:)`);
// - "List media": `Compiler.media(for:parameters:)`, what must be measured before compiling;
// - "Compile": `Compiler.compile(_:parameters:sampleRate:lengths:)`, with every speech and file
//   length supplied, as `SessionPreparer` does once clips are synthesised or found in the cache.
// The session is written into a folder under the temporary directory at registration; the figures
// in each benchmark's name (minutes, steps, sounds) come from compiling it there. Besides wall clock,
// CPU time, throughput (runs per second) and malloc count, each reports "Thread CPU (μs)", the
// measuring thread's CPU time for the call, since package-benchmark's CPU time comes in 10 ms ticks.

/// CPU time of the measured call on its thread, microseconds.
let threadCPU = BenchmarkMetric.custom("Thread CPU (μs)", polarity: .prefersSmaller, useScalingFactor: false)

/// CPU time of the calling thread so far, nanoseconds.
func threadCPUNanoseconds() -> Int {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return now.tv_sec * 1_000_000_000 + now.tv_nsec
}

extension Benchmark {
    /// Measures `work` alone, with its thread CPU time as ``threadCPU``; a thrown error fails the benchmark.
    func measure<T>(_ work: () throws -> T) {
        do {
            startMeasurement()
            let before = threadCPUNanoseconds()
            let result = try work()
            let after = threadCPUNanoseconds()
            stopMeasurement()
            Benchmark.blackHole(result)
            measurement(threadCPU, (after - before) / 1_000)
        } catch {
            self.error("\(error)")
        }
    }
}

/// Everything the benchmarks need, made once: the file, its bytes, the loaded session, the lengths.
struct TimelineFixture: Sendable {
    let loader = SessionLoader(audioRoot: nil)
    let path: String
    let directory: String
    let bytes: [UInt8]
    let session: Session
    let lengths: [Media: Int]
    let timeline: Timeline

    init() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("respite-benchmarks/large-session")
        path = try LargeSession.write(to: folder)
        directory = folder.path
        bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        session = try loader.load(contentsOf: path)
        lengths = LargeSession.lengths(for: session)
        timeline = try Compiler.compile(
            session, parameters: session.parameters, sampleRate: LargeSession.rate, lengths: lengths)
    }
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal, threadCPU], timeUnits: .microseconds,
        warmupIterations: 3, maxDuration: .seconds(2), maxIterations: 500)

    let fixture: TimelineFixture
    do {
        fixture = try TimelineFixture()
    } catch {
        Benchmark("Large session", configuration: configuration) { benchmark in
            benchmark.error("the large session could not be written, loaded or compiled: \(error)")
        }
        return
    }
    let minutes = Int((Double(fixture.timeline.duration) / Double(LargeSession.rate) / 60).rounded())
    let size =
        "\(minutes) min, \(fixture.session.steps.count) steps, \(fixture.bytes.count / 1024) KiB"
        + " → \(fixture.timeline.sounds.count) sounds"

    Benchmark("Load (\(size))", configuration: configuration) { benchmark in
        benchmark.measure { try fixture.loader.load(contentsOf: fixture.path) }
    }

    Benchmark("Parse and check (\(size))", configuration: configuration) { benchmark in
        benchmark.measure {
            try fixture.loader.load(bytes: fixture.bytes, file: fixture.path, directory: fixture.directory)
        }
    }

    Benchmark("List media (\(size))", configuration: configuration) { benchmark in
        benchmark.measure { Compiler.media(for: fixture.session, parameters: fixture.session.parameters) }
    }

    Benchmark("Compile (\(size))", configuration: configuration) { benchmark in
        benchmark.measure {
            try Compiler.compile(
                fixture.session, parameters: fixture.session.parameters, sampleRate: LargeSession.rate,
                lengths: fixture.lengths)
        }
    }
}
