import DSRCore
import Foundation

/// Reads a sample of each hold's date column from the store: a text column whose values
/// are not dates or moments (a city name) would stop every erasure at night, so `datamap
/// check` refuses it first. The finding names the column and how many values failed,
/// never a value.
struct HoldDateSample {
    let stores: StoreSet
    let zone: TimeZone
    /// How many stored values are read per hold.
    static let size = 100

    func findings() throws -> [DataMapCheck.Finding] {
        var findings: [DataMapCheck.Finding] = []
        var sampled: Set<String> = []
        for bound in stores.segments {
            let schema = try bound.store.schema()
            for table in bound.map.tables {
                guard let hold = table.hold else { continue }
                let (owner, column) = hold.dateColumnParts(defaultTable: table.name)
                guard schema.tables[owner]?.column(named: column) != nil, sampled.insert("\(bound.storeName).\(owner).\(column)").inserted else {
                    continue
                }
                var read = 0
                var unreadable = 0
                try bound.store.fetch(SQLStatement(sql: """
                    SELECT \(SQL.quote(column)) FROM \(SQL.quote(owner)) WHERE \(SQL.quote(column)) IS NOT NULL LIMIT \(Self.size)
                    """)) { row in
                    read += 1
                    if Timestamp.storedDay(row[0].canonicalText, in: zone) == nil { unreadable += 1 }
                }
                if unreadable > 0 {
                    findings.append(DataMapCheck.Finding(
                        severity: .error, field: "tables.\(table.name).hold.date_column",
                        message: "\(unreadable) of \(read) values read from '\(owner).\(column)' are not dates (YYYY-MM-DD) or moments "
                                 + "(ISO 8601); every erasure of a held row would fail. Name a column of dates"))
                }
            }
        }
        return findings
    }
}
