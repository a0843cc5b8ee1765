// swift-tools-version: 6.1
// Respite's fuzz targets: a package of its own, so the main build and the test suite never build
// them. Built with libFuzzer by `make fuzz` (see the root Makefile): each target is an executable
// whose entry point, LLVMFuzzerTestOneInput, libFuzzer calls with one input at a time.
import PackageDescription

let package = Package(
    name: "RespiteFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Respite", path: "..")
    ],
    targets: [
        // SessionKit's JSON parser: any bytes must give a value or a located JSONError, never a trap.
        fuzzer("fuzz-json", [.product(name: "SessionKit", package: "Respite")]),
        // The session loader and compiler, with file checks injected so nothing touches the disk.
        fuzzer("fuzz-session", [.product(name: "SessionKit", package: "Respite")]),
        // The configuration reader (Configuration.parse(bytes:file:)).
        fuzzer("fuzz-configuration", [.product(name: "Player", package: "Respite")]),
    ],
    swiftLanguageModes: [.v6]
)

/// A libFuzzer target in Sources/`name`/. It has no main: libFuzzer brings its own, so the source is
/// compiled as a library file.
func fuzzer(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(
        name: name, dependencies: dependencies, swiftSettings: [.unsafeFlags(["-parse-as-library"])])
}
