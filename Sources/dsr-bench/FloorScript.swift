import DSRCore
import DSRKit
import Foundation

/// The same work as the nightly run, written as one script for the `sqlite3` shell: the
/// identities in a temporary table, every access and export answer rendered by SQLite's
/// JSON functions, and the data map's erasure actions (holds respected) as set-based
/// statements. What it leaves out (request files, the ledger, XML, receipts, fsync) is
/// the part of dsr's work the floor does not do.
struct FloorScript {
    let map: DataMap
    let batch: RequestBatch
    let today: CalendarDay
    /// When set, each answer goes to `<folder>/<request id>/answer.json` through the shell's
    /// `writefile()` instead of to standard output: the cost of a file per answer, which
    /// dsr pays three times over (JSON, XML, manifest).
    var answersFolder: URL?

    var text: String {
        var lines = ["PRAGMA foreign_keys = ON;", "CREATE TEMP TABLE request (id TEXT PRIMARY KEY, type TEXT, customer_no TEXT);"]
        for chunk in stride(from: 0, to: batch.requests.count, by: 500) {
            let values = batch.requests[chunk..<min(chunk + 500, batch.requests.count)].map { request in
                "('\(request.id)', '\(request.type.rawValue)', \(request.customer.map { "'\(String(format: "C-%06d", $0))'" } ?? "NULL"))"
            }
            lines.append("INSERT INTO request VALUES \(values.joined(separator: ", "));")
        }
        lines.append("""
            CREATE TEMP TABLE subject AS SELECT r.id, r.type, c.\(SQL.quote(map.subject.key)) AS key
            FROM request r JOIN \(SQL.quote(map.subject.table)) c ON c."customer_no" = r.customer_no;
            """)
        // Access and export: one JSON document per subject, every mapped table's rows in it;
        // a linked store (attached under its name) through the subject's identity value.
        let primary = map.segments[0].map
        let tables = map.segments.flatMap { segment in
            segment.map.tables.map { table -> String in
                let path = SubjectPathQuery(table: table, map: segment.map)
                let object = "json_object(" + table.columns.map { "'\($0.name)', \(path.column($0.name))" }.joined(separator: ", ") + ")"
                var match = "\(path.subjectKey) = s.key"
                if case .identity(let name, _)? = segment.link, let identity = primary.identities[name] {
                    // The segment's key is already compared as the identity is (lower(trim(…))).
                    match = "\(path.subjectKey) = (SELECT \(StoreQuery.normalized(SQL.quote(identity.column), identity.normalization)) "
                        + "FROM \(SQL.quote(identity.table)) WHERE \(SQL.quote(primary.subject.key)) = s.key)"
                }
                let from = segment.store.map { "\($0).\(path.fromClause)" } ?? path.fromClause
                return "'\(table.name)', (SELECT json_group_array(\(object)) FROM \(from) WHERE \(match))"
            }
        }
        let document = "json_object(\(tables.joined(separator: ", ")))"
        let answer = answersFolder.map { folder in
            "writefile('\(folder.path.replacingOccurrences(of: "'", with: "''"))/' || s.id || '/answer.json', \(document))"
        } ?? "s.id, \(document)"
        lines.append("SELECT \(answer) FROM subject s WHERE s.type IN ('access', 'export');")
        // Erasure: children first, held rows restricted, the others erased.
        lines.append("BEGIN;")
        // Erasure in the subject table's store; linked stores are left out of the floor's
        // erasure (the demo's keeps every column of its consents).
        for table in primary.tablesChildrenFirst {
            let holdColumn = table.hold?.dateColumnParts(defaultTable: table.name)
            let path = SubjectPathQuery(table: table, map: map, joining: Set([holdColumn?.table].compactMap { $0 }))
            let held = table.hold.map { hold in
                "date(substr(\(path.column(holdColumn!.column, of: holdColumn!.table)), 1, 4) || '-12-31', '+\(hold.years) years') >= '\(today)'"
            } ?? "0"
            let rows = { (condition: String) in
                "rowid IN (SELECT t0.rowid FROM \(path.fromClause) WHERE \(path.subjectKey) IN (SELECT key FROM subject WHERE type = 'erasure') AND \(condition))"
            }
            if let flag = table.restrictionFlag, table.hold != nil {
                lines.append("UPDATE \(SQL.quote(table.name)) SET \(SQL.quote(flag)) = 1 WHERE \(rows(held));")
            }
            if table.erasureDeletesRows {
                lines.append("DELETE FROM \(SQL.quote(table.name)) WHERE \(rows("NOT (\(held))"));")
                continue
            }
            let assignments = ColumnChange.erasure(of: table).map { change -> String in
                let column = SQL.quote(change.column)
                switch change.kind {
                case .null: return "\(column) = NULL"
                case .value(let value): return "\(column) = '\(value.canonicalText)'"
                case .pseudonymise: return "\(column) = 'pse_' || lower(substr(sha3(\(column) || 'key'), 1, 32))"
                case .fillIfNull: return "\(column) = \(column)"
                }
            }
            if !assignments.isEmpty {
                lines.append("UPDATE \(SQL.quote(table.name)) SET \(assignments.joined(separator: ", ")) WHERE \(rows("NOT (\(held))"));")
            }
        }
        lines.append("COMMIT;")
        return lines.joined(separator: "\n") + "\n"
    }
}
