// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "dsr",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dsr", targets: ["dsr"]),
        .executable(name: "dsr-bench", targets: ["dsr-bench"]),
        .library(name: "DSRKit", targets: ["DSRKit"]),
        .library(name: "DSRCore", targets: ["DSRCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .target(name: "CFileSystem"),
        // The layers, bottom up; a target sees only the ones below it:
        //
        //   dsr, dsr-bench   the executables: commands, options, exit codes
        //   DSRKit           the work: ledger, pipeline (intake, night, dry run), store
        //                    changes, breaches, consents, deadlines, answers, receipts and
        //                    letters to people
        //   DSRCore          what the work stands on: values, time, errors, files, keys,
        //                    identity normalisation, the data map, the store interface, the
        //                    SQL both stores share, the SQLite and PostgreSQL stores
        .target(
            name: "DSRCore",
            dependencies: [
                "CFileSystem",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The SQLite C API itself, to read a text value whole (GRDB's String stops at a NUL).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            // The night calls DSRCore per row and per value (the stores, the JSON writer):
            // its bodies are offered to DSRKit for inlining, as they were in one module.
            swiftSettings: [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]
        ),
        .target(
            name: "DSRKit",
            dependencies: [
                "DSRCore",
                "CLibXML2",
                "CFileSystem",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                // Letters to people: logic-less templates a privacy officer can edit.
                .product(name: "Mustache", package: "swift-mustache"),
                // The metrics file: Prometheus's text exposition format, escaping included.
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("Resources/Schemas"), .copy("Resources/Demo"), .copy("Resources/Letters"), .copy("Resources/StatusPage")]
        ),
        .executableTarget(
            name: "dsr",
            dependencies: [
                "DSRCore",
                "DSRKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["BuildInfo"]
        ),
        // `dsr --version`: the package version and the commit a build is made from.
        .plugin(name: "BuildInfo", capability: .buildTool()),
        .executableTarget(
            name: "dsr-bench",
            dependencies: [
                "DSRCore",
                "DSRKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "DSRKitTests",
            dependencies: [
                "DSRCore",
                "DSRKit",
                "dsr",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
    ]
)
