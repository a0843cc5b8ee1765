// swift-tools-version: 6.1
// Respite's benchmarks: a package of its own, so the main build and the test suite never build
// the benchmark harness. Run from this folder: `swift package benchmark` (see README, Performance).
import PackageDescription

let package = Package(
    name: "RespiteBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Respite", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // package-benchmark suites: the sources live in Benchmarks/<suite>/.
        suite("MixerBenchmarks"),
        suite("TimelineBenchmarks"),
        suite("DecodeBenchmarks"),
        // Decodes and resamples files exactly as `respite render` does, and mixes nothing: the
        // baseline that scripts/compare measures the cost of mixing against.
        .executableTarget(
            name: "decode-only",
            dependencies: [
                .product(name: "AudioIO", package: "Respite"), .product(name: "Player", package: "Respite"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)

/// A package-benchmark suite: an executable in Benchmarks/`name`/ that may use every Respite library.
func suite(_ name: String) -> Target {
    .executableTarget(
        name: name,
        dependencies: [
            .product(name: "Mixer", package: "Respite"),
            .product(name: "SessionKit", package: "Respite"),
            .product(name: "AudioIO", package: "Respite"),
            .product(name: "Player", package: "Respite"),
            .product(name: "Benchmark", package: "benchmark"),
        ],
        path: "Benchmarks/\(name)",
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")])
}
