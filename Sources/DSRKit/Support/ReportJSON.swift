import Foundation

/// The one way dsr renders its small JSON documents (run summaries, status, manifests):
/// indented, keys sorted, dates in ISO 8601, so output is stable from run to run.
public enum ReportJSON {
    public static func data<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(value) + Data("\n".utf8)
    }

    public static func text<T: Encodable>(_ value: T) -> String {
        // Encoding these value types cannot fail: they hold strings, numbers and dates only.
        String(decoding: (try? data(value)) ?? Data(), as: UTF8.self)
    }
}
