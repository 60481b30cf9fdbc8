import DSRCore
import Foundation

/// Finds the people the ledger knows only by keyed reference (a completed request keeps no
/// identities): every subject key of every segment is referenced under every key of the
/// keyring (one pass over each root table) and matched; a person found in the subject table
/// is followed into the linked stores through their links, as the night follows them.
struct ReferencedPeople {
    let stores: StoreSet
    let keyring: SubjectKeyring

    /// The people whose reference is a key of `requestByReference`, each with that request
    /// and reference.
    func find(_ requestByReference: [String: String]) throws -> [(person: Person, requestID: String, reference: String)] {
        var found: [(person: Person, requestID: String, reference: String)] = []
        var subjects: [(request: DataSubjectRequest, subject: StoreValue?)] = []
        var requests: [String: (requestID: String, reference: String)] = [:]
        for (index, bound) in stores.segments.enumerated() {
            try bound.store.forEachSubjectKey(in: bound.map) { key in
                // Every key's reference: requests recorded before a key rotation are found too.
                for reference in keyring.subjectReferences(table: bound.segment.root, key: key) {
                    guard let requestID = requestByReference[reference] else { continue }
                    if index == 0 {
                        let probe = DataSubjectRequest(id: "\(subjects.count)", type: .access, receivedAt: Date(timeIntervalSince1970: 0),
                                                       identities: [:], verification: nil, formats: [], changes: [:], scope: nil, note: nil)
                        subjects.append((probe, key))
                        requests[probe.id] = (requestID, reference)
                    } else {
                        var keys = Array(repeating: [StoreValue](), count: stores.segments.count)
                        keys[index] = [key]
                        found.append((Person(keys: keys), requestID, reference))
                    }
                    break
                }
            }
        }
        let people = try LinkResolver(stores: stores).people(of: subjects)
        found = subjects.compactMap { probe, _ in
            people[probe.id].map { ($0, requests[probe.id]!.requestID, requests[probe.id]!.reference) }
        } + found
        return found
    }
}
