import DSRCore
import Foundation
/// What erasing one subject will do, table by table, children before parents: which rows
/// go, which change, which are held and until when. Made by reading only, so a dry run
/// and the real run plan the same way.
public struct ErasurePlan: Sendable {
    public var steps: [Step]

    public struct Step: Sendable {
        public var table: MappedTable
        /// Rows to delete (tables whose erasure deletes rows).
        public var deletions: [[StoreValue]] = []
        /// Rows whose columns change, and the changes.
        public var updates: [[StoreValue]] = []
        public var changes: [ColumnChange] = []
        /// Rows already as erasure leaves them.
        public var unchanged = 0
        /// Rows kept under the table's hold, by last day held.
        public var held: [CalendarDay: [[StoreValue]]] = [:]
        /// Held rows whose restriction flag is to be set.
        public var restrictions: [[StoreValue]] = []
    }

    /// The receipt this plan gives when carried out as planned.
    public var receipt: Receipt {
        Receipt(tables: steps.map { step in
            var table = Receipt.Table(table: step.table.name)
            table.rowsDeleted = step.deletions.count
            table.rowsChanged = step.updates.count
            table.rowsUnchanged = step.unchanged
            if !step.table.erasureDeletesRows {
                table.columns = step.table.columns.map { column in
                    let action: Receipt.Action
                    switch column.erasure {
                    case .null: action = .null
                    case .rewrite: action = .rewrite
                    case .pseudonymise: action = .pseudonymise
                    case .keep, .delete: action = .keep
                    }
                    let withdraws = step.changes.contains { $0.column == column.name && $0.withdrawsConsent }
                    return Receipt.Column(name: column.name, action: withdraws ? .withdraw : action)
                }
            }
            table.held = step.held.sorted { $0.key < $1.key }.map {
                Receipt.Hold(basis: step.table.hold!.basis, lastDayHeld: $0.key, rows: $0.value.count)
            }
            let kept = step.table.columnsKeptByErasure
            let remaining = step.updates.count + step.unchanged + step.held.values.reduce(0) { $0 + $1.count }
            if !kept.isEmpty, remaining > 0 {
                let rule = step.table.keptRuleOrFacts
                table.kept = [Receipt.Kept(rows: remaining, columns: kept.map(\.name), reason: rule.reason.anyText,
                                           until: rule.until.anyText, declared: step.table.kept != nil)]
            }
            return table
        })
    }
}

/// Plans the erasure of a subject from the data map: rows held by a retention rule whose
/// last day is today or later stay (restricted where the map names a flag); the others
/// get the map's column actions, or are deleted.
public struct ErasurePlanner: Sendable {
    public let map: DataMap
    /// The controller's today, fiscal year and zone: which rows a hold still keeps.
    let holds: HoldClock
    /// The instant of the erasure, which the person's standing consents record as their
    /// withdrawal.
    public let now: Date

    init(map: DataMap, holds: HoldClock, now: Date) {
        self.map = map
        self.holds = holds
        self.now = now
    }

    /// What erasure changes in `table`: the map's column actions and, in the consent
    /// table, the end of every standing consent (an erased person has consented to
    /// nothing; the consent's evidence stays as the map keeps it).
    func changes(of table: MappedTable) -> [ColumnChange] {
        var changes = ColumnChange.erasure(of: table)
        if let consents = map.consents, consents.table == table.name, !table.erasureDeletesRows {
            changes += ColumnChange.consentEnd(consents, at: now, via: "erasure request")
        }
        return changes
    }

    public func plan(subject: StoreValue, in session: StoreSession) throws -> ErasurePlan {
        var steps: [ErasurePlan.Step] = []
        for table in map.tablesChildrenFirst {
            let changes = changes(of: table)
            let rows = try session.subjectRows(of: table, subject: subject, in: map, changes: changes, filter: [:])
            guard !rows.isEmpty else { continue }
            var step = ErasurePlan.Step(table: table, changes: changes)
            for row in rows {
                if let lastDay = try holds.standingHold(on: row, of: table) {
                    step.held[lastDay, default: []].append(row.key)
                    if table.restrictionFlag != nil { step.restrictions.append(row.key) }
                } else if !row.needsChange {
                    step.unchanged += 1
                } else if table.erasureDeletesRows {
                    step.deletions.append(row.key)
                } else {
                    step.updates.append(row.key)
                }
            }
            steps.append(step)
        }
        return ErasurePlan(steps: steps)
    }

    /// Carries a plan out in the session's transaction; returns the receipt of what changed.
    public func execute(_ plan: ErasurePlan, in session: StoreSession) throws -> Receipt {
        var receipt = plan.receipt
        for (index, step) in plan.steps.enumerated() {
            receipt.tables[index].rowsDeleted = try session.delete(from: step.table, keys: step.deletions)
            receipt.tables[index].rowsChanged = try session.update(step.table, step.changes, keys: step.updates)
            _ = try session.update(step.table, ColumnChange.restrict(step.table), keys: step.restrictions)
        }
        return receipt
    }

}

extension ColumnChange {
    /// Marks a standing consent withdrawn at `instant` through `channel`; a consent already
    /// withdrawn keeps its time and channel.
    static func consentEnd(_ consents: DataMap.ConsentTable, at instant: Date, via channel: String) -> [ColumnChange] {
        [ColumnChange(column: consents.withdrawnAtColumn, kind: .fillIfNull(.text(Timestamp.format(instant)))),
         ColumnChange(column: consents.withdrawnViaColumn, kind: .fillIfNull(.text(channel)))]
    }

    /// Whether the change is the one that ends a consent.
    var withdrawsConsent: Bool {
        if case .fillIfNull = kind { return true }
        return false
    }
}

extension MappedTable {
    /// The reason and end letters give for the rows erasure leaves: the map's `kept:`, else
    /// what the map says of the table as a whole (its legal basis and retention), which
    /// `datamap check` reports as missing.
    var keptRuleOrFacts: KeptRule {
        kept ?? KeptRule(reason: legalBasis, until: retention)
    }
}
