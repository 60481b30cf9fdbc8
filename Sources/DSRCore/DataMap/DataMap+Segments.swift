extension DataMap {
    /// The part of a data map in one store that reaches the person one way: the subject
    /// table's store through the subject key, or a linked table and the tables whose
    /// references lead to it. Each segment is a data map of its own (its root as the subject
    /// table, the link column as the key), so everything that reads or changes one store
    /// works on a segment unchanged.
    public struct Segment: Sendable {
        /// The store's name as the data map gives it; nil: the configuration's first store.
        public var store: String?
        /// How the root reaches the person; nil for the subject table's own segment.
        public var link: StoreLink?
        /// The segment's tables, with the root as subject table and the link column as key.
        public var map: DataMap

        /// The table the segment's rows lead to.
        public var root: String { map.subject.table }
    }

    /// The store a table is in, as the map names it (nil: the configuration's first store).
    public func storeName(of table: MappedTable) -> String? {
        table.store ?? self.table(named: subject.table)?.store
    }

    /// Whether some table is in another store than the subject table.
    public var spansStores: Bool { tables.contains { $0.link != nil } }

    /// The map cut into its segments, the subject table's first, then the linked tables' in
    /// map order. A map within one store is one segment: itself.
    public var segments: [Segment] {
        guard spansStores else { return [Segment(store: storeName(of: table(named: subject.table)!), link: nil, map: self)] }
        let roots = tables.filter { $0.link != nil }
        func segmentTables(rootedAt root: String) -> [MappedTable] {
            tables.filter { ($0.pathToSubject.last?.targetTable ?? $0.name) == root }
        }
        var primary = self
        primary.tables = segmentTables(rootedAt: subject.table)
        if let consents, primary.table(named: consents.table) == nil { primary.consents = nil }
        return [Segment(store: storeName(of: table(named: subject.table)!), link: nil, map: primary)] + roots.map { root in
            var map = self
            map.subject = SubjectTable(table: root.name, key: root.link!.column)
            if case .identity(let name, _) = root.link!, let identity = identities[name] {
                map.subject.keyNormalization = identity.normalization
            }
            map.tables = segmentTables(rootedAt: root.name)
            map.identities = [:]
            if case .identity(let name, let column) = root.link!, let identity = identities[name] {
                map.identities[name] = Identity(name: name, table: root.name, column: column, normalization: identity.normalization,
                                                rectifiable: false)
            }
            if let consents, map.table(named: consents.table) == nil { map.consents = nil }
            return Segment(store: storeName(of: root), link: root.link, map: map)
        }
    }

    /// Checks what the map says about stores on its own: links only on tables in another
    /// store than the subject table's, naming an identity or subject column that exists;
    /// references within a store; identities in the subject table's store.
    mutating func checkStores(tablesNode: DocumentNode) throws(InputProblem) {
        func problem(_ field: String, _ message: String) -> InputProblem {
            InputProblem(SourceLocation(file: tablesNode.file, field: field), message)
        }
        let subjectTable = table(named: subject.table)!
        let subjectStore = subjectTable.store
        if subjectTable.link != nil {
            throw problem("tables.\(subject.table).link", "the subject table is the person itself and has no link")
        }
        for index in tables.indices {
            let table = tables[index]
            let store = storeName(of: table)
            let field = "tables.\(table.name)"
            for reference in table.references {
                if let target = self.table(named: reference.targetTable), storeName(of: target) != store {
                    throw problem("\(field).references.\(reference.column)", "refers to '\(target.name)' in another store; references stay "
                                  + "within a store: give this table a link to the person instead")
                }
            }
            guard let link = table.link else { continue }
            if store == subjectStore {
                throw problem("\(field).link", "a link is for a table in another store than the subject table's; in the same store, use references")
            }
            switch link {
            case .identity(let name, let written):
                guard let identity = identities[name] else {
                    throw problem("\(field).link.identity", "'\(name)' is not an identity of the data map")
                }
                let column = written.isEmpty ? identity.column : written
                guard table.column(named: column) != nil else {
                    throw problem("\(field).link", "'\(column)' is not a mapped column of '\(table.name)'; name the column holding the \(name) with column:")
                }
                tables[index].link = .identity(name: name, column: column)
            case .subjectColumn(let column, let subjectColumn):
                guard table.column(named: column) != nil else {
                    throw problem("\(field).link.column", "'\(column)' is not a mapped column of '\(table.name)'")
                }
                guard subjectTable.column(named: subjectColumn) != nil else {
                    throw problem("\(field).link.subject_column", "'\(subjectColumn)' is not a mapped column of the subject table '\(subject.table)'")
                }
            }
        }
        for identity in identities.values.sorted(by: { $0.name < $1.name }) {
            if let owner = table(named: identity.table), storeName(of: owner) != subjectStore {
                throw problem("identities.\(identity.name)", "an identity is a column of the subject table's store; a table in another store "
                              + "matches it through link: {identity: \(identity.name)}")
            }
        }
        for relationship in consents?.softOptIn?.relationships ?? [] {
            // References stay within a store, so a table there leads to the subject table.
            if let table = table(named: relationship.table), storeName(of: table) != subjectStore {
                throw problem("consents.soft_opt_in.relationships", "'\(relationship.table)' must be in the subject table's store: "
                              + "a customer relationship is the customer's")
            }
        }
    }
}
