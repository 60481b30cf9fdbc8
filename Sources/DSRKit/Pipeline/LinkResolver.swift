import DSRCore

/// Finds the people of a batch in the linked stores: for each linked segment, one read of
/// the values the subjects' rows hold (their stored identity, or the linked subject column)
/// and one lookup in the linked store for the whole batch.
struct LinkResolver {
    let stores: StoreSet

    /// The people of a batch's requests: the subject found in the subject table's store
    /// (nil: no one there), widened by what each linked store holds of them. A request
    /// nobody in any store matches has no person.
    func people(of requests: [(request: DataSubjectRequest, subject: StoreValue?)]) throws -> [String: Person] {
        var people = Dictionary(requests.map { ($0.request.id, Person(keys: [$0.subject.map { [$0] } ?? []])) }) { first, _ in first }
        let subjects = Array(Set(requests.compactMap(\.subject))).sorted { $0.canonicalText < $1.canonicalText }
        for bound in stores.segments.dropFirst() {
            let linked = try keys(in: bound, for: requests, subjects: subjects)
            for (request, _) in requests { people[request.id]!.keys.append(linked[request.id] ?? []) }
        }
        return people.filter { !$0.value.segmentKeys.isEmpty }
    }

    /// The keys each request's person has in one linked segment, by request id.
    private func keys(in bound: StoreSet.Bound, for requests: [(request: DataSubjectRequest, subject: StoreValue?)],
                      subjects: [StoreValue]) throws -> [String: [StoreValue]] {
        let primary = stores.segments[0]
        switch bound.segment.link! {
        case .identity(let name, _):
            guard let identity = primary.map.identities[name], let linkedIdentity = bound.map.identities[name],
                  let table = primary.map.table(named: identity.table) else { return [:] }
            var stored: [String: Set<String>] = [:]
            try primary.store.forEachRow(of: table, columns: [identity.column], subjects: subjects, in: primary.map) { subject, values in
                guard values[0] != .null else { return }
                stored[subject.canonicalText, default: []].insert(identity.normalization.storedForm(values[0].canonicalText, phoneRegion: primary.map.phoneRegion))
            }
            var valuesByRequest: [String: Set<String>] = [:]
            for (request, subject) in requests {
                var values = subject.flatMap { stored[$0.canonicalText] } ?? []
                if let asked = request.identities[name] { values.insert(asked) }
                valuesByRequest[request.id] = values
            }
            var keysByValue: [String: Set<StoreValue>] = [:]
            let wanted = valuesByRequest.values.reduce(into: Set<String>()) { $0.formUnion($1) }
            for match in try bound.store.matches(of: linkedIdentity, among: wanted.sorted(), in: bound.map) {
                keysByValue[match.value, default: []].insert(match.subject)
            }
            return valuesByRequest.mapValues { values in
                values.flatMap { keysByValue[$0] ?? [] }.uniqued().sorted { $0.canonicalText < $1.canonicalText }
            }
        case .subjectColumn(_, let subjectColumn):
            guard let table = primary.map.table(named: primary.map.subject.table) else { return [:] }
            var linkValues: [String: StoreValue] = [:]
            try primary.store.forEachRow(of: table, columns: [subjectColumn], subjects: subjects, in: primary.map) { subject, values in
                if values[0] != .null { linkValues[subject.canonicalText] = values[0] }
            }
            var keys: [String: [StoreValue]] = [:]
            for (request, subject) in requests {
                if let subject, let value = linkValues[subject.canonicalText] { keys[request.id] = [value] }
            }
            return keys
        }
    }
}

extension LinkResolver {
    /// The other way round: for each value of the link (normalised as its identity) among
    /// a linked segment's keys, the subjects it leads to, told to `body` a chunk of values
    /// at a time (one lookup per chunk, nothing kept); a value no subject holds comes with
    /// none: someone only that store holds. For counting people once across stores and for
    /// consents kept apart.
    func forEachSubject(linkedBy keys: [StoreValue], in segment: Int,
                        _ body: (_ value: String, _ subjects: Set<StoreValue>) throws -> Void) throws {
        let primary = stores.segments[0]
        let identity: DataMap.Identity
        switch stores.segments[segment].segment.link! {
        case .identity(let name, _):
            guard let primaryIdentity = primary.map.identities[name] else { return }
            identity = primaryIdentity
        case .subjectColumn(_, let subjectColumn):
            identity = DataMap.Identity(name: subjectColumn, table: primary.map.subject.table, column: subjectColumn,
                                        normalization: .exact, rectifiable: false)
        }
        let values = Set(keys.filter { $0 != .null }.map { linkValue($0, segment: segment) })
        for chunk in values.sorted().chunked(into: AffectedIdentities.chunkSize) {
            var subjects: [String: Set<StoreValue>] = [:]
            for match in try primary.store.matches(of: identity, among: Array(chunk), in: primary.map) {
                subjects[match.value, default: []].insert(match.subject)
            }
            for value in chunk { try body(value, subjects[value] ?? []) }
        }
    }

    /// A linked segment's key as the value its link compares: normalised like the identity
    /// for an identity link, as stored for a subject-column link.
    func linkValue(_ key: StoreValue, segment: Int) -> String {
        guard case .identity(let name, _) = stores.segments[segment].segment.link!,
              let identity = stores.segments[0].map.identities[name] else { return key.canonicalText }
        return identity.normalization.storedForm(key.canonicalText, phoneRegion: stores.segments[0].map.phoneRegion)
    }
}
