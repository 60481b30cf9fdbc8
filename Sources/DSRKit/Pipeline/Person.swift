import DSRCore

/// A person as the stores know them: in each segment of the data map, the keys their rows
/// are found by. The subject table's segment holds at most the one subject key; a linked
/// segment holds the link values that matched (an email spelled two ways is two keys).
public struct Person: Sendable, Hashable {
    /// Per segment, in `StoreSet.segments` order.
    public var keys: [[StoreValue]]

    /// The person's key in the subject table; nil for someone only a linked store holds
    /// (a newsletter subscriber who never bought).
    public var subject: StoreValue? { keys.first?.first }

    /// One key of one segment, for telling whether two people share rows.
    public struct SegmentKey: Hashable {
        var segment: Int
        var key: StoreValue
    }

    public var segmentKeys: [SegmentKey] {
        keys.enumerated().flatMap { segment, keys in keys.map { SegmentKey(segment: segment, key: $0) } }
    }

    /// The keyed reference the ledger knows the person by: through the subject key, else
    /// through the first linked segment's smallest key.
    func reference(keyring: SubjectKeyring, stores: StoreSet) -> String {
        let (segment, key) = referenceKey
        return keyring.subjectReference(table: stores.segments[segment].segment.root, key: key)
    }

    /// The references under every key, the current key's first.
    func references(keyring: SubjectKeyring, stores: StoreSet) -> [String] {
        let (segment, key) = referenceKey
        return keyring.subjectReferences(table: stores.segments[segment].segment.root, key: key)
    }

    private var referenceKey: (Int, StoreValue) {
        let segment = keys.firstIndex { !$0.isEmpty }!
        return (segment, keys[segment].min { $0.canonicalText < $1.canonicalText }!)
    }
}
