import DSRCore
import DSRKit
import Foundation
import GRDB

/// Reading answers back and the store directly, to compare them.
enum AnswerDocuments {
    /// A value in one comparable text form, whether it came from JSON or from SQLite.
    static func comparable(json value: Any) -> String {
        switch value {
        case is NSNull: return "null"
        case let text as String: return "text:\(text)"
        case let object as [String: Any]: return "blob:\(object["base64"] as? String ?? "?")"
        case let number as NSNumber:
            let double = number.doubleValue
            return double == double.rounded() && abs(double) < 1e15 ? "number:\(Int64(double))" : "number:\(double)"
        default: return "unknown"
        }
    }

    static func comparable(database value: DatabaseValue) -> String {
        switch value.storage {
        case .null: return "null"
        case .string(let text): return "text:\(text)"
        case .blob(let data): return "blob:\(data.base64EncodedString())"
        case .int64(let number): return "number:\(number)"
        case .double(let double):
            return double == double.rounded() && abs(double) < 1e15 ? "number:\(Int64(double))" : "number:\(double)"
        }
    }

    /// The parsed JSON answer of a request.
    static func json(_ outbox: URL, _ requestID: String, _ kind: AnswerKind) throws -> [String: Any] {
        let data = try Data(contentsOf: outbox.appendingPathComponent("\(requestID)/\(kind.fileStem).json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// The rows an answer holds per table, each row as column → comparable value.
    static func rowsByTable(_ document: [String: Any]) -> [String: [[String: String]]] {
        var result: [String: [[String: String]]] = [:]
        for table in document["tables"] as! [[String: Any]] {
            let rows = (table["rows"] as! [[String: Any]]).map { $0.mapValues(comparable(json:)) }
            result[table["table"] as! String] = rows
        }
        return result
    }

    /// Rows read with hand-written SQL, each row as column → comparable value.
    static func rows(_ store: URL, _ sql: String, _ arguments: StatementArguments = []) throws -> [[String: String]] {
        let database = try DatabaseQueue(path: store.path)
        return try database.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                Dictionary(uniqueKeysWithValues: row.columnNames.map { ($0, comparable(database: row[$0])) })
            }
        }
    }
}
