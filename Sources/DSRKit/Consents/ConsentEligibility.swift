import DSRCore
import Foundation

/// `dsr consent eligible`: who may be contacted on a channel for a purpose today, each with
/// the basis that allows it, from one store query; the suppression list (erased and
/// objecting people) is applied as the rows stream by.
public struct ConsentEligibility {
    public let installation: Installation
    public let channel: ConsentChannel
    public let purpose: String

    public init(installation: Installation, channel: ConsentChannel, purpose: String) {
        self.installation = installation
        self.channel = channel
        self.purpose = purpose
    }

    /// One person who may be contacted, and why.
    public struct Contact: Sendable, Equatable {
        public var customerKey: String
        /// The email address, phone number or postal address for the channel.
        public var contact: String
        public var name: String?
        /// `consent`, `soft-opt-in` or `no-objection` (phone and post).
        public var basis: String
        public var consentID: String?
        /// For a soft opt-in: the table proving the relationship and the day it ends.
        public var relationship: String?
        public var relationshipEnds: String?
        /// For a soft opt-in: the last day it holds (the relationship's end plus the grace).
        public var softOptInUntil: String?
    }

    /// What the list left out after the store's query.
    public struct Counts: Sendable, Equatable, Codable {
        public var eligible = 0
        /// Left out by the suppression list (objections, erasures).
        public var suppressed = 0

        public init() {}
    }

    /// The purposes a list may be asked for: those the store's consents name and those of
    /// the soft opt-in.
    public func knownPurposes() throws -> [String] {
        let consents = try consentSegment()
        let query = try ConsentQuery(map: consents.map, store: consents.store)
        var purposes = Set(query.consents.softOptIn?.purposes ?? [])
        try consents.store.fetch(query.purposes()) { row in
            if case .text(let purpose) = row[0] { purposes.insert(purpose) }
        }
        return purposes.sorted()
    }

    /// The segment of the data map that holds the consents table.
    private func consentSegment() throws -> StoreSet.Bound {
        guard let bound = try installation.stores().segments.first(where: { $0.map.consents != nil }) else {
            throw DSRError.configuration("the data map names no consents table ('consents:')")
        }
        return bound
    }

    /// Streams every eligible person to `body`: the subject table's people in subject-key
    /// order, then, when the consents are kept in a store of their own, the people only that
    /// store holds, by address (with no customer key).
    @discardableResult
    public func forEach(now: Date, _ body: (Contact) throws -> Void) throws -> Counts {
        let stores = try installation.stores()
        let primary = stores.segments[0]
        let map = primary.map
        let consentSegment = try self.consentSegment()
        let linked = consentSegment.map.subject.table != map.subject.table
            ? try LinkedConsents(stores: stores, channel: channel, purpose: purpose, now: now,
                                 today: CalendarDay(now, in: installation.configuration.controller.timeZone))
            : nil
        let query = try linked.map { _ in
            try ConsentQuery(subjectsOf: map, consents: consentSegment.map.consents!,
                             consentTable: consentSegment.map.table(named: consentSegment.map.consents!.table)!, store: primary.store)
        } ?? ConsentQuery(map: map, store: primary.store)
        let ledger = try installation.ledger()
        let keyring = try installation.keyring()
        let (suppressions, suppressedIdentities) = try ledger.suppressionScopes()
        let erased = try ledger.erasedSubjectReferences()
        let suppressingScopes: Set<String> = ["*/*", "\(purpose)/*", "*/\(channel.rawValue)", "\(purpose)/\(channel.rawValue)"]
        func isSuppressed(_ identity: DataMap.Identity, _ stored: StoreValue) -> Bool {
            guard suppressedIdentities?.contains(identity.name) ?? true, stored != .null else { return false }
            let normalized = identity.normalization.storedForm(stored.canonicalText, phoneRegion: installation.map.phoneRegion)
            return keyring.identityReferences(name: identity.name, value: normalized).contains { reference in
                !(suppressions[reference] ?? []).isDisjoint(with: suppressingScopes)
            }
        }
        let identities = map.identities.values.filter { $0.table == map.subject.table }.sorted { $0.name < $1.name }
        let contactColumns = try self.contactColumns(map)
        // Identities come as stored and are normalised in Swift, as matching does, so the
        // suppression list's keyed references (made from normalised values) find them.
        let subjectExpressions = (identities.map(\.column) + contactColumns + map.subject.nameColumns).map(ConsentQuery.subjectColumn)
        let today = CalendarDay(now, in: installation.configuration.controller.timeZone)
        let grace = query.consents.softOptIn?.graceDays ?? 0
        var counts = Counts()
        /// One person of the subject table: their key and the subject columns the statement
        /// read after `firstColumn`, with the basis the caller found.
        func emit(key: StoreValue, row: [StoreValue], firstColumn: Int, basis: String?, consentID: String?,
                  relationship: String?, relationshipEnds: String?) throws {
            var values = row[firstColumn...].makeIterator()
            // Every key's reference: a person erased before a key rotation stays suppressed.
            var suppressed = !erased.isEmpty
                && keyring.subjectReferences(table: map.subject.table, key: key).contains(where: erased.contains)
            for identity in identities {
                let value = values.next()!
                if !suppressed { suppressed = isSuppressed(identity, value) }
            }
            let contact = contactColumns.map { _ in values.next()!.canonicalText }.joined(separator: ", ")
            let name = map.subject.nameColumns.compactMap { _ in values.next().flatMap { $0 == .null ? nil : $0.canonicalText } }
                .joined(separator: " ")
            guard !suppressed else {
                counts.suppressed += 1
                return
            }
            counts.eligible += 1
            try body(Contact(customerKey: key.canonicalText, contact: contact, name: name.isEmpty ? nil : name,
                             basis: basis ?? "", consentID: consentID, relationship: relationship, relationshipEnds: relationshipEnds,
                             softOptInUntil: relationshipEnds.flatMap(CalendarDay.init(iso:)).map { $0.adding(days: grace).description }))
        }
        if let statement = query.candidates(channel: channel, purpose: purpose, now: now, today: today,
                                            subjectExpressions: subjectExpressions, contactColumns: contactColumns,
                                            consented: linked.map { Array($0.consentBySubject.keys) } ?? []) {
            var previous: StoreValue?
            try primary.store.fetch(statement) { row in
                let key = row[ConsentQuery.Column.subjectKey.rawValue]
                // Rows come best basis first per person: the first one decides.
                guard key != previous else { return }
                previous = key
                let text = { (column: ConsentQuery.Column) -> String? in
                    let value = row[column.rawValue]
                    return value == .null ? nil : value.canonicalText
                }
                let first = ConsentQuery.Column.firstSubjectColumn.rawValue
                var consentID = text(.consentID)
                if let linked {
                    // A consent kept apart comes first (rank 1, named here); without one, a
                    // withdrawal there is an objection.
                    if text(.basis) == "consent" {
                        consentID = linked.consentBySubject[key]
                    } else if linked.objecting.contains(key) {
                        return
                    }
                }
                try emit(key: key, row: row, firstColumn: first, basis: text(.basis), consentID: consentID,
                         relationship: text(.relationship), relationshipEnds: text(.relationshipEnd))
            }
        }
        guard let linked else { return counts }
        // People only the consents' store holds are reached by the value they are linked by,
        // when it is the channel's kind of address.
        guard let identity = linked.identity, contactColumns == [identity.column] else { return counts }
        for (value, consentID) in linked.consentByOutsider.sorted(by: { $0.key < $1.key }) {
            guard !isSuppressed(identity, .text(value)) else {
                counts.suppressed += 1
                continue
            }
            counts.eligible += 1
            try body(Contact(customerKey: "", contact: value, name: nil, basis: "consent", consentID: consentID, relationship: nil,
                             relationshipEnds: nil, softOptInUntil: nil))
        }
        return counts
    }

    /// The subject table's columns that reach a person on the channel.
    private func contactColumns(_ map: DataMap) throws -> [String] {
        switch channel {
        case .email, .sms, .phone:
            let normalization: IdentityNormalization = channel == .email ? .email : .phone
            guard let identity = map.identities.values.first(where: { $0.table == map.subject.table && $0.normalization == normalization }) else {
                throw DSRError.configuration("the data map has no \(normalization.rawValue) identity on the subject table to reach people by \(channel.rawValue)")
            }
            return [identity.column]
        case .post:
            guard !map.subject.addressColumns.isEmpty else {
                throw DSRError.configuration("the data map's subject has no address_columns to reach people by post")
            }
            return map.subject.addressColumns
        }
    }
}

extension ConsentEligibility {
    /// The output formats of the list.
    public enum Format: String, Sendable, CaseIterable {
        case csv, json
    }

    static let csvHeader = ["customer_key", "contact", "name", "basis", "consent_id", "relationship", "relationship_ends", "soft_opt_in_until"]

    /// Writes the list in `format` through `write` (a file or standard output), streaming.
    @discardableResult
    public func write(_ format: Format, now: Date, to write: (String) throws -> Void) throws -> Counts {
        let zone = installation.configuration.controller.timeZone
        switch format {
        case .csv: try write(CSVRecord.line(Self.csvHeader))
        case .json:
            try write("{\"schema_version\": \(ReportJSON.schemaVersion), \"channel\": \(JSONStreamWriter.quoted(channel.rawValue)), "
                      + "\"purpose\": \(JSONStreamWriter.quoted(purpose)), "
                      + "\"as_of\": \(JSONStreamWriter.quoted(Timestamp.format(now, in: zone))), \"contacts\": [")
        }
        var first = true
        let counts = try forEach(now: now) { contact in
            let fields: [(String, String?)] = [
                ("customer_key", contact.customerKey), ("contact", contact.contact), ("name", contact.name), ("basis", contact.basis),
                ("consent_id", contact.consentID), ("relationship", contact.relationship), ("relationship_ends", contact.relationshipEnds),
                ("soft_opt_in_until", contact.softOptInUntil),
            ]
            switch format {
            case .csv:
                try write(CSVRecord.line(fields.map { $0.1 ?? "" }))
            case .json:
                try write((first ? "\n  {" : ",\n  {") + fields.compactMap { name, value in
                    value.map { "\(JSONStreamWriter.quoted(name)): \(JSONStreamWriter.quoted($0))" }
                }.joined(separator: ", ") + "}")
            }
            first = false
        }
        if format == .json {
            try write("\n], \"eligible\": \(counts.eligible), \"suppressed\": \(counts.suppressed)}\n")
        }
        return counts
    }
}
