// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Respite",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "respite", targets: ["respite"]),
        .library(name: "FileAccess", targets: ["FileAccess"]),
        .library(name: "Localization", targets: ["Localization"]),
        .library(name: "SessionKit", targets: ["SessionKit"]),
        .library(name: "Mixer", targets: ["Mixer"]),
        .library(name: "AudioIO", targets: ["AudioIO"]),
        .library(name: "Player", targets: ["Player"]),
        .library(name: "History", targets: ["History"]),
        .library(name: "Clinic", targets: ["Clinic"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // System libraries: a modulemap and a shim.h each, nothing else.
        .systemLibrary(
            name: "CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(
            name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(
            name: "CSoxr", pkgConfig: "soxr", providers: [.apt(["libsoxr-dev"])]),
        .systemLibrary(
            name: "CEbur128", pkgConfig: "libebur128", providers: [.apt(["libebur128-dev"])]),
        // espeak-ng's headers only: the library is loaded with dlopen when narration needs it (SpeechEngine).
        .systemLibrary(name: "CEspeak"),
        // Two glibc calls for starting the Piper engine that Swift's C library module leaves out.
        .systemLibrary(name: "CProcess"),
        // Two socket calls of the control socket that need _GNU_SOURCE (accept4, SO_PEERCRED): a C file.
        .target(name: "CSocket"),

        // The one way an input file is opened (regular files only, no NUL, caps, links kept inside a root).
        .target(name: "FileAccess"),

        // Pure layers: no C library, no I/O beyond reading the session file.
        .target(name: "Localization"),
        .target(name: "SessionKit", dependencies: ["FileAccess", "Localization"]),
        .target(
            name: "Mixer",
            dependencies: [.product(name: "Atomics", package: "swift-atomics")],
            // The render path is optimised in debug builds too: tests render whole sessions, and an
            // unoptimised limiter and mixer would make them take many minutes.
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),

        // The only module that touches C audio libraries.
        .target(
            name: "AudioIO",
            dependencies: [
                "CALSA", "CSndFile", "CSoxr", "CEbur128", "CEspeak", "CProcess", "Mixer", "FileAccess",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "Player",
            dependencies: [
                "SessionKit", "Localization", "Mixer", "AudioIO", "FileAccess",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The history of runs and ratings: SQLite through GRDB, never touched from the audio thread.
        .target(name: "History", dependencies: ["SessionKit", .product(name: "GRDB", package: "GRDB.swift")]),
        // A clinic's schedule: the file, and when each rule plays (time zones, daylight saving, missed runs). Pure:
        // every clock reading comes in as an argument, so it is tested in virtual time.
        .target(name: "Clinic", dependencies: ["SessionKit", "FileAccess"]),
        .executableTarget(
            name: "respite",
            dependencies: [
                "Player", "SessionKit", "Localization", "AudioIO", "Mixer", "History", "FileAccess", "Clinic",
                "CProcess", "CSocket",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Test support: counts malloc calls on the calling thread (interposes malloc in the test binary).
        .target(name: "AllocationCounter", path: "Tests/AllocationCounter"),
        // Test support: the neural voice as `make voices` installs it, and whether its tests must run.
        .target(name: "NeuralVoiceSupport", dependencies: ["AudioIO"], path: "Tests/NeuralVoiceSupport"),
        .testTarget(name: "FileAccessTests", dependencies: ["FileAccess"]),
        .testTarget(
            name: "SessionKitTests", dependencies: ["SessionKit", "Localization"], resources: [.copy("Corpus")]),
        .testTarget(name: "MixerTests", dependencies: ["Mixer", "AllocationCounter"]),
        .testTarget(name: "AudioIOTests", dependencies: ["AudioIO", "Mixer", "FileAccess", "NeuralVoiceSupport"]),
        .testTarget(
            name: "PlayerTests", dependencies: ["Player", "SessionKit", "AudioIO", "Mixer", "NeuralVoiceSupport"]),
        .testTarget(
            name: "HistoryTests",
            dependencies: ["History", "SessionKit", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "ClinicTests", dependencies: ["Clinic", "SessionKit"]),
        .testTarget(
            name: "RespiteEndToEndTests",
            dependencies: [
                "respite", "Player", "SessionKit", "Localization", "AudioIO", "History", "NeuralVoiceSupport",
            ]),
    ],
    swiftLanguageModes: [.v6]
)
