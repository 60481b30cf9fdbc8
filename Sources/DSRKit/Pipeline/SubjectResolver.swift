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

    private func resolution(of request: DataSubjectRequest, _ subjectsByIdentity: [String: [String: Set<StoreValue>]]) -> Resolution {
        var everyone: Set<String> = []
        var anyone: StoreValue?
        var unmatched: [String] = []
        for (name, value) in request.identities.sorted(by: { $0.key < $1.key }) {
            let subjects = subjectsByIdentity[name]?[value] ?? []
            if subjects.count > 1 {
                return .needsReview("identity '\(name)' matches \(subjects.count) people")
            }
            if let subject = subjects.first {
                everyone.insert(subject.canonicalText)
                anyone = subject
            } else {
                unmatched.append(name)
            }
        }
        if everyone.count > 1 {
            return .needsReview("the identities point at \(everyone.count) different people")
        }
        guard let subject = anyone else { return .notFound }
        if !unmatched.isEmpty {
            return .needsReview("identity '\(unmatched.joined(separator: "', '"))' matches no one while another identity matches a person")
        }
        return .found(subject)
    }
}
