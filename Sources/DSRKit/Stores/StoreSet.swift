import DSRCore
import Foundation
import Logging

/// The customer stores of one installation, opened, with each segment of the data map bound
/// to the store its tables are in. A map within one store is one segment on one store.
public struct StoreSet: Sendable {
    /// A segment of the data map and the store it reads and changes.
    public struct Bound: Sendable {
        public let segment: DataMap.Segment
        /// The configured name of the store.
        public let storeName: String
        public let store: CustomerStore

        /// The segment's data map.
        public var map: DataMap { segment.map }
    }

    /// The segments, the subject table's first.
    public let segments: [Bound]

    /// The subject table's store.
    public var primary: CustomerStore { segments[0].store }

    /// The stores the segments use, each once, by name: the subject table's first.
    public var stores: [(name: String, store: CustomerStore)] {
        var seen: Set<String> = []
        return segments.compactMap { seen.insert($0.storeName).inserted ? ($0.storeName, $0.store) : nil }
    }

    /// The stores in the order a change commits in: every linked store before the subject
    /// table's. Found through values the subject's row holds, the linked rows must be done
    /// while that row still holds them, so a run killed between two commits can still find
    /// the rest.
    public var commitOrder: [(name: String, store: CustomerStore)] {
        let stores = self.stores
        return Array(stores.dropFirst()) + [stores[0]]
    }

    /// Whether the data map spans more than one segment.
    public var isLinked: Bool { segments.count > 1 }

    init(segments: [Bound]) {
        self.segments = segments
    }

    /// Opens every store the data map places tables in. A store the map names and the
    /// configuration does not is a configuration error (78).
    /// - Parameter seenBefore: whether earlier runs used these stores (the ledger exists): a
    ///   SQLite store file gone since is a fault of the machine (an unmounted volume, 74, the
    ///   next run finishes the work), where a path never seen is a configuration error (78).
    public static func open(_ configuration: Configuration, map: DataMap, keyring: SubjectKeyring?, logger: Logger,
                            seenBefore: Bool = false) throws -> StoreSet {
        var opened: [String: CustomerStore] = [:]
        var bound: [Bound] = []
        for segment in map.segments {
            let name = segment.store ?? configuration.firstStoreName
            guard let named = configuration.stores.first(where: { $0.name == name }) else {
                throw DSRError.configuration("\(configuration.dataMapURL.path): field 'tables.\(segment.root).store': no store named '\(name)' "
                                             + "in \(configuration.fileURL.lastPathComponent); it names \(configuration.stores.map(\.name).joined(separator: ", "))")
            }
            if opened[name] == nil {
                if seenBefore, case .sqlite(let url) = named.location, !FileManager.default.fileExists(atPath: url.path) {
                    throw DSRError.machineFault("""
                        SQLite store \(url.path): gone, though earlier runs used it (an unmounted volume, a moved file?). \
                        Nothing was done; the next run carries out the work once the store is back
                        """)
                }
                opened[name] = try open(named.location, keyring: keyring, logger: logger)
            }
            bound.append(Bound(segment: segment, storeName: name, store: opened[name]!))
        }
        return StoreSet(segments: bound)
    }

    /// Opens one store without a data map (`dsr datamap scaffold` writes the first one);
    /// without a keyring it cannot pseudonymise.
    public static func open(_ location: Configuration.StoreLocation, keyring: SubjectKeyring?, logger: Logger) throws -> CustomerStore {
        switch location {
        case .sqlite(let url): return try SQLiteCustomerStore(url: url, keyring: keyring)
        case .postgres(let location): return try PostgresCustomerStore(location: location, keyring: keyring, logger: logger)
        }
    }

    /// The same segments on a connection of their own per store, for reads beside the
    /// night's changes; nil when a store cannot give one.
    public func concurrentReader() throws -> StoreSet? {
        var readers: [String: CustomerStore] = [:]
        for (name, store) in stores {
            guard let reader = try store.concurrentReader() else { return nil }
            readers[name] = reader
        }
        return StoreSet(segments: segments.map { Bound(segment: $0.segment, storeName: $0.storeName, store: readers[$0.storeName]!) })
    }

    /// The rows read and written through every store so far.
    public var tallies: (read: Int, written: Int) {
        stores.reduce((0, 0)) { total, store in (total.0 + store.store.tally.counts.read, total.1 + store.store.tally.counts.written) }
    }

    /// The live schema of each segment's store, in segment order. Reaching every store
    /// first means a store that cannot be reached stops a run (74) before anything changes.
    public func schemas() throws -> [StoreSchema] {
        try segments.map { try $0.store.schema() }
    }
}

extension StoreSet {
    /// The live shape of every mapped table, each from its own store: what request files are
    /// checked against (a rectification's value must fit its column's type).
    public func mappedSchema() throws -> StoreSchema {
        var tables: [String: StoreSchema.Table] = [:]
        for bound in segments {
            let schema = try bound.store.schema()
            for table in bound.map.tables { tables[table.name] = schema.tables[table.name] }
        }
        return StoreSchema(tables: tables)
    }
}
