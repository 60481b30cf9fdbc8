import DSRCore
import Foundation
import GRDB

extension Ledger {
    /// Replaces the request file names that ledgers of earlier versions kept (in requests
    /// and in stored run summaries) by keyed references, as this version records them: a
    /// file name may be a person's, and ledger records outlive the person's erasure.
    ///
    /// The rows to rewrite were listed by the migration that introduced references; the
    /// replaced text is overwritten on disk (`secure_delete`, then a checkpoint), not merely
    /// unlinked. The audit trail is left as it is: its entries are hash-chained and
    /// append-only, so the names in entries written before this version stay there.
    public func replaceFileNames(by reference: (String) -> String) throws {
        let pending = try read { db in try Row.fetchAll(db, sql: "SELECT kind, row_id FROM file_name_pending") }
        guard !pending.isEmpty else { return }
        try write { db in
            func named(_ name: String) -> String { SubjectKeyring.isFileReference(name) ? name : reference(name) }
            try db.execute(sql: "PRAGMA secure_delete = ON")
            for row in pending {
                let id: String = row["row_id"]
                switch row["kind"] as String {
                case "request":
                    if let name = try String.fetchOne(db, sql: "SELECT source_file FROM request WHERE id = ?", arguments: [id]) {
                        try db.execute(sql: "UPDATE request SET source_file = ? WHERE id = ?", arguments: [named(name), id])
                    }
                default:
                    if let summary = try String.fetchOne(db, sql: "SELECT summary FROM run WHERE id = ?", arguments: [id]) {
                        try db.execute(sql: "UPDATE run SET summary = ? WHERE id = ?",
                                       arguments: [Self.summary(summary, namingFilesBy: named), id])
                    }
                }
            }
            try db.execute(sql: "DELETE FROM file_name_pending")
        }
        try database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    /// A stored run summary with the file names of its intake replaced; one that cannot be
    /// read as JSON is emptied (`{}`), since it may hold names.
    static func summary(_ text: String, namingFilesBy named: (String) -> String) -> String {
        guard var root = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return "{}" }
        if var intake = root["intake"] as? [String: Any] {
            for key in ["accepted", "duplicates", "settling"] {
                if let names = intake[key] as? [String] { intake[key] = names.map(named) }
            }
            if let rejected = intake["rejected"] as? [[String: Any]] {
                // The problems of a rejected file are its summary's, not the ledger's.
                intake["rejected"] = rejected.map { ["file": named($0["file"] as? String ?? ""), "problems": [String]()] }
            }
            if let entries = intake["not_taken"] as? [[String: Any]] {
                intake["not_taken"] = entries.map { entry in entry.merging(["name": named(entry["name"] as? String ?? "")]) { $1 } }
            }
            root["intake"] = intake
        }
        guard let data = try? JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .withoutEscapingSlashes]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
