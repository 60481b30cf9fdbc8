import ArgumentParser
import DSRCore
import DSRKit
import Foundation
import Logging

/// `dsr-bench`: a night of requests against a generated shop, timed, beside the same
/// lookups and erasures done by the `sqlite3` shell (the floor).
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dsr-bench",
        abstract: "Times a nightly run of R requests against a generated store of N customers, and the sqlite3 shell doing the same lookups and erasures (once to standard output, once writing a file per answer).")

    @Option(help: "Customers in the generated store.") var customers = 1_000_000
    @Option(help: "Requests in the night: 50% access, 20% export, 30% erasure, 1% unknown identities.") var requests = 10_000
    @Option(help: "Working folder (the store, a copy for the floor, the inbox and outbox, the floor's answer files).") var dir = ".build/bench"
    @Option(help: ArgumentHelp("How requests name their people: customer-no, or phone (every spelling of the number looked up).", valueName: "identity"))
    var identity = RequestBatch.Identity.customerNumber
    @Flag(help: "Reuse a store generated earlier in --dir for the same --customers.") var reuseStore = false
    @Option(help: ArgumentHelp("The store the night runs on: sqlite, or postgres (the generated shop loaded into --url).", valueName: "kind"))
    var store = "sqlite"
    @Option(help: ArgumentHelp("With --store postgres: postgres://user@host:port/database (its tables from an earlier load are replaced).", valueName: "url"))
    var url: String?
    @Option(help: ArgumentHelp("With --store postgres: the environment variable holding the password.", valueName: "name"))
    var passwordEnv = "DSR_STORE_PASSWORD"
    @Option(help: ArgumentHelp("Run the nightly job of this configuration and print its figures as JSON (used by the bench itself).", visibility: .hidden))
    var runOnly: String?

    func validate() throws {
        guard customers >= DemoShop.minimumCustomerCount else { throw ValidationError("--customers must be at least \(DemoShop.minimumCustomerCount)") }
        guard (1...customers).contains(requests) else { throw ValidationError("--requests must be between 1 and --customers") }
        guard ["sqlite", "postgres"].contains(store), (store == "postgres") == (url != nil) else {
            throw ValidationError("--store is sqlite, or postgres with --url")
        }
    }

    func run() throws {
        if let runOnly { return try ChildRun.run(configuration: URL(fileURLWithPath: runOnly)) }
        let folder = URL(fileURLWithPath: dir).standardizedFileURL
        let pristine = folder.appendingPathComponent("pristine-\(customers).sqlite")
        let pristineMarketing = folder.appendingPathComponent("pristine-\(customers)-marketing.sqlite")
        print("dsr-bench: \(requests) requests against \(customers) customers, on \(ProcessInfo.processInfo.activeProcessorCount) cores")

        var generationSeconds: Double?
        if !(reuseStore && [pristine, pristineMarketing].allSatisfy { FileManager.default.fileExists(atPath: $0.path) }) {
            try? FileManager.default.removeItem(at: pristine)
            try? FileManager.default.removeItem(at: pristineMarketing)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            generationSeconds = try Stopwatch.seconds {
                try DemoShop.generateStores(shop: pristine, marketing: pristineMarketing, customers: customers)
            }
        }

        let night = folder.appendingPathComponent("night")
        try? FileManager.default.removeItem(at: night)
        let postgres = try url.map { try PostgresLocation(url: $0, passwordEnvironment: passwordEnv) }
        let configurationURL = try DemoSetup.create(in: night, customers: DemoShop.minimumCustomerCount, withSamples: false, postgres: postgres)
        var loadSeconds: Double?
        if let postgres {
            loadSeconds = try Stopwatch.seconds {
                try PostgresCustomerStore(location: postgres, keyring: nil, logger: Logger(label: "dsr-bench")).load(fromSQLite: pristine)
            }
        } else {
            let store = night.appendingPathComponent("store.sqlite")
            try FileManager.default.removeItem(at: store)
            try FileManager.default.copyItem(at: pristine, to: store)
        }
        // The marketing store is SQLite in both cases, as in the demo.
        let marketing = night.appendingPathComponent("marketing.sqlite")
        try FileManager.default.removeItem(at: marketing)
        try FileManager.default.copyItem(at: pristineMarketing, to: marketing)
        let floorStore = folder.appendingPathComponent("floor.sqlite")
        let floorAnswers = folder.appendingPathComponent("floor-answers")
        try? FileManager.default.removeItem(at: floorAnswers)

        let night10k = RequestBatch(customers: customers, count: requests, identity: identity)
        try night10k.writeFiles(into: night.appendingPathComponent("inbox"))
        // The copies above are gigabytes of dirty pages; flushed now, they are not counted
        // against the run (whose durability barrier would otherwise wait for them).
        sync()

        let child = try ChildRun.launch(configuration: configurationURL)
        let map = try DataMap.load(from: night.appendingPathComponent("datamap.yaml"))
        var script = FloorScript(map: map, batch: night10k, today: CalendarDay(Date(), in: TimeZone(identifier: "Europe/Oslo")!))
        let floorSeconds = try Floor.run(script, named: "floor.sql", in: folder, on: floorStore, copiedFrom: pristine,
                                         marketing: pristineMarketing)
        script.answersFolder = floorAnswers
        let floorWritingSeconds = try Floor.run(script, named: "floor-writing-files.sql", in: folder, on: floorStore, copiedFrom: pristine,
                                                marketing: pristineMarketing)

        Report(customers: customers, requests: requests, store: store, generationSeconds: generationSeconds, loadSeconds: loadSeconds,
               child: child, floorSeconds: floorSeconds, floorWritingFilesSeconds: floorWritingSeconds).print()
    }
}

/// Wall time of a piece of work.
enum Stopwatch {
    static func seconds(_ work: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        try work()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// The nightly run in a process of its own, so its peak memory is the run's alone.
enum ChildRun {
    struct Figures: Codable {
        var wallSeconds: Double
        var peakResidentBytes: Int
        var summary: RunSummary
    }

    static func launch(configuration: URL) throws -> Figures {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        process.arguments = ["--run-only", configuration.path]
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("dsr-bench-\(UUID().uuidString).json")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        process.standardOutput = try FileHandle(forWritingTo: output)
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ValidationError("the nightly run failed (status \(process.terminationStatus))") }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(Figures.self, from: Data(contentsOf: output))
    }

    static func run(configuration: URL) throws {
        var logger = Logger(label: "dsr-bench") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        var summary: RunSummary?
        let wall = try Stopwatch.seconds {
            summary = try Installation(configurationURL: configuration, logger: logger).jobRun().run()
        }
        let figures = Figures(wallSeconds: wall, peakResidentBytes: try peakResidentBytes(), summary: summary!)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        FileHandle.standardOutput.write(try encoder.encode(figures))
    }
}

/// The peak resident memory of this process since it was executed: `VmHWM` of
/// /proc/self/status. (`getrusage`'s `ru_maxrss` keeps the parent's peak across exec on
/// Linux, so a child spawned by a big parent would report the parent's figure.)
func peakResidentBytes() throws -> Int {
    let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else {
        throw ValidationError("cannot read VmHWM from /proc/self/status")
    }
    return kilobytes * 1024
}

/// The floor: the `sqlite3` shell running the generated script.
enum Floor {
    /// Writes the script to `folder`, copies the stores afresh (the script erases; the
    /// marketing copy is attached as `marketing`) and returns the seconds the shell takes
    /// to run it.
    static func run(_ script: FloorScript, named name: String, in folder: URL, on store: URL, copiedFrom pristine: URL,
                    marketing: URL) throws -> Double {
        let scriptURL = folder.appendingPathComponent(name)
        let marketingCopy = store.deletingPathExtension().appendingPathExtension("marketing.sqlite")
        try ("ATTACH DATABASE '\(marketingCopy.path.replacingOccurrences(of: "'", with: "''"))' AS marketing;\n" + script.text)
            .write(to: scriptURL, atomically: true, encoding: .utf8)
        for (copy, original) in [(store, pristine), (marketingCopy, marketing)] {
            try? FileManager.default.removeItem(at: copy)
            try FileManager.default.copyItem(at: original, to: copy)
        }
        sync()
        return try Stopwatch.seconds { try run(script: scriptURL, store: store) }
    }

    private static func run(script: URL, store: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", store.path]
        process.standardInput = try FileHandle(forReadingFrom: script)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ValidationError("the sqlite3 floor script failed (status \(process.terminationStatus))") }
    }
}
