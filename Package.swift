// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "CreditGate",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "CreditCore", targets: ["CreditCore"]),
        .library(name: "ArchiveClient", targets: ["ArchiveClient"]),
        .library(name: "Attestation", targets: ["Attestation"]),
        .executable(name: "creditgate", targets: ["creditgate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-structured-headers.git", from: "1.7.0"),
    ],
    targets: [
        .target(
            name: "CreditCore",
            resources: [.copy("Resources/policies"), .copy("Resources/taxonomies")]
        ),
        .target(
            name: "ArchiveClient",
            dependencies: [
                "CreditCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Resources/gbt2260-counties.tsv")]
        ),
        .target(
            name: "Attestation",
            dependencies: [
                "CreditCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "RawStructuredFieldValues", package: "swift-http-structured-headers"),
            ]
        ),
        .executableTarget(
            name: "creditgate",
            dependencies: [
                "CreditCore",
                "ArchiveClient",
                "Attestation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "ArchiveBenchmark",
            dependencies: ["CreditCore", "ArchiveClient"],
            path: "Benchmarks/ArchiveBenchmark"
        ),
        .testTarget(name: "CreditCoreTests", dependencies: ["CreditCore"], resources: [.copy("Vectors")]),
        .testTarget(name: "ArchiveClientTests", dependencies: ["ArchiveClient", "CreditCore"]),
        .testTarget(name: "AttestationTests", dependencies: ["Attestation"]),
        .testTarget(name: "CreditGateCLITests", dependencies: ["ArchiveClient", "CreditCore", "Attestation"]),
    ],
    swiftLanguageModes: [.v6]
)
