import Crypto
import Foundation

/// `manifest.json`: the SHA-256 and size of every file in a request's output folder, so a
/// reader (and dsr after a crash) can tell a complete answer from a damaged one.
public struct Manifest: Sendable, Codable, Equatable {
    public var document = "dsr.manifest"
    public var schemaVersion = 1
    public var requestID: String
    public var files: [Entry]

    public struct Entry: Sendable, Codable, Equatable {
        public var name: String
        public var sha256: String
        public var bytes: Int
    }

    public static let fileName = "manifest.json"

    enum CodingKeys: String, CodingKey {
        case document, schemaVersion = "schema_version", requestID = "request_id", files
    }

    public init(requestID: String, files: [Entry]) {
        self.requestID = requestID
        self.files = files
    }

    func encoded() throws -> Data { try ReportJSON.data(self) }

    /// Reads the manifest of a folder and checks every file against it; nil when there is
    /// none or anything differs.
    public static func verified(in folder: URL) -> Manifest? {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(fileName).path),
              let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else { return nil }
        for entry in manifest.files {
            guard let contents = FileManager.default.contents(atPath: folder.appendingPathComponent(entry.name).path),
                  contents.count == entry.bytes,
                  Data(SHA256.hash(data: contents)).hexString == entry.sha256 else { return nil }
        }
        return manifest
    }
}
