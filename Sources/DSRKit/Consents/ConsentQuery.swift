import DSRCore
import Foundation

/// The channels marketing can reach a person by.
public enum ConsentChannel: String, Sendable, Codable, CaseIterable {
    case email, sms, phone, post

    /// Electronic marketing needs the person's consent (or the existing-customer
    /// exception); phone and post are allowed unless the person objected.
    public var needsConsent: Bool { self == .email || self == .sms }
}

/// The SQL of the consent ledger, set-based: who may be contacted, expiry, relationships
/// that ended. Shared by every store kind through its `SQLDialect`.
struct ConsentQuery {
    let map: DataMap
    let consents: DataMap.ConsentTable
    let table: MappedTable
    /// The consent table's own key, named as the basis of an eligible contact.
    let idColumn: String
    let dialect: SQLDialect
    /// Whether the consents table is in this store. When it is in a linked store of its own,
    /// the subject table's store answers only for the existing-customer exception and for
    /// phone and post, and the consents are read in theirs (`ConsentEligibility`).
    let holdsConsents: Bool

    init(map: DataMap, store: CustomerStore) throws {
        guard let consents = map.consents, let table = map.table(named: consents.table) else {
            throw DSRError.configuration("the data map names no consents table ('consents:')")
        }
        guard let idColumn = try store.schema().tables[table.name]?.primaryKey.first else {
            throw DSRError.configuration("\(store.displayName): the consents table '\(table.name)' needs a primary key")
        }
        self.map = map
        self.consents = consents
        self.table = table
        self.idColumn = idColumn
        self.dialect = try store.dialect
        self.holdsConsents = true
    }

    /// The query of the subject table's store when the consents table is in another:
    /// relationships and people only.
    init(subjectsOf map: DataMap, consents: DataMap.ConsentTable, consentTable: MappedTable, store: CustomerStore) throws {
        self.map = map
        self.consents = consents
        self.table = consentTable
        self.idColumn = ""
        self.dialect = try store.dialect
        self.holdsConsents = false
    }

    /// The columns of a candidate row before the subject table's columns.
    enum Column: Int { case subjectKey = 0, basis, consentID, relationship, relationshipEnd, firstSubjectColumn }

    /// Everyone who may be contacted on `channel` for `purpose` on `today`, with a basis:
    /// a standing consent (rank 1), the existing-customer exception (2), or no objection
    /// for phone and post (3). Rows come by subject, best basis first; `subjectExpressions`
    /// (of the subject table's columns, see `subjectColumn`) follow. Restricted people and people without a value
    /// in `contactColumns` are left out here; the suppression list is checked by the caller.
    ///
    /// With the consents in another store (`holdsConsents` false), the subjects that have a
    /// standing consent there are given as `consented` and listed with rank 1.
    func candidates(channel: ConsentChannel, purpose: String, now: Date, today: CalendarDay,
                    subjectExpressions: [String], contactColumns: [String], consented: [StoreValue] = []) -> SQLStatement? {
        var arguments: [SQLStatement.Argument] = []
        func bind(_ text: String) -> String {
            arguments.append(.value(.text(text)))
            return "?"
        }
        var branches: [String] = []
        let subjectKey = "s.\(SQL.quote(map.subject.key))"
        if holdsConsents {
            branches.append("SELECT subject_key, 1 AS rank, 'consent' AS basis, consent_id, NULL AS relationship, NULL AS relationship_end, granted FROM ("
                            + standingConsents(channel: channel, purpose: purpose, now: now, today: today, bind: bind) + ") AS standing")
        } else if !consented.isEmpty {
            arguments.append(.keyList(consented))
            branches.append("SELECT \(subjectKey) AS subject_key, 1 AS rank, 'consent' AS basis, NULL AS consent_id, NULL AS relationship, "
                            + "NULL AS relationship_end, NULL AS granted FROM \(SQL.quote(map.subject.table)) AS s WHERE \(subjectKey) \(dialect.keyListMembership)")
        }
        if let softOptIn = consents.softOptIn, softOptIn.purposes.contains(purpose), softOptIn.channels.contains(channel.rawValue) {
            // A relationship still counts if it ends on or after this day.
            let cutoff = today.adding(days: -softOptIn.graceDays)
            for (index, relationship) in softOptIn.relationships.enumerated() {
                let (path, column, days) = relationshipColumn(relationship, alias: "r\(index)_")
                // Only rows recent enough are read and grouped; the end is computed once per
                // person from the latest row (it grows with the date column).
                branches.append("""
                    SELECT \(path.subjectKey) AS subject_key, 2 AS rank, 'soft-opt-in' AS basis, NULL AS consent_id,
                           '\(relationship.table.replacingOccurrences(of: "'", with: "''"))' AS relationship,
                           \(days == 0 ? "max(\(column))" : dialect.addingDays("max(\(column))", days)) AS relationship_end, NULL AS granted
                    FROM \(path.fromClause) WHERE \(column) >= \(bind(cutoff.adding(days: -days).description)) GROUP BY \(path.subjectKey)
                    """)
            }
        }
        if !channel.needsConsent {
            branches.append("SELECT \(subjectKey) AS subject_key, 3 AS rank, 'no-objection' AS basis, NULL AS consent_id, NULL AS relationship, "
                            + "NULL AS relationship_end, NULL AS granted FROM \(SQL.quote(map.subject.table)) AS s")
        }
        // Electronic marketing without the consents in this store and without the exception
        // for it: no one here qualifies.
        guard !branches.isEmpty else { return nil }
        var conditions = reachable(contactColumns)
        if holdsConsents {
            // Without a consent, a withdrawal for this purpose and channel is an objection.
            let x = SubjectPathQuery(table: table, map: map, aliasPrefix: "x")
            conditions.append("""
                (c.rank = 1 OR NOT EXISTS (SELECT 1 FROM \(x.fromClause) WHERE \(x.subjectKey) = c.subject_key
                    AND \(x.column(consents.purposeColumn)) = \(bind(purpose)) AND \(x.column(consents.channelColumn)) = \(bind(channel.rawValue))
                    AND \(x.column(consents.withdrawnAtColumn)) IS NOT NULL))
                """)
        }
        let selected = (["c.subject_key", "c.basis", "c.consent_id", "c.relationship", "c.relationship_end"] + subjectExpressions)
            .joined(separator: ", ")
        let sql = """
            SELECT \(selected)
            FROM (\(branches.joined(separator: "\nUNION ALL\n"))) AS c
            JOIN \(SQL.quote(map.subject.table)) AS s ON \(subjectKey) = c.subject_key
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY c.subject_key, c.rank, c.granted DESC, c.relationship_end DESC
            """
        return SQLStatement(sql: sql, arguments: arguments)
    }

    /// The conditions on the subject table `s` that a person may be contacted under at all:
    /// not restricted, and an address for the channel.
    private func reachable(_ contactColumns: [String]) -> [String] {
        var conditions = contactColumns.map { "\(Self.subjectColumn($0)) IS NOT NULL AND \(Self.subjectColumn($0)) <> ''" }
        if let flag = map.table(named: map.subject.table)?.restrictionFlag {
            conditions.append("coalesce(s.\(SQL.quote(flag)), 0) = 0")
        }
        return conditions
    }

    /// The standing consents for `purpose` on `channel` on `today`: the key each leads to
    /// (`subject_key`), its id and when it was granted. A consent stands when it is not
    /// withdrawn, expired or superseded by a later withdrawal, its time has come, its
    /// duration has not run out, and (email, SMS) it was confirmed.
    private func standingConsents(channel: ConsentChannel, purpose: String, now: Date, today: CalendarDay,
                                  bind: (String) -> String) -> String {
        let c = SubjectPathQuery(table: table, map: map, aliasPrefix: "c")
        let w = SubjectPathQuery(table: table, map: map, aliasPrefix: "w")
        let granted = c.column(consents.grantedAtColumn)
        return """
            SELECT \(c.subjectKey) AS subject_key, \(c.column(idColumn)) AS consent_id, \(granted) AS granted
            FROM \(c.fromClause)
            WHERE \(c.column(consents.purposeColumn)) = \(bind(purpose)) AND \(c.column(consents.channelColumn)) = \(bind(channel.rawValue))
              AND \(c.column(consents.withdrawnAtColumn)) IS NULL AND \(c.column(consents.expiredAtColumn)) IS NULL
              AND \(granted) <= \(bind(Timestamp.format(now))) AND \(c.column(consents.validUntilColumn)) >= \(bind(today.description))
              \(channel.needsConsent ? "AND \(c.column(consents.confirmedAtColumn)) >= \(granted)" : "")
              AND NOT EXISTS (SELECT 1 FROM \(w.fromClause) WHERE \(w.subjectKey) = \(c.subjectKey)
                  AND \(w.column(consents.purposeColumn)) = \(c.column(consents.purposeColumn))
                  AND \(w.column(consents.channelColumn)) = \(c.column(consents.channelColumn))
                  AND \(w.column(consents.withdrawnAtColumn)) >= \(granted))
            """
    }

    /// The standing consents (see `standingConsents`) as a statement of their own, newest
    /// first: for a consents table in a store of its own.
    func standingConsents(channel: ConsentChannel, purpose: String, now: Date, today: CalendarDay) -> SQLStatement {
        var arguments: [SQLStatement.Argument] = []
        let sql = standingConsents(channel: channel, purpose: purpose, now: now, today: today) { text in
            arguments.append(.value(.text(text)))
            return "?"
        }
        return SQLStatement(sql: sql + " ORDER BY granted DESC", arguments: arguments)
    }

    /// The keys with a withdrawal for `purpose` on `channel`: without a standing consent,
    /// an objection to the existing-customer exception and to phone and post.
    func withdrawals(channel: ConsentChannel, purpose: String) -> SQLStatement {
        let x = SubjectPathQuery(table: table, map: map, aliasPrefix: "x")
        return SQLStatement(sql: """
            SELECT DISTINCT \(x.subjectKey) FROM \(x.fromClause) WHERE \(x.column(consents.purposeColumn)) = ?
                AND \(x.column(consents.channelColumn)) = ? AND \(x.column(consents.withdrawnAtColumn)) IS NOT NULL
            """, arguments: [.value(.text(purpose)), .value(.text(channel.rawValue))])
    }

    /// A column of the subject table as the candidates statement names it.
    static func subjectColumn(_ name: String) -> String { "s.\(SQL.quote(name))" }

    /// The purposes consents name in the store, for telling a typo from a purpose no one
    /// consented to yet.
    func purposes() -> SQLStatement {
        SQLStatement(sql: "SELECT DISTINCT \(SQL.quote(consents.purposeColumn)) FROM \(SQL.quote(table.name))")
    }

    /// Marks consents past their stated duration as expired (withdrawn ones stay withdrawn).
    func expire(today: CalendarDay, at now: Date) -> SQLStatement {
        let column = { SQL.quote($0) }
        return SQLStatement(sql: """
            UPDATE \(SQL.quote(table.name)) SET \(column(consents.expiredAtColumn)) = ?
            WHERE \(column(consents.expiredAtColumn)) IS NULL AND \(column(consents.withdrawnAtColumn)) IS NULL
              AND \(column(consents.validUntilColumn)) < ?
            """, arguments: [.value(.text(Timestamp.format(now))), .value(.text(today.description))])
    }

    /// How many people's existing-customer exception ended on a day in `days` (their last
    /// relationship ended more than the grace period before it).
    func softOptInsEnded(_ days: Range<CalendarDay>) -> SQLStatement? {
        guard let softOptIn = consents.softOptIn else { return nil }
        // Ended in the window: a relationship row ending in it, and none ending later. Only
        // the rows of the window are read, not every relationship of every person.
        let low = days.lowerBound.adding(days: -softOptIn.graceDays)
        let high = days.upperBound.adding(days: -softOptIn.graceDays)
        var arguments: [SQLStatement.Argument] = []
        func bind(_ day: CalendarDay) -> String {
            arguments.append(.value(.text(day.description)))
            return "?"
        }
        var inWindow: [String] = []
        for (index, relationship) in softOptIn.relationships.enumerated() {
            let (path, column, lasts) = relationshipColumn(relationship, alias: "r\(index)_")
            inWindow.append("SELECT \(path.subjectKey) AS subject_key FROM \(path.fromClause) "
                            + "WHERE \(column) >= \(bind(low.adding(days: -lasts))) AND \(column) < \(bind(high.adding(days: -lasts)))")
        }
        var laterOnes: [String] = []
        for (index, relationship) in softOptIn.relationships.enumerated() {
            let (path, column, lasts) = relationshipColumn(relationship, alias: "n\(index)_")
            laterOnes.append("NOT EXISTS (SELECT 1 FROM \(path.fromClause) WHERE \(path.subjectKey) = e.subject_key "
                             + "AND \(column) >= \(bind(high.adding(days: -lasts))))")
        }
        return SQLStatement(sql: """
            SELECT count(*) FROM (\(inWindow.joined(separator: " UNION "))) AS e
            WHERE \(laterOnes.joined(separator: " AND "))
            """, arguments: arguments)
    }

    /// Inserts one consent unless the same grant (person, purpose, channel, time) is there.
    func insert(_ consent: ConsentRecord, subject: StoreValue) throws -> SQLStatement {
        // The consents table refers to the subject directly, or (kept in a store of its
        // own) is linked to the person by the column the segment finds them by.
        let personColumn: String
        if table.pathToSubject.isEmpty {
            personColumn = map.subject.key
        } else if table.pathToSubject.count == 1, let link = table.pathToSubject.first, link.targetColumn == map.subject.key {
            personColumn = link.column
        } else {
            throw DSRError.configuration("importing consents needs the consents table '\(table.name)' to reference the subject table's key directly")
        }
        let values: [(String, StoreValue)] = [
            (personColumn, subject), (consents.purposeColumn, .text(consent.purpose)), (consents.channelColumn, .text(consent.channel.rawValue)),
            (consents.textColumn, .text(consent.text)), (consents.textVersionColumn, .text(consent.textVersion)),
            (consents.collectedViaColumn, .text(consent.collectedVia)), (consents.grantedAtColumn, .text(Timestamp.format(consent.grantedAt))),
            (consents.confirmedAtColumn, consent.confirmedAt.map { .text(Timestamp.format($0)) } ?? .null),
            (consents.validUntilColumn, .text(consent.validUntil.description)),
            (consents.withdrawnAtColumn, consent.withdrawnAt.map { .text(Timestamp.format($0)) } ?? .null),
            (consents.withdrawnViaColumn, consent.withdrawnVia.map { .text($0) } ?? .null),
        ]
        let column = { SQL.quote($0) }
        let sql = """
            INSERT INTO \(column(table.name)) (\(values.map { column($0.0) }.joined(separator: ", ")))
            SELECT \(values.map { _ in "?" }.joined(separator: ", "))
            WHERE NOT EXISTS (SELECT 1 FROM \(column(table.name)) WHERE \(column(personColumn)) = ? AND \(column(consents.purposeColumn)) = ?
                              AND \(column(consents.channelColumn)) = ? AND \(column(consents.grantedAtColumn)) = ?)
            """
        return SQLStatement(sql: sql, arguments: (values.map(\.1) + [values[0].1, values[1].1, values[2].1, values[6].1]).map { .value($0) })
    }

    /// The path of a relationship table to the subject, its date column, and how many days
    /// after that date the relationship ends (0: the date is the end).
    private func relationshipColumn(_ relationship: DataMap.Relationship, alias: String) -> (SubjectPathQuery, String, Int) {
        let path = SubjectPathQuery(table: map.table(named: relationship.table)!, map: map, aliasPrefix: alias)
        switch relationship.end {
        case .until(let column): return (path, path.column(column), 0)
        case .since(let column, let days): return (path, path.column(column), days)
        }
    }
}
