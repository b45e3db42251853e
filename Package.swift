// swift-tools-version:6.0
// fdhound: the Swift half (trace reader, symbolizer, analysis, reports, CLI). The preloaded C shim is
// built by shim/Makefile, not by SwiftPM: a SwiftPM dynamic library always links libswiftCore, and the
// shim is loaded into arbitrary processes (see docs/ARCHITECTURE.md).
import PackageDescription

let package = Package(
    name: "fdhound",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "fdhound", targets: ["fdhound"]),
        .library(name: "FDHoundCore", targets: ["FDHoundCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        // The Prometheus text format of `fdhound metrics` (label escaping, HELP/TYPE lines): not hand-written.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        // The trace format, defined once in C and imported by Swift through a module map.
        .target(name: "CFDHoundTrace"),
        // Read-only mappings of trace files whose truncation under the reader is a flag, not SIGBUS.
        .target(name: "CFDHoundMapping"),
        .target(
            name: "FDHoundCore",
            dependencies: [
                "CFDHoundTrace",
                "CFDHoundMapping",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "fdhound",
            dependencies: [
                "FDHoundCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "FDHoundTestSupport",
            dependencies: ["FDHoundCore", "CFDHoundTrace"],
            path: "Tests/FDHoundTestSupport"
        ),
        // The trace reader's fuzz target: `tools/fuzz` builds it with libFuzzer; a plain build replays files.
        .executableTarget(
            name: "fdhound-fuzz-trace-reader",
            dependencies: ["FDHoundTestSupport"],
            path: "Tests/FDHoundFuzz"
        ),
        .testTarget(
            name: "FDHoundCoreTests",
            dependencies: ["FDHoundCore", "FDHoundTestSupport", "CFDHoundTrace"]
        ),
        .testTarget(
            name: "FDHoundEndToEndTests",
            dependencies: ["FDHoundCore", "FDHoundTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v5]
)
