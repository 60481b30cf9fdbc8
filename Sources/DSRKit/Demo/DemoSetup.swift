import DSRCore
import Foundation
import Logging

/// Lays out a complete demo installation in one folder: the generated shop store, its data
/// map, a configuration, an HMAC key, an inbox of sample request files (good and bad) and
/// sample breach files.
public enum DemoSetup {
    /// Marks a folder as made by `dsr demo`, so a later demo may replace it.
    static let markerName = ".dsr-demo"

    /// The bundled demo files (data map, configuration, sample requests).
    public static var resources: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Demo", isDirectory: true)
    }

    /// Creates the demo in `folder` and returns its configuration file. A folder left by an
    /// earlier demo is replaced; any other non-empty folder is refused.
    ///
    /// With a PostgreSQL location, the generated store is loaded into that database (its
    /// tables from an earlier demo replaced) and the configuration points there.
    public static func create(in folder: URL, customers: Int, withSamples: Bool = true,
                              postgres: PostgresLocation? = nil, logger: Logger = Logger(label: "dsr")) throws -> URL {
        let manager = FileManager.default
        if let contents = try? manager.contentsOfDirectory(atPath: folder.path), !contents.isEmpty {
            guard contents.contains(markerName) else {
                throw DSRError.cannotCreate("\(folder.path): folder is not empty and was not made by dsr demo; choose another with --dir")
            }
            do { try manager.removeItem(at: folder) } catch {
                throw DSRError.cannotCreate("\(folder.path): cannot remove the earlier demo")
            }
        }
        try DurableFile.createFolder(folder)
        try DurableFile.write(Data(), to: folder.appendingPathComponent(markerName))
        for name in ["dsr.yaml", "datamap.yaml"] {
            try copy(resources.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let inbox = folder.appendingPathComponent("inbox", isDirectory: true)
        try DurableFile.createFolder(inbox)
        let samples = resources.appendingPathComponent("inbox", isDirectory: true)
        for name in try manager.contentsOfDirectory(atPath: samples.path).sorted() where withSamples {
            let destination = inbox.appendingPathComponent(name)
            try copy(samples.appendingPathComponent(name), to: destination)
            // Dropped in earlier in the day, so intake does not wait for them to settle.
            try FileTimes.setModified(destination, to: Date(timeIntervalSinceNow: -600))
        }
        let breaches = folder.appendingPathComponent("breaches", isDirectory: true)
        try DurableFile.createFolder(breaches)
        let breachSamples = resources.appendingPathComponent("breaches", isDirectory: true)
        for name in try manager.contentsOfDirectory(atPath: breachSamples.path).sorted() {
            try copy(breachSamples.appendingPathComponent(name), to: breaches.appendingPathComponent(name))
        }
        let secrets = folder.appendingPathComponent("secrets", isDirectory: true)
        try DurableFile.createFolder(secrets)
        try SubjectKeyring.createKeyFile(at: secrets.appendingPathComponent("hmac.key"))
        let store = folder.appendingPathComponent("store.sqlite")
        try DemoShop.generateStores(shop: store, marketing: folder.appendingPathComponent("marketing.sqlite"), customers: customers)
        let configuration = folder.appendingPathComponent("dsr.yaml")
        if let postgres {
            try PostgresCustomerStore(location: postgres, keyring: nil, logger: logger).load(fromSQLite: store)
            try FileManager.default.removeItem(at: store)
            try DurableFile.write(Data(try pointing(configuration, at: postgres).utf8), to: configuration)
        }
        return configuration
    }

    /// The demo configuration's shop store, as written: what `pointing` replaces.
    public static let shopStoreSection = "  shop:\n    type: sqlite\n    path: store.sqlite\n"

    /// The demo configuration with its shop store naming the PostgreSQL database; the
    /// marketing store stays SQLite, so the mixed case is what a newcomer sees.
    private static func pointing(_ configuration: URL, at location: PostgresLocation) throws -> String {
        let text = try String(contentsOf: configuration, encoding: .utf8)
        var store = "  shop:\n    type: postgres\n    url: postgres://\(location.user)@\(location.host):\(location.port)/\(location.database)\n"
        switch location.passwordSource {
        case .environment(let name)?: store += "    password_env: \(name)\n"
        case .file(let url)?: store += "    password_file: \(url.path)\n"
        case .credential(let name)?: store += "    password_credential: \(name)\n"
        case nil: break
        }
        return text.replacingOccurrences(of: shopStoreSection, with: store)
    }

    private static func copy(_ source: URL, to destination: URL) throws {
        guard let data = FileManager.default.contents(atPath: source.path) else {
            throw DSRError.missingInput("\(source.path): bundled demo file missing")
        }
        try DurableFile.write(data, to: destination)
    }
}
