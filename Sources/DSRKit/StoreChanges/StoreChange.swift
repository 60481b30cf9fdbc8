import DSRCore
import Foundation

/// What one kind of request does to a subject's rows, inside that subject's transaction.
protocol StoreChange {
    /// Changes the subject's rows and says what changed.
    func carryOut(for request: DataSubjectRequest, subject: StoreValue, in session: StoreSession) throws -> StoreChangeResult

    /// The suppression scopes the request adds once carried out (none for most).
    func suppressionScopes(for request: DataSubjectRequest) -> [String]
}

/// A request that cannot be carried out as written; it ends `rejected` with the reason.
struct RequestRejection: Error {
    var reason: String
}

/// The receipt of a change, and the rows erasure had to leave for later.
struct StoreChangeResult {
    var receipt: Receipt
    var deferred: [Ledger.DeferredRow] = []
}

/// Rectification (Art. 16): the request's `changes`, applied to the subject's rows of each
/// named table, the values converted to the columns' types. Rows under a statutory hold are
/// left as they are and listed in the receipt as held, with the basis: a bookkeeping record
/// is corrected by a new record, never rewritten.
struct Rectification: StoreChange {
    let map: DataMap
    let schema: StoreSchema
    let holds: HoldClock

    func carryOut(for request: DataSubjectRequest, subject: StoreValue, in session: StoreSession) throws -> StoreChangeResult {
        var byTable: [String: [ColumnChange]] = [:]
        for (target, text) in request.changes.sorted(by: { $0.key < $1.key }) {
            guard let qualified = QualifiedColumn(target) else { throw DSRError.badInput("changes.\(target): must be table.column") }
            let declared = schema.tables[qualified.table]?.column(named: qualified.column)?.declaredType ?? ""
            guard let value = ColumnTypeFamily(declaredType: declared).typedValue(text) else {
                throw RequestRejection(reason: "changes.\(target): the new value does not fit the column's type \(declared)")
            }
            byTable[qualified.table, default: []].append(ColumnChange(column: qualified.column, kind: .value(value)))
        }
        var receipt = Receipt(tables: [])
        for table in map.tables {
            guard let changes = byTable[table.name] else { continue }
            let rows = try session.subjectRows(of: table, subject: subject, in: map, changes: changes, filter: [:])
            var keys: [[StoreValue]] = []
            var held: [CalendarDay: Int] = [:]
            for row in rows {
                if let lastDay = try holds.standingHold(on: row, of: table) {
                    held[lastDay, default: 0] += 1
                } else if row.needsChange {
                    keys.append(row.key)
                }
            }
            var entry = Receipt.Table(table: table.name)
            entry.rowsChanged = try session.update(table, changes, keys: keys)
            entry.rowsUnchanged = rows.count - keys.count - held.values.reduce(0, +)
            entry.columns = changes.map { Receipt.Column(name: $0.column, action: .rectify) }
            entry.held = held.sorted { $0.key < $1.key }.map { Receipt.Hold(basis: table.hold!.basis, lastDayHeld: $0.key, rows: $0.value) }
            receipt.tables.append(entry)
        }
        return StoreChangeResult(receipt: receipt)
    }

    func suppressionScopes(for request: DataSubjectRequest) -> [String] { [] }
}

/// Restriction (Art. 18): the restriction flag set on every row of the subject in every
/// table that has one. The subject's rows in tables without a flag are counted and left as
/// they are, so the receipt, and the letter, say which records could not be marked.
struct Restriction: StoreChange {
    let map: DataMap

    func carryOut(for request: DataSubjectRequest, subject: StoreValue, in session: StoreSession) throws -> StoreChangeResult {
        // A map without any flag is refused before the change is made (`RunContext.storeChanges`).
        var receipt = Receipt(tables: [])
        for table in map.tables {
            guard table.restrictionFlag != nil else {
                let rows = try session.subjectRows(of: table, subject: subject, in: map, changes: [], filter: [:]).count
                if rows > 0 { receipt.tables.append(Receipt.Table(table: table.name, rowsUnchanged: rows)) }
                continue
            }
            let changes = ColumnChange.restrict(table)
            let rows = try session.subjectRows(of: table, subject: subject, in: map, changes: changes, filter: [:])
            let keys = rows.filter(\.needsChange).map(\.key)
            var entry = Receipt.Table(table: table.name)
            entry.rowsChanged = try session.update(table, changes, keys: keys)
            entry.rowsUnchanged = rows.count - keys.count
            entry.columns = [Receipt.Column(name: table.restrictionFlag!, action: .restrict)]
            receipt.tables.append(entry)
        }
        return StoreChangeResult(receipt: receipt)
    }

    func suppressionScopes(for request: DataSubjectRequest) -> [String] { [] }
}

/// Objection to direct marketing (Art. 21(3)) and withdrawal of consent (Art. 7(3)): the
/// matching consents get a withdrawal time (those already withdrawn keep theirs), and the
/// person's identities join the suppression list for that scope. Customer data stays.
struct ConsentWithdrawal: StoreChange {
    let map: DataMap
    let now: Date

    func carryOut(for request: DataSubjectRequest, subject: StoreValue, in session: StoreSession) throws -> StoreChangeResult {
        // The consents table is in one segment; the others have none to withdraw.
        guard let consents = map.consents, let table = map.table(named: consents.table) else {
            return StoreChangeResult(receipt: Receipt(tables: []))
        }
        var filter: [String: [String]] = [:]
        if let purposes = request.scope?.purposes, !purposes.isEmpty { filter[consents.purposeColumn] = purposes }
        if let channels = request.scope?.channels, !channels.isEmpty { filter[consents.channelColumn] = channels }
        // Consents already withdrawn keep their time and channel; only standing ones change.
        let withdrawal = ColumnChange(column: consents.withdrawnAtColumn, kind: .fillIfNull(.text(Timestamp.format(now))))
        let channel = ColumnChange(column: consents.withdrawnViaColumn, kind: .value(.text("\(request.type.rawValue) request \(request.id)")))
        let rows = try session.subjectRows(of: table, subject: subject, in: map, changes: [withdrawal], filter: filter)
        let keys = rows.filter(\.needsChange).map(\.key)
        var entry = Receipt.Table(table: table.name)
        entry.rowsChanged = try session.update(table, [withdrawal, channel], keys: keys)
        entry.rowsUnchanged = rows.count - keys.count
        entry.columns = [Receipt.Column(name: consents.withdrawnAtColumn, action: .withdraw)]
        return StoreChangeResult(receipt: Receipt(tables: [entry]))
    }

    /// `purpose/channel` for every pair the request names, `*` for an unnamed side.
    func suppressionScopes(for request: DataSubjectRequest) -> [String] {
        let purposes = request.scope?.purposes.nilIfEmpty ?? ["*"]
        let channels = request.scope?.channels.nilIfEmpty ?? ["*"]
        return purposes.flatMap { purpose in channels.map { "\(purpose)/\($0)" } }
    }
}

extension Array {
    var nilIfEmpty: [Element]? { isEmpty ? nil : self }
}

extension ErasurePlanner: StoreChange {
    func carryOut(for request: DataSubjectRequest, subject: StoreValue, in session: StoreSession) throws -> StoreChangeResult {
        let plan = try plan(subject: subject, in: session)
        return StoreChangeResult(receipt: try execute(plan, in: session), deferred: plan.deferredRows)
    }

    /// An erased person must not be contacted again for anything.
    func suppressionScopes(for request: DataSubjectRequest) -> [String] { ["*/*"] }
}

extension ErasurePlan {
    /// The held rows as the ledger records them.
    var deferredRows: [Ledger.DeferredRow] {
        steps.flatMap { step in
            step.held.flatMap { lastDay, keys in
                keys.map { (step.table.name, $0, step.table.hold!.basis, lastDay) }
            }
        }
    }
}
