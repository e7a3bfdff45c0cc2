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
        .executable(name: "credit", targets: ["credit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-structured-headers.git", from: "1.7.0"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client.git", from: "1.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
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
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Resources/gbt2260-counties.tsv")]
        ),
        // The system OpenSSL's libcrypto (3.0 or later), for SM2 signatures over SM3 (GB/T 32918,
        // GB/T 32905), which neither swift-crypto nor BoringSSL provides.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(
            name: "Attestation",
            dependencies: [
                "CreditCore",
                "COpenSSL",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "RawStructuredFieldValues", package: "swift-http-structured-headers"),
            ]
        ),
        // The stores the gateway keeps besides the archive and the audit log (answers, batch jobs), as
        // protocols every storage backend implements.
        .target(name: "Storage", dependencies: ["Attestation"]),
        // The embedded backend: every store (archive, audit log, answers, batch jobs) in SQLite files
        // through GRDB.
        .target(
            name: "SQLiteStorage",
            dependencies: [
                "CreditCore",
                "ArchiveClient",
                "Attestation",
                "Storage",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // The shared backend: every store in one PostgreSQL database (postgres-nio's PostgresClient),
        // for several gateways, importers and other systems.
        .target(
            name: "PostgresStorage",
            dependencies: [
                "CreditCore",
                "ArchiveClient",
                "Attestation",
                "Storage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(name: "GatewayContract", resources: [.copy("openapi.yaml")]),
        .target(
            name: "GatewayAPI",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        .target(
            name: "Gateway",
            dependencies: [
                "CreditCore",
                "ArchiveClient",
                "Attestation",
                "Storage",
                "SQLiteStorage",
                "PostgresStorage",
                "GatewayAPI",
                "GatewayContract",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            resources: [.copy("Resources/page")]
        ),
        .executableTarget(
            name: "creditgate",
            dependencies: [
                "CreditCore",
                "ArchiveClient",
                "Attestation",
                "SQLiteStorage",
                "PostgresStorage",
                "Gateway",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The HR staff client: the generated client over AsyncHTTPClient, and Attestation to verify
        // what it receives. It never imports the Gateway or the archive's storage.
        .target(
            name: "CreditClient",
            dependencies: [
                "CreditCore",
                "Attestation",
                "GatewayAPI",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "credit",
            dependencies: [
                "CreditClient",
                "CreditCore",
                "Attestation",
                "GatewayAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "ArchiveBenchmark",
            dependencies: [
                "CreditCore", "ArchiveClient", "SQLiteStorage", "PostgresStorage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Benchmarks/ArchiveBenchmark"
        ),
        .executableTarget(
            name: "ServerCeiling",
            dependencies: [
                "Attestation",
                "Gateway",
                "GatewayAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/ServerCeiling"
        ),
        .executableTarget(name: "SignatureCost", dependencies: ["Attestation"], path: "Benchmarks/SignatureCost"),
        // Shared by the test targets: temporary files that a test run removes when it ends.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "CreditCoreTests", dependencies: ["CreditCore"], resources: [.copy("Vectors")]),
        .testTarget(
            name: "ArchiveClientTests",
            dependencies: ["TestSupport", "ArchiveClient", "CreditCore"]),
        .testTarget(
            name: "AttestationTests",
            dependencies: ["TestSupport", "Attestation", "CreditCore", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Vectors")]),
        .testTarget(
            name: "StorageTests",
            dependencies: [
                "TestSupport", "Storage", "SQLiteStorage", "PostgresStorage", "Attestation", "ArchiveClient", "CreditCore",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .testTarget(name: "CreditGateCLITests", dependencies: ["TestSupport", "ArchiveClient", "SQLiteStorage", "CreditCore", "Attestation"]),
        .testTarget(name: "CreditClientTests", dependencies: ["TestSupport", "CreditClient", "CreditCore", "Attestation"]),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "TestSupport",
                "Gateway",
                "GatewayAPI",
                "Attestation",
                "ArchiveClient",
                "SQLiteStorage",
                "PostgresStorage",
                "CreditCore",
                "CreditClient",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Coverage-guided fuzzing (Scripts/fuzz): one libFuzzer binary over every parser that takes bytes
// from outside. It exists only when CREDITGATE_FUZZ is set, since it has no `main` (libFuzzer
// brings its own) and our modules are then built with the fuzzer's coverage and AddressSanitizer;
// the packages we depend on are not, so they are not rebuilt.
if Context.environment["CREDITGATE_FUZZ"] != nil {
    let sanitizers = ["-sanitize=fuzzer,address"]
    let instrumented: Set = ["CreditCore", "ArchiveClient", "Attestation", "Storage", "CreditClient", "Gateway"]
    for target in package.targets where instrumented.contains(target.name) {
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(sanitizers)]
    }
    package.targets.append(
        .executableTarget(
            name: "CreditGateFuzz",
            dependencies: [
                "CreditCore", "ArchiveClient", "Attestation", "CreditClient", "Gateway", "GatewayAPI",
                .product(name: "X509", package: "swift-certificates"),
            ],
            path: "Fuzz/CreditGateFuzz",
            swiftSettings: [.unsafeFlags(sanitizers + ["-parse-as-library"])],
            linkerSettings: [.unsafeFlags(sanitizers)]
        ))
}
