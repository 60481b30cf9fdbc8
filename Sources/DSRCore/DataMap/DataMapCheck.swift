import Foundation

/// Checks a data map against the live store before any row is touched: tables and columns
/// exist, references point at real columns, and every erasure action can work.
public struct DataMapCheck: Sendable {
    /// One finding; errors stop a run, warnings are reported, notes say what was found good.
    public struct Finding: Sendable, Hashable, CustomStringConvertible {
        public enum Severity: String, Sendable { case error, warning, note }
        public var severity: Severity
        /// The data map field the finding is about, e.g. `tables.orders.columns.total`.
        public var field: String
        public var message: String
        public var description: String { "\(severity): \(field): \(message)" }

        package init(severity: Severity, field: String, message: String) {
            self.severity = severity
            self.field = field
            self.message = message
        }
    }

    public private(set) var findings: [Finding] = []

    public var errors: [Finding] { findings.filter { $0.severity == .error } }
    public var warnings: [Finding] { findings.filter { $0.severity == .warning } }
    public var passed: Bool { errors.isEmpty }

    /// Checks a map within one store.
    public init(map: DataMap, schema: StoreSchema) {
        self.init(map: map, schemas: [schema])
    }

    /// Checks every segment of the map against its store's schema (`schemas` in the order
    /// of `map.segments`), and every link between the stores.
    public init(map: DataMap, schemas: [StoreSchema]) {
        let segments = map.segments
        precondition(segments.count == schemas.count, "one schema per segment")
        for (segment, schema) in zip(segments, schemas) {
            if segment.link == nil { checkSubject(segment.map, schema) }
            for table in segment.map.tables { check(table, map: segment.map, schema: schema) }
            for identity in segment.map.identities.values.sorted(by: { $0.name < $1.name }) {
                checkLookup(of: identity, schema: schema, field: segment.link == nil ? "identities.\(identity.name)" : "tables.\(segment.root).link")
            }
            checkCoverage(segment.map, schema)
            checkErasurePlan(segment.map, schema)
            if let link = segment.link { check(link, of: segment.root, schema: schema, subjectSchema: schemas[0], map: map) }
        }
        checkRestrictionFlags(map)
        checkRecipients(map)
    }

    /// A link compares like with like, and an index serves its lookup (the night reads a
    /// batch's people through it). An identity link's index is checked as the identity's,
    /// under the link's field.
    private mutating func check(_ link: StoreLink, of table: String, schema: StoreSchema, subjectSchema: StoreSchema, map: DataMap) {
        let field = "tables.\(table).link"
        guard let live = schema.tables[table]?.column(named: link.column) else { return }  // reported with the columns
        let family = ColumnTypeFamily(declaredType: live.declaredType)
        switch link {
        case .identity(let name, _):
            if family != .text && family != .other {
                error(field, "the \(name) identity is text; '\(table).\(link.column)' is \(live.declaredType)")
            }
        case .subjectColumn(let column, let subjectColumn):
            guard let subjectLive = subjectSchema.tables[map.subject.table]?.column(named: subjectColumn) else { return }
            let subjectFamily = ColumnTypeFamily(declaredType: subjectLive.declaredType)
            if family != subjectFamily {
                error(field, "'\(table).\(column)' (\(live.declaredType)) cannot equal '\(map.subject.table).\(subjectColumn)' "
                      + "(\(subjectLive.declaredType)): give both columns the same type")
            }
            let liveTable = schema.tables[table]!
            if let index = liveTable.indexes.first(where: { $0.leadingKey == StoreSchema.comparableKey(SQL.quote(column)) }) {
                findings.append(Finding(severity: .note, field: field, message: "looked up through index '\(index.name)' on \(column)"))
            } else if liveTable.primaryKey.first == column {
                findings.append(Finding(severity: .note, field: field, message: "looked up through the primary key"))
            } else {
                warning(field, "no index serves the link on '\(column)': every batch of requests reads the whole table '\(table)'. "
                        + "Create one: CREATE INDEX \(SQL.quote("\(table)_\(column)_link")) ON \(SQL.quote(table)) (\(SQL.quote(column)));")
            }
        }
    }

    private mutating func error(_ field: String, _ message: String) {
        findings.append(Finding(severity: .error, field: field, message: message))
    }

    private mutating func warning(_ field: String, _ message: String) {
        findings.append(Finding(severity: .warning, field: field, message: message))
    }

    /// Whether an index serves the lookup of an identity (requests are matched through it,
    /// a batch at a time): without one every batch reads the whole table. A warning with
    /// the statement that creates one, not an error: the night is right, only slower.
    private mutating func checkLookup(of identity: DataMap.Identity, schema: StoreSchema, field: String) {
        guard let live = schema.tables[identity.table], live.column(named: identity.column) != nil else { return }
        let compared = StoreQuery.normalized(SQL.quote(identity.column), identity.normalization)
        if let index = live.indexes.first(where: { $0.leadingKey == StoreSchema.comparableKey(compared) }) {
            findings.append(Finding(severity: .note, field: field, message: "looked up through index '\(index.name)' on \(compared)"))
        } else {
            let name = SQL.quote("\(identity.table)_\(identity.column)_lookup")
            warning(field, "no index serves the lookup by \(compared): every batch of requests reads the whole table '\(identity.table)'. "
                    + "Create one: CREATE INDEX \(name) ON \(SQL.quote(identity.table)) (\(compared));")
        }
    }

    /// Every store table that reaches the subject table through foreign keys holds data
    /// about people: it is mapped, or ignored with a reason. Otherwise access reports leave
    /// it out and erasures leave it behind.
    private mutating func checkCoverage(_ map: DataMap, _ schema: StoreSchema) {
        var reached: [String: StoreSchema.ForeignKey] = [:]
        var frontier: Set<String> = [map.subject.table]
        var seen = frontier
        while !frontier.isEmpty {
            var next: Set<String> = []
            for table in schema.tables.values.sorted(by: { $0.name < $1.name }) where !seen.contains(table.name) {
                if let key = table.foreignKeys.first(where: { frontier.contains($0.targetTable) }) {
                    reached[table.name] = key
                    next.insert(table.name)
                }
            }
            seen.formUnion(next)
            frontier = next
        }
        for (table, key) in reached.sorted(by: { $0.key < $1.key }) where map.table(named: table) == nil {
            if let reason = map.ignored.tables[table] {
                findings.append(Finding(severity: .note, field: "ignored.tables.\(table)", message: "left out: \(reason)"))
            } else {
                error("tables.\(table)", "store table reaches the subject through \(key.description) but is not in the data map: "
                      + "access reports would leave it out and erasure leave it behind. Map it, or list it under ignored: tables: {\(table): <why>}")
            }
        }
    }

    /// Proves the erasure plan against the store's foreign keys: children go before their
    /// parents, so a conflict is a parent row erasure deletes (or whose referenced column
    /// it changes) while a child row that refers to it stays (kept, held or ignored), and a
    /// reference column erasure empties or rewrites.
    private mutating func checkErasurePlan(_ map: DataMap, _ schema: StoreSchema) {
        for child in schema.tables.values.sorted(by: { $0.name < $1.name }) {
            let mappedChild = map.table(named: child.name)
            guard mappedChild != nil || map.ignored.tables[child.name] != nil else { continue }
            for key in child.foreignKeys {
                guard let parent = map.table(named: key.targetTable) else { continue }
                let field = "tables.\(child.name)"
                // Pseudonyms are the same on both sides of a key, so a key pseudonymised at both
                // ends still joins.
                func bothPseudonymised(_ childColumn: String, _ parentColumn: String) -> Bool {
                    mappedChild?.column(named: childColumn)?.erasure == .pseudonymise && parent.column(named: parentColumn)?.erasure == .pseudonymise
                }
                let pairs = Array(zip(key.columns, key.targetColumns))
                if let mappedChild {
                    for (column, target) in pairs where !bothPseudonymised(column, target) {
                        guard let action = mappedChild.column(named: column)?.erasure, action.changesValue else { continue }
                        error("\(field).columns.\(column).erasure", "erasure would \(action.name) '\(column)', which \(key.description) uses: "
                              + "the row would point at no one or at another row. Fix: keep the column, or delete the row")
                    }
                }
                let childRowsStay = mappedChild.map { !$0.erasureDeletesRows || $0.hold != nil } ?? true
                guard childRowsStay else { continue }
                let why = mappedChild == nil ? "ignored" : (mappedChild!.hold != nil ? "held" : "kept")
                if parent.erasureDeletesRows && !(mappedChild.map { Self.goesWithItsParent($0, parent) } ?? false) {
                    let store = key.onDelete == .cascade ? "the store would delete them with it"
                        : key.onDelete == .setNull || key.onDelete == .setDefault ? "the store would change them"
                        : "the store refuses to delete them"
                    // Only a fix the map does not have already.
                    let fix = mappedChild?.erasureDeletesRows == true
                        ? "hold the rows of '\(child.name)' under the rule of '\(parent.name)' counted from the same date (hold: {…, date_column: "
                          + "\(parent.hold.map { $0.dateColumnParts(defaultTable: parent.name) }.map { "\($0.table).\($0.column)" } ?? "…")})"
                        : "delete the rows of '\(child.name)' too (erasure: delete)"
                    error("tables.\(parent.name).erasure", "erasure deletes rows of '\(parent.name)' while rows of '\(child.name)' that refer to them "
                          + "(\(key.description)) are \(why): \(store). Fix: \(fix), "
                          + "or keep the rows of '\(parent.name)' and erase their columns instead")
                }
                for (childColumn, column) in pairs where !bothPseudonymised(childColumn, column) {
                    guard let action = parent.column(named: column)?.erasure, action.changesValue else { continue }
                    error("tables.\(parent.name).columns.\(column).erasure", "erasure would \(action.name) '\(column)', which the \(why) rows of "
                          + "'\(child.name)' refer to (\(key.description)). Fix: keep the column")
                }
            }
        }
    }

    /// Restriction (Art. 18) flags the person's rows where the map names a flag.
    /// Whether a child's rows are deleted with their parent row: both delete their rows and
    /// the child is held under the parent's rule counted from the parent's own date, so a
    /// held child row has a held parent, and the sweep (children first) deletes both on one
    /// day. Chinook's invoice lines, held with their invoices.
    private static func goesWithItsParent(_ child: MappedTable, _ parent: MappedTable) -> Bool {
        guard child.erasureDeletesRows, let childHold = child.hold, let parentHold = parent.hold else { return false }
        let childDate = childHold.dateColumnParts(defaultTable: child.name)
        let parentDate = parentHold.dateColumnParts(defaultTable: parent.name)
        return childDate == parentDate && childHold.years == parentHold.years && childHold.countsFrom == parentHold.countsFrom
    }

    private mutating func checkRestrictionFlags(_ map: DataMap) {
        let unflagged = map.tables.filter { $0.restrictionFlag == nil }.map(\.name)
        if unflagged.count == map.tables.count {
            warning("tables", "no table names a restriction_flag: restriction requests (Art. 18) are refused at intake")
        } else if !unflagged.isEmpty {
            findings.append(Finding(severity: .note, field: "tables", message: "without a restriction_flag (a restriction leaves their rows unflagged): \(unflagged.joined(separator: ", "))"))
        }
    }

    /// Art. 19: recipients named only as text are listed in answers, but no one tells them
    /// of an erasure, rectification or restriction.
    private mutating func checkRecipients(_ map: DataMap) {
        let named = map.tables.filter { !$0.recipients.isEmpty }.map(\.name)
        if map.recipients.isEmpty, !named.isEmpty {
            warning("recipients", "tables name recipients as text only (\(named.joined(separator: ", "))): no recipient is told of erasure, "
                    + "rectification or restriction (Art. 19); declare them under recipients: and name them by id")
        }
    }

    private mutating func checkSubject(_ map: DataMap, _ schema: StoreSchema) {
        guard let table = schema.tables[map.subject.table] else { return }  // reported with the tables
        if table.column(named: map.subject.key) == nil {
            error("subject.key", "column '\(map.subject.key)' does not exist in table '\(map.subject.table)'")
        }
    }

    private mutating func check(_ table: MappedTable, map: DataMap, schema: StoreSchema) {
        let field = "tables.\(table.name)"
        checkKept(table, consents: map.consents, field: field)
        guard let live = schema.tables[table.name] else {
            if let near = schema.table(caseInsensitivelyNamed: table.name) {
                error(field, "table does not exist in the store; names are case-sensitive, the store has '\(near.name)'")
            } else {
                error(field, "table does not exist in the store")
            }
            return
        }
        for column in table.columns {
            let columnField = "\(field).columns.\(column.name)"
            guard let liveColumn = live.column(named: column.name) else {
                error(columnField, "column does not exist in table '\(table.name)'")
                continue
            }
            check(column.erasure, of: liveColumn, field: columnField)
            if case .money(let money)? = column.format, let currencyColumn = money.currencyColumn {
                check(currencyColumn: currencyColumn, of: table, map: map, field: "\(columnField).format.currency_column")
            }
            if column.rectifiable && liveColumn.primaryKeyPosition != nil {
                error("\(columnField).rectifiable", "a primary key column cannot be rectifiable: changing it would move rows to another person")
            }
        }
        for reference in table.references {
            let referenceField = "\(field).references.\(reference.column)"
            if live.column(named: reference.column) == nil {
                error(referenceField, "column does not exist in table '\(table.name)'")
            }
            if let target = schema.tables[reference.targetTable], target.column(named: reference.targetColumn) == nil {
                error(referenceField, "target column '\(reference.targetColumn)' does not exist in table '\(reference.targetTable)'")
            }
            // A data map reference is one column; half of a composite key joins each row to
            // every parent that shares that half, and answers and erases other people's rows.
            if let key = live.foreignKeys.first(where: { $0.targetTable == reference.targetTable && $0.columns.count > 1
                                                        && zip($0.columns, $0.targetColumns).contains { $0 == (reference.column, reference.targetColumn) } }) {
                error(referenceField, "\(key.description) is a composite key; a reference on '\(reference.column)' alone joins rows to every "
                      + "parent sharing that part. Refer through a single-column key, or list the table under ignored with why")
            }
        }
        if let flag = table.restrictionFlag {
            if let column = live.column(named: flag) {
                if ColumnTypeFamily(declaredType: column.declaredType) == .text {
                    error("\(field).restriction_flag", "the restriction flag must be a number or boolean column (set to 1)")
                }
            } else {
                error("\(field).restriction_flag", "column '\(flag)' does not exist in table '\(table.name)'")
            }
        }
        if let hold = table.hold {
            check(hold, of: table, map: map, schema: schema, field: "\(field).hold.date_column")
        }
        let mapped = Set(table.columns.map(\.name) + table.references.map(\.column) + [table.restrictionFlag].compactMap { $0 })
        for column in live.columns where !mapped.contains(column.name) {
            if let reason = map.ignored.columns["\(table.name).\(column.name)"] {
                findings.append(Finding(severity: .note, field: "ignored.columns.\(table.name).\(column.name)", message: "left out: \(reason)"))
            } else {
                error("\(field).columns", "store column '\(column.name)' is not mapped: access reports would leave it out and erasure leave it behind. "
                      + "Map it, or list it under ignored: columns: {\(table.name).\(column.name): <why it holds nothing of the person>}")
            }
        }
    }

    /// Every row erasure leaves with the person's data in it has a reason the letter can
    /// give: a hold (its rows until the hold ends) and a `kept:` rule (what stays after,
    /// or without a hold). A map without one is warned of, not refused: its letters give
    /// the table's legal basis and retention, which every table has. A consent table's erasure must leave its withdrawal time, which
    /// erasure sets, in place.
    private mutating func checkKept(_ table: MappedTable, consents: DataMap.ConsentTable?, field: String) {
        let kept = table.columnsKeptByErasure.map(\.name)
        if table.kept == nil, !kept.isEmpty {
            warning("\(field).kept", "erasure leaves rows holding the person's data (columns \(kept.joined(separator: ", "))) with no reason "
                    + "of their own: letters give the table's legal_basis and retention instead. Give kept: {reason: <why>, until: <when it ends>}, "
                    + "or erase those columns")
        }
        if let consents, consents.table == table.name, let withdrawn = table.column(named: consents.withdrawnAtColumn),
           !table.erasureDeletesRows, withdrawn.erasure != .keep {
            error("\(field).columns.\(withdrawn.name).erasure", "erasure marks the person's standing consents withdrawn here; "
                  + "the withdrawal time must be kept (erasure: keep), or the table's rows deleted")
        }
    }

    /// A money column's currency is a mapped column of its row (`currency`) or of a table on
    /// its path to the subject (`orders.currency` for an order line's price: the letter
    /// then shows the amount without a currency it cannot see in the row).
    private mutating func check(currencyColumn: String, of table: MappedTable, map: DataMap, field: String) {
        let qualified = QualifiedColumn(currencyColumn) ?? QualifiedColumn(table: table.name, column: currencyColumn)
        let onPath = [table.name] + table.pathToSubject.map(\.targetTable)
        if !onPath.contains(qualified.table) || map.table(named: qualified.table)?.column(named: qualified.column) == nil {
            error(field, "'\(currencyColumn)' is not a mapped column of '\(table.name)' or of a table on its path to the subject")
        }
    }

    /// The date column of a hold is the table's own or that of a table on its path.
    private mutating func check(_ hold: RetentionRule, of table: MappedTable, map: DataMap, schema: StoreSchema, field: String) {
        let (owner, column) = hold.dateColumnParts(defaultTable: table.name)
        let onPath = [table.name] + table.pathToSubject.map(\.targetTable)
        guard onPath.contains(owner) else {
            error(field, "'\(owner)' is not on the path from '\(table.name)' to the subject")
            return
        }
        guard let ownerTable = schema.tables[owner] else { return }  // reported with the tables
        guard let live = ownerTable.column(named: column) else {
            error(field, "column '\(column)' does not exist in table '\(owner)'")
            return
        }
        switch ColumnTypeFamily(declaredType: live.declaredType) {
        case .integer, .real, .boolean:
            error(field, "'\(owner).\(column)' is a \(live.declaredType) column; a hold counts from a date or a moment")
        case .text, .other:
            // A text column's values are sampled against the store (`record`).
            break
        case .date, .timestamp:
            break
        }
    }

    /// Adds a finding made against the store's values rather than its schema (a hold's
    /// date column sampled).
    package mutating func record(_ finding: Finding) {
        findings.append(finding)
    }

    private mutating func check(_ action: ErasureAction, of column: StoreSchema.Column, field: String) {
        let family = ColumnTypeFamily(declaredType: column.declaredType)
        switch action {
        case .null:
            if column.isNotNull || column.primaryKeyPosition != nil {
                error("\(field).erasure", "'null' cannot work: the column is NOT NULL or part of the primary key")
            }
        case .rewrite(let value):
            if !family.accepts(value) {
                error("\(field).value", "the rewrite value does not fit the column's type \(column.declaredType)")
            }
        case .pseudonymise:
            if family != .text && family != .other {
                error("\(field).erasure", "'pseudonymise' writes text; the column's type is \(column.declaredType.isEmpty ? "undeclared" : column.declaredType)")
            }
        case .delete, .keep:
            break
        }
    }
}

/// The broad family of a declared column type, the same for SQLite's and PostgreSQL's names.
package enum ColumnTypeFamily: Equatable {
    case integer, real, text, boolean, date, timestamp, other

    package init(declaredType: String) {
        let type = declaredType.lowercased()
        if type.contains("timestamp") || type.contains("datetime") { self = .timestamp }
        else if type == "date" { self = .date }
        else if type.contains("int") || type == "serial" || type == "bigserial" { self = .integer }
        else if ["real", "floa", "doub", "numeric", "decimal"].contains(where: type.contains) { self = .real }
        else if ["char", "text", "clob"].contains(where: type.contains) { self = .text }
        else if type.hasPrefix("bool") { self = .boolean }
        else { self = .other }
    }

    /// A value given as text as a column of this family takes it, or nil when it does not
    /// fit: the one rule for rewrite values, rectifications and breach scopes.
    package func typedValue(_ text: String) -> StoreValue? {
        switch self {
        case .integer: return Int64(text).map(StoreValue.integer)
        case .real: return Double(text).map(StoreValue.real)
        case .date: return CalendarDay(iso: text).map { _ in .text(text) }
        case .timestamp: return Timestamp.parse(text) != nil || CalendarDay(iso: text) != nil ? .text(text) : nil
        case .boolean:
            switch text.lowercased() {
            case "true", "1": return .integer(1)
            case "false", "0": return .integer(0)
            default: return nil
            }
        case .text, .other: return .text(text)
        }
    }

    package func accepts(_ value: String) -> Bool { typedValue(value) != nil }
}

extension DataMapCheck {
    /// The findings as JSON for scripts.
    public func json() -> String {
        let findings = self.findings.map { ["severity": $0.severity.rawValue, "field": $0.field, "message": $0.message] }
        let object: [String: Any] = ["passed": passed, "findings": findings]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
