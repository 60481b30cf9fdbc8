import DSRCore
import Foundation

/// Consents kept in a store of their own, read for one eligibility list: each standing
/// consent and each withdrawal mapped to the subjects its link value leads to, or kept by
/// that value for someone only the consents' store holds.
struct LinkedConsents {
    /// The newest standing consent's id per subject.
    var consentBySubject: [StoreValue: String] = [:]
    /// The newest standing consent's id per link value no subject holds.
    var consentByOutsider: [String: String] = [:]
    /// Subjects with a withdrawal for the purpose and channel (an objection when they have
    /// no standing consent).
    var objecting: Set<StoreValue> = []
    /// The subject table's identity the consents are linked by, if they are linked by one.
    var identity: DataMap.Identity?

    init(stores: StoreSet, channel: ConsentChannel, purpose: String, now: Date, today: CalendarDay) throws {
        guard let segment = stores.segments.firstIndex(where: { $0.map.consents != nil }), segment > 0 else {
            preconditionFailure("the consents table is in a linked segment")
        }
        let bound = stores.segments[segment]
        let query = try ConsentQuery(map: bound.map, store: bound.store)
        let links = LinkResolver(stores: stores)
        if case .identity(let name, _) = bound.segment.link! { identity = stores.segments[0].map.identities[name] }
        // Newest first per address: the first consent seen for an address is the one named.
        var newest: [String: String] = [:]
        var keys: [StoreValue] = []
        try bound.store.fetch(query.standingConsents(channel: channel, purpose: purpose, now: now, today: today)) { row in
            let value = links.linkValue(row[0], segment: segment)
            if newest[value] == nil {
                newest[value] = row[1].canonicalText
                keys.append(row[0])
            }
        }
        try links.forEachSubject(linkedBy: keys, in: segment) { value, subjects in
            guard let consentID = newest[value] else { return }
            if subjects.isEmpty { consentByOutsider[value] = consentID }
            for subject in subjects where consentBySubject[subject] == nil { consentBySubject[subject] = consentID }
        }
        var withdrawn: [StoreValue] = []
        try bound.store.fetch(query.withdrawals(channel: channel, purpose: purpose)) { row in withdrawn.append(row[0]) }
        try links.forEachSubject(linkedBy: withdrawn, in: segment) { _, subjects in objecting.formUnion(subjects) }
    }
}
