import DSRCore

/// A night's queue as one person's requests must be carried out: the same request sent
/// twice (same type, files and language) is answered once, naming every reference
/// (Art. 12(5) lets a controller refuse or charge only for manifestly unfounded or
/// excessive requests, which it must show; a repeat on one night is neither), and what a
/// person asked to see is answered before anything they asked to change is changed.
///
/// Every request is resolved to its person first, before any batch changes the store (so
/// each is read as the night found it), a batch of requests at a time. A person's requests
/// then travel together: in one batch (where `BatchSchedule.answersFirst` writes the
/// answers before the changes), answers first.
struct SameNightRequests {
    /// The queue in the order it is carried out, in batches that never part one person's
    /// requests; duplicates are not in them.
    private(set) var batches: [[QueuedRequest]] = []
    /// Each request's person as the store named it before the night changed anything.
    private(set) var resolutions: [String: SubjectResolver.Resolution] = [:]
    /// Per request answered for several, the ids of the same person's requests of its type
    /// it answers too.
    private(set) var duplicates: [String: [String]] = [:]

    /// The types a second request of one night adds nothing to: the answer, or the change,
    /// is the same. A rectification, objection or withdrawal carries its own content.
    static func merges(_ type: RequestType) -> Bool {
        switch type {
        case .access, .export, .erasure, .restriction: return true
        case .rectification, .objection, .consentWithdrawal: return false
        }
    }

    /// A night with nothing in it.
    init() {}

    init(_ queued: [QueuedRequest], batchSize: Int, stores: StoreSet) throws {
        let primary = stores.segments[0]
        let resolver = SubjectResolver(store: primary.store, map: primary.map)
        for chunk in queued.chunked(into: batchSize) {
            resolutions.merge(try resolver.resolve(chunk.map(\.request))) { first, _ in first }
        }
        // A person's requests, in the order the first of them is queued.
        var groups: [[QueuedRequest]] = []
        var groupOfPerson: [StoreValue: Int] = [:]
        for item in queued {
            guard case .found(let subject) = resolutions[item.record.id] else {
                groups.append([item])
                continue
            }
            if let index = groupOfPerson[subject] {
                groups[index].append(item)
            } else {
                groupOfPerson[subject] = groups.count
                groups.append([item])
            }
        }
        var batch: [QueuedRequest] = []
        for group in groups {
            batch += carriedOut(group)
            if batch.count >= batchSize {
                batches.append(batch)
                batch = []
            }
        }
        if !batch.isEmpty { batches.append(batch) }
    }

    /// One person's requests to carry out, answers first; a duplicate is left to its first.
    private mutating func carriedOut(_ group: [QueuedRequest]) -> [QueuedRequest] {
        guard group.count > 1 else { return group }
        // The same request: of one type, asking for the same files in the same language (a
        // request in English is never answered by a Norwegian letter written for another).
        struct Sameness: Hashable {
            var type: RequestType
            var language: Language?
            var formats: [OutputFormat]
        }
        var first: [Sameness: String] = [:]
        var kept: [QueuedRequest] = []
        for item in group {
            let sameness = Sameness(type: item.record.type, language: item.record.language, formats: item.request.formats)
            // Sent on by the officer after review, a request is carried out as it is.
            if Self.merges(sameness.type), !item.record.repeatConfirmed {
                if let earlier = first[sameness] {
                    duplicates[earlier, default: []].append(item.record.id)
                    continue
                }
                first[sameness] = item.record.id
            }
            kept.append(item)
        }
        return kept.filter { $0.record.type.isAnswered } + kept.filter { !$0.record.type.isAnswered }
    }

    /// The ids a batch puts in progress: its requests and the duplicates they answer.
    func ids(of batch: [QueuedRequest]) -> [String] {
        batch.flatMap { [$0.record.id] + (duplicates[$0.record.id] ?? []) }
    }

    /// Each outcome of a request answered for several, given to its duplicates too: the same
    /// answer, the same failure, the same wait.
    func withDuplicates(_ transitions: [Ledger.Transition]) -> [Ledger.Transition] {
        transitions.flatMap { transition -> [Ledger.Transition] in
            [transition] + (duplicates[transition.id] ?? []).map { id in
                var copy = transition
                copy.id = id
                if transition.state == .completed {
                    copy.reason = "answered in one answer with \(transition.id): the same request of the same person, the same night"
                }
                return copy
            }
        }
    }
}
