import DSRCore
import Logging

/// Works out, before a batch changes the stores, what each recipient of the people's data
/// must be told (Art. 19): a recipient hears of an erasure or restriction when it received
/// rows the person has, and of a rectification when it received a corrected column; the
/// notice carries the identity the recipient knows the person by, read now, while the
/// stores still hold it.
struct RecipientNoticePlanner {
    let stores: StoreSet
    let map: DataMap
    let logger: Logger

    /// One request of the batch: nil person for a request carried out before (the ledger
    /// already holds its notices) or matching no one.
    typealias Item = (request: DataSubjectRequest, person: Person?)

    /// The notices of each item, in the items' order. Reads each table some recipient
    /// received once for the whole batch, and nothing when no recipient is told of any of
    /// the batch's request types.
    func notices(for items: [Item]) throws -> [[RecipientNotice]] {
        let kinds = Set(items.compactMap { $0.person == nil ? nil : $0.request.type.recipientNotice })
        let told = map.recipients.filter { !$0.notify.isDisjoint(with: kinds) }
        guard !told.isEmpty else { return items.map { _ in [] } }
        let tables = Set(told.flatMap { map.tables(disclosedTo: $0).map(\.name) })
        let present = try rowsPresent(in: tables, of: items.compactMap(\.person))
        let identities = try storedIdentities(Set(told.map(\.identity)), of: items.compactMap { $0.person?.subject })
        return items.map { item in
            guard let person = item.person, let kind = item.request.type.recipientNotice else { return [] }
            return told.filter { $0.notify.contains(kind) }.compactMap { recipient in
                notice(to: recipient, of: item.request, kind: kind, person: person, present: present, identities: identities)
            }
        }
    }

    private func notice(to recipient: Recipient, of request: DataSubjectRequest, kind: Recipient.Notice, person: Person,
                        present: [String: (segment: Int, keys: Set<StoreValue>)],
                        identities: [String: [String: [String]]]) -> RecipientNotice? {
        let reached = Set(map.tables(disclosedTo: recipient).map(\.name).filter { table in
            guard let rows = present[table] else { return false }
            return person.keys[rows.segment].contains { rows.keys.contains($0) }
        })
        var corrections: [String: String] = [:]
        if kind == .rectification {
            for (target, value) in request.changes {
                guard let qualified = QualifiedColumn(target) else { continue }
                if reached.contains(qualified.table), recipient.received(qualified.column, of: qualified.table) { corrections[target] = value }
            }
            guard !corrections.isEmpty else { return nil }
        } else if reached.isEmpty {
            return nil
        }
        let values = identityValues(of: recipient, person: person, request: request, stored: identities)
        guard !values.isEmpty else {
            logger.warning("a recipient cannot be told: no value of the identity it knows people by",
                           metadata: ["request": "\(request.id)", "recipient": "\(recipient.id)", "identity": "\(recipient.identity)"])
            return nil
        }
        return RecipientNotice(requestID: request.id, recipient: recipient.id, type: kind,
                               content: .init(submittedAt: request.receivedAt, identity: recipient.identity,
                                              identityValues: values, corrections: corrections))
    }

    /// The values of the recipient's identity it got for the person: on the subject's rows
    /// when it received the subject's identity column, else (a table in another store linked
    /// by that identity, or someone only a linked store holds) the values the link found the
    /// person by; the value the request gave when neither has one.
    private func identityValues(of recipient: Recipient, person: Person, request: DataSubjectRequest,
                                stored: [String: [String: [String]]]) -> [String] {
        let name = recipient.identity
        let disclosed = Set(map.tables(disclosedTo: recipient).map(\.name))
        if let identity = map.identities[name], disclosed.contains(identity.table), let subject = person.subject,
           let values = stored[name]?[subject.canonicalText], !values.isEmpty {
            return values
        }
        var linked: [String] = []
        for (index, bound) in stores.segments.enumerated() {
            guard case .identity(name, _)? = bound.segment.link else { continue }
            linked += person.keys[index].map { $0.canonicalText.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        if !linked.isEmpty { return linked.uniqued() }
        return request.identities[name].map { [$0] } ?? []
    }

    /// For each table, the segment it is in and which of the people's keys there have rows.
    /// The subject table and a table linked by an identity need no read: the people's keys
    /// were found in them (a subject-column link's keys are values the subject row holds).
    private func rowsPresent(in tables: Set<String>, of people: [Person]) throws -> [String: (segment: Int, keys: Set<StoreValue>)] {
        var present: [String: (segment: Int, keys: Set<StoreValue>)] = [:]
        for (index, bound) in stores.segments.enumerated() {
            let keys = Set(people.flatMap { $0.keys[index] })
            let keysFoundInRoot: Bool = switch bound.segment.link {
            case nil, .identity?: true
            case .subjectColumn?: false
            }
            for table in bound.map.tables where tables.contains(table.name) {
                var found: Set<StoreValue> = []
                if table.name == bound.segment.root, keysFoundInRoot {
                    found = keys
                } else if !keys.isEmpty {
                    let sorted = keys.sorted { $0.canonicalText < $1.canonicalText }
                    try bound.store.forEachRow(of: table, columns: [table.columns[0].name], subjects: sorted, in: bound.map) { key, _ in
                        found.insert(key)
                    }
                }
                present[table.name] = (index, found)
            }
        }
        return present
    }

    /// The stored values of the named identities on the subjects' rows, trimmed, by identity
    /// name and subject key: one read per table holding them.
    private func storedIdentities(_ names: Set<String>, of subjects: [StoreValue]) throws -> [String: [String: [String]]] {
        let primary = stores.segments[0]
        let keys = Array(Set(subjects)).sorted { $0.canonicalText < $1.canonicalText }
        let identities = names.sorted().compactMap { primary.map.identities[$0] }
        var values: [String: [String: [String]]] = [:]
        guard !keys.isEmpty else { return values }
        for (tableName, held) in Dictionary(grouping: identities, by: \.table).sorted(by: { $0.key < $1.key }) {
            guard let table = primary.map.table(named: tableName) else { continue }
            try primary.store.forEachRow(of: table, columns: held.map(\.column), subjects: keys, in: primary.map) { subject, row in
                for (identity, value) in zip(held, row) where value != .null {
                    let text = value.canonicalText.trimmingCharacters(in: .whitespacesAndNewlines)
                    if !text.isEmpty, values[identity.name]?[subject.canonicalText]?.contains(text) != true {
                        values[identity.name, default: [:]][subject.canonicalText, default: []].append(text)
                    }
                }
            }
        }
        return values
    }
}
