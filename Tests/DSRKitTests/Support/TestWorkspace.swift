import DSRCore
import DSRKit
import Foundation
import Testing
import GRDB
import Logging

/// A temporary folder of its own for each test, removed when the test is done.
final class TestWorkspace {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("dsr-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    func url(_ path: String) -> URL { folder.appendingPathComponent(path) }

    @discardableResult
    func write(_ text: String, to path: String) throws -> URL {
        let url = url(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        // Written a minute ago, as if dropped in earlier: intake waits only for files
        // changed in the last seconds.
        try FileTimes.setModified(url, to: Date(timeIntervalSinceNow: -60))
        return url
    }

    /// Drops a verified request into the demo's inbox, naming the person by `subject`
    /// (YAML, `email: "…"`), with any more fields in `extra`.
    func dropVerifiedRequest(_ id: String, _ type: String, subject: String, extra: String = "formats: [json, xml]") throws {
        try write("""
            id: \(id)
            type: \(type)
            received_at: 2026-11-20T09:15:00+01:00
            subject: {\(subject)}
            verification: {method: bankid, verified_at: 2026-11-20T09:20:00+01:00}
            \(extra)
            """, to: "demo/inbox/\(id).yaml")
    }

    /// Dates every file of a folder a minute back, as files dropped in earlier would be.
    func settle(_ folder: String) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: url(folder).path) {
            try FileTimes.setModified(url(folder).appendingPathComponent(name), to: Date(timeIntervalSinceNow: -60))
        }
    }

    /// A demo installation (store, data map, config, sample inbox) in `demo/`.
    func demo(customers: Int = DemoShop.minimumCustomerCount) throws -> URL {
        try DemoSetup.create(in: url("demo"), customers: customers)
    }

    /// An installation from `fixtures/<name>/` in `folder`: its files copied, its store
    /// created from `schema.sql`, a new key, the inbox settled. Returns its configuration.
    func fixture(_ name: String, in folder: String) throws -> URL {
        let source = ExternalTools.packageRoot.appendingPathComponent("fixtures/\(name)")
        let destination = url(folder)
        try FileManager.default.copyItem(at: source, to: destination)
        let database = try DatabaseQueue(path: destination.appendingPathComponent("store.sqlite").path)
        try database.write { try $0.execute(sql: String(contentsOf: source.appendingPathComponent("schema.sql"), encoding: .utf8)) }
        try database.close()
        try SubjectKeyring.createKeyFile(at: destination.appendingPathComponent("hmac.key"))
        try settle("\(folder)/inbox")
        return destination.appendingPathComponent("dsr.yaml")
    }

    /// Opens the installation of a configuration with a logger that keeps what it logs.
    func installation(_ configuration: URL, log: LogCapture = LogCapture()) throws -> Installation {
        try Installation(configurationURL: configuration, logger: log.logger)
    }

    /// Runs the nightly job of a configuration.
    @discardableResult
    func runNightly(_ configuration: URL, log: LogCapture = LogCapture(), at time: String? = nil) throws -> RunSummary {
        let now = time.map { Timestamp.parse($0)! } ?? Date()
        return try installation(configuration, log: log).jobRun(clock: { now }).run()
    }

    /// A letter of the demo's outbox (`REQ-DEMO-0001`, `notices/extension/REQ-…`) read as
    /// its reader's browser reads it (html5lib): valid HTML5 that loads nothing from elsewhere.
    func demoLetter(_ path: String) throws -> ExternalTools.ParsedHTML {
        let page = try ExternalTools.parseHTML(url("demo/outbox/\(path)/letter.html"))
        #expect(page.errors == [], "\(path): \(page.errors)")
        #expect(page.resources == [], "\(path): a letter loads nothing from elsewhere")
        return page
    }

    /// Every file below a folder with its bytes, to prove nothing changed.
    func contents(of folder: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])!
        for case let url as URL in enumerator where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            result[url.path.replacingOccurrences(of: folder.path, with: "")] = try Data(contentsOf: url)
        }
        return result
    }
}

/// A logger whose every line (message and metadata) is kept, at debug level and above.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    var logger: Logger {
        var logger = Logger(label: "dsr-test") { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    var text: String { lock.withLock { lines.joined(separator: "\n") } }

    fileprivate func append(_ line: String) { lock.withLock { lines.append(line) } }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            capture.append("\(event.level) \(event.message) \(metadata.merging(event.metadata ?? [:]) { $1 })")
        }
    }
}
