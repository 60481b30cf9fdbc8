import Synchronization

/// A store's live schema, read once and shared by the threads that use the store and by
/// its readers.
package final class SchemaCache: Sendable {
    private let cached = Mutex<StoreSchema?>(nil)

    /// The schema, read by `load` the first time (or again after `forget()`).
    package func schema(_ load: () throws -> StoreSchema) rethrows -> StoreSchema {
        if let schema = cached.withLock({ $0 }) { return schema }
        let schema = try load()
        cached.withLock { $0 = schema }
        return schema
    }

    /// Takes a schema read elsewhere (by the store a reader was made from).
    package func keep(_ schema: StoreSchema) {
        cached.withLock { $0 = schema }
    }

    /// Forgets the schema, after the store's tables changed.
    package func forget() {
        cached.withLock { $0 = nil }
    }
}
