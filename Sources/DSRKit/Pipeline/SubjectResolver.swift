import DSRCore
/// Matches the identities of a batch of requests to people in the store, with one query
/// per identity for the whole batch.
public struct SubjectResolver {
    public let store: CustomerStore
    public let map: DataMap

    public init(store: CustomerStore, map: DataMap) {
        self.store = store
        self.map = map
    }

    /// What the store says about one request's identities.
    public enum Resolution: Sendable, Equatable {
        /// Exactly one person, named by every identity.
        case found(StoreValue)
        /// No identity matched anyone.
        case notFound
        /// A person must look: the reason says why, without naming values.
        case needsReview(String)
    }

    /// Resolves every request of a batch; keys are request ids.
    public func resolve(_ requests: [DataSubjectRequest]) throws -> [String: Resolution] {
        var valuesByIdentity: [String: Set<String>] = [:]
        for request in requests {
            for (name, value) in request.identities { valuesByIdentity[name, default: []].insert(value) }
        }
        var subjectsByIdentity: [String: [String: Set<StoreValue>]] = [:]
        for (name, values) in valuesByIdentity {
            guard let identity = map.identities[name] else { continue }
            for match in try store.matches(of: identity, among: values.sorted(), in: map) {
                subjectsByIdentity[name, default: [:]][match.value, default: []].insert(match.subject)
            }
        }
        var resolutions: [String: Resolution] = [:]
        for request in requests {
            resolutions[request.id] = resolution(of: request, subjectsByIdentity)
        }
        return resolutions
    }

    /// The one person every identity names. An identity that matches several people (a
    /// shared family address) is narrowed by the others: the request is answered when the
    /// people its identities match have exactly one in common. Anything else goes to a
    /// person, never to a guess.
    private func resolution(of request: DataSubjectRequest, _ subjectsByIdentity: [String: [String: Set<StoreValue>]]) -> Resolution {
        var common: Set<StoreValue>?
        var widest: (name: String, count: Int)?
        var unmatched: [String] = []
        for (name, value) in request.identities.sorted(by: { $0.key < $1.key }) {
            let subjects = subjectsByIdentity[name]?[value] ?? []
            guard !subjects.isEmpty else {
                unmatched.append(name)
                continue
            }
            if subjects.count > 1, subjects.count > (widest?.count ?? 1) { widest = (name, subjects.count) }
            common = common.map { $0.intersection(subjects) } ?? subjects
        }
        guard let common else { return .notFound }
        if !unmatched.isEmpty {
            return .needsReview("identity '\(unmatched.joined(separator: "', '"))' matches no one while another identity matches a person")
        }
        switch common.count {
        case 1: return .found(common.first!)
        case 0: return .needsReview("the identities point at different people")
        default:
            let name = widest?.name ?? ""
            return .needsReview("identity '\(name)' matches \(common.count) people; `dsr review \(request.id) --identity name=value` adds one that tells them apart")
        }
    }
}
