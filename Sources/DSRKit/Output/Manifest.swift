import Crypto
import DSRCore
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

    /// Writes the manifest, keys in sorted order as `ReportJSON` would, through the
    /// streaming writer: a `JSONEncoder` per manifest was a tenth of a night's answer time.
    func write(to output: FileOutput) throws {
        let json = JSONStreamWriter(output: output)
        try json.beginObject()
        try json.field(CodingKeys.document.stringValue, document)
        try json.key(CodingKeys.files.stringValue)
        try json.beginArray()
        for file in files {
            try json.beginObject()
            try json.key("bytes")
            try json.integer(Int64(file.bytes))
            try json.field("name", file.name)
            try json.field("sha256", file.sha256)
            try json.endObject()
        }
        try json.endArray()
        try json.field(CodingKeys.requestID.stringValue, requestID)
        try json.key(CodingKeys.schemaVersion.stringValue)
        try json.integer(Int64(schemaVersion))
        try json.endObject()
        try json.finish()
    }

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
