import DSRCore
import Foundation

/// Art. 12(5): a request of the same type for a person who had one completed shortly
/// before goes to the officer, who decides whether it is manifestly unfounded or excessive
/// (`dsr review ID --reject`) or carries it out anyway (`--retry`). People are compared by
/// their keyed subject reference, never by raw identities.
struct RepeatedRequests {
    let ledger: Ledger
    let keyring: SubjectKeyring
    let map: DataMap
    /// How far back a completed request counts; 0 turns the check off.
    let windowDays: Int
    let zone: TimeZone

    /// A request about to be carried out for the person it resolved to.
    struct Candidate {
        var id: String
        var type: RequestType
        var receivedAt: Date
        /// The officer already sent it on after review.
        var confirmed: Bool
    }

    /// Whether a repeat check applies to a request type: Art. 12(5) is about requests the
    /// controller must act on again and again; an objection or withdrawal repeated costs
    /// nothing and must never be held back.
    static func applies(to type: RequestType) -> Bool {
        switch type {
        case .access, .export, .erasure, .rectification, .restriction: return true
        case .objection, .consentWithdrawal: return false
        }
    }

    /// Turns the found resolutions of requests that repeat a recent one into reviews, with
    /// one ledger read for the whole batch.
    func holdBack(_ resolutions: inout [String: SubjectResolver.Resolution], of candidates: [Candidate]) throws {
        guard windowDays > 0 else { return }
        let window = Double(windowDays) * 86_400
        // The person's reference under every key: a request completed before a key rotation
        // is found too.
        var checked: [(candidate: Candidate, keys: [Ledger.RepeatKey])] = []
        for candidate in candidates where !candidate.confirmed && Self.applies(to: candidate.type) {
            guard case .found(let subject) = resolutions[candidate.id] else { continue }
            let references = keyring.subjectReferences(table: map.subject.table, key: subject)
            checked.append((candidate, references.map { Ledger.RepeatKey(subjectReference: $0, type: candidate.type) }))
        }
        guard let earliest = checked.map(\.candidate.receivedAt).min() else { return }
        let completed = try ledger.completedRequests(of: Set(checked.flatMap { $0.keys.map(\.subjectReference) }),
                                                     since: earliest.addingTimeInterval(-window))
        for (candidate, keys) in checked {
            guard let earlier = keys.compactMap({ completed[$0] }).max(by: { $0.completedAt < $1.completedAt }),
                  earlier.id != candidate.id,
                  earlier.completedAt >= candidate.receivedAt.addingTimeInterval(-window) else { continue }
            let day = CalendarDay(earlier.completedAt, in: zone)
            resolutions[candidate.id] = .needsReview(
                "repeats \(earlier.id) completed on \(day) (Art. 12(5)); `dsr review \(candidate.id) --retry` carries it out anyway")
        }
    }
}

extension RepeatedRequests.Candidate {
    init(_ record: LedgerRequest) {
        self.init(id: record.id, type: record.type, receivedAt: record.receivedAt, confirmed: record.repeatConfirmed)
    }
}

extension RunContext {
    /// The Art. 12(5) check of this installation, the same for real and dry runs.
    func repeatedRequests(ledger: Ledger) -> RepeatedRequests {
        RepeatedRequests(ledger: ledger, keyring: keyring, map: map, windowDays: configuration.repeatWindowDays,
                         zone: configuration.controller.timeZone)
    }
}
