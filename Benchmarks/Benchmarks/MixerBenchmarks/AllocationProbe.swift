#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads the allocation count of package-benchmark's malloc interposer, so a benchmark can count the
/// allocations of one call alone.
///
/// package-benchmark's own `mallocCountTotal` spans the whole measured region, its own bookkeeping
/// included: an empty benchmark shows 16 to 18 allocations per iteration. Reading the interposer's counter just before and just after
/// `Mixer.render` leaves only what the render call itself allocated, which Respite's real-time rule
/// says must be 0.
///
/// The interposer (ordo-one/malloc-interposer, linked in by the `MallocInterposer` trait) is found by
/// name at run time rather than imported, so this package needs no dependency beyond `Benchmark`.
/// Its counter is process-wide (an allocation on another thread at that moment would count too; the
/// render benchmarks start no thread) and only advances while package-benchmark has counting on,
/// that is during the measured iterations of a benchmark whose metrics include a malloc metric.
///
/// Real-time safety: ``count()`` takes the interposer's statistics lock and allocates nothing.
struct AllocationProbe: @unchecked Sendable {
    private typealias GetStatistics =
        @convention(c) (
            UnsafeMutablePointer<Int64>, UnsafeMutablePointer<Int64>, UnsafeMutablePointer<Int64>,
            UnsafeMutablePointer<Int64>, UnsafeMutablePointer<Int64>, UnsafeMutablePointer<Int64>
        ) -> Void

    private let getStatistics: GetStatistics

    /// Finds the interposer's `malloc_interposer_get_stats`; nil when the interposer is not linked in
    /// (the benchmark package built without the `MallocInterposer` trait).
    init?() {
        guard let program = dlopen(nil, RTLD_NOW), let symbol = dlsym(program, "malloc_interposer_get_stats")
        else { return nil }
        getStatistics = unsafeBitCast(symbol, to: GetStatistics.self)
    }

    /// Allocations (malloc, calloc, growing realloc, aligned allocations) counted in the process so far.
    @inline(__always)
    func count() -> Int {
        var mallocs: Int64 = 0
        var bytes: Int64 = 0
        var small: Int64 = 0
        var large: Int64 = 0
        var frees: Int64 = 0
        var freedBytes: Int64 = 0
        getStatistics(&mallocs, &bytes, &small, &large, &frees, &freedBytes)
        return Int(mallocs)
    }
}
