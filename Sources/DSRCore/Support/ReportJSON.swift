import Foundation

/// The one way dsr renders its small JSON documents (run summaries, status, manifests):
/// indented, keys sorted, dates in ISO 8601, so output is stable from run to run.
public enum ReportJSON {
    /// The version of the shapes of the JSON documents commands print (`schema_version`):
    /// raised when a key changes meaning or goes.
    public static let schemaVersion = 1

    /// - Parameter snakeCase: turn Swift's camelCase property names into snake_case keys,
    ///   for types without coding keys of their own.
    public static func data<T: Encodable>(_ value: T, snakeCase: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        if snakeCase { encoder.keyEncodingStrategy = .convertToSnakeCase }
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(value) + Data("\n".utf8)
    }

    public static func text<T: Encodable>(_ value: T, snakeCase: Bool = false) -> String {
        // Encoding these value types cannot fail: they hold strings, numbers and dates only.
        String(decoding: (try? data(value, snakeCase: snakeCase)) ?? Data(), as: UTF8.self)
    }
}
