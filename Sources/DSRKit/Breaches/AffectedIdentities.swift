import DSRCore
import Foundation

/// Files of affected people's identities, for a breach scope that names people rather than
/// rows: CSV, a header of the data map's identity names (`email`, `phone`, …), then one
/// person per line.
enum AffectedIdentities {
    /// The most identities looked up in one statement.
    static let chunkSize = 5000

    /// The scope as store selections, per segment of the data map (in `StoreSet.segments`
    /// order), with identities files resolved to each segment's keys of the people named.
    static func selections(for scope: [BreachScopeEntry], stores: StoreSet,
                           parser: RequestFileParser) throws -> (selections: [[ScopeSelection]], listed: Int, unmatched: Int) {
        var selections = Array(repeating: [ScopeSelection](), count: stores.segments.count)
        var listed = 0
        var unmatched = 0
        var resolvedByPath: [String: [[StoreValue]]] = [:]
        for entry in scope {
            guard let segment = stores.segments.firstIndex(where: { $0.map.table(named: entry.table) != nil }),
                  let table = stores.segments[segment].map.table(named: entry.table) else {
                throw DSRError.badInput("scope: table '\(entry.table)' is no longer in the data map")
            }
            switch entry.rows {
            case .all: selections[segment].append(ScopeSelection(table: table, rows: .all))
            case .matching(let conditions): selections[segment].append(ScopeSelection(table: table, rows: .matching(conditions)))
            case .identitiesFile(let path):
                // Several tables may name the same file: it is read, resolved and counted once.
                if resolvedByPath[path] == nil {
                    let resolved = try resolve(file: URL(fileURLWithPath: path), stores: stores, parser: parser)
                    resolvedByPath[path] = resolved.keys
                    listed += resolved.listed
                    unmatched += resolved.unmatched
                }
                selections[segment].append(ScopeSelection(table: table, rows: .subjects(resolvedByPath[path]![segment])))
            }
        }
        return (selections, listed, unmatched)
    }

    /// The largest identities file read, and the longest line of one.
    static let maximumFileBytes = 1 << 30
    static let maximumLineBytes = 1 << 16

    /// Streams an identities file a block at a time, each line's identities normalised and
    /// looked up a chunk of people at a time, so memory holds a chunk and the subjects found,
    /// never the file. Problems name the line and the column, never a value: the file may
    /// not be what the breach file says (`/proc/self/environ`).
    static func resolve(file url: URL, stores: StoreSet, parser: RequestFileParser)
        throws -> (keys: [[StoreValue]], listed: Int, unmatched: Int) {
        let map = stores.segments[0].map
        let name = url.lastPathComponent
        guard let handle = FileHandle(forReadingAtPath: url.path) else { throw DSRError.missingInput("\(url.path): cannot be read") }
        defer { try? handle.close() }
        var status = stat()
        guard fstat(handle.fileDescriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw DSRError.badInput("\(name): is not a regular file")
        }
        guard status.st_size <= maximumFileBytes else {
            throw DSRError.badInput("\(name): is larger than \(maximumFileBytes) bytes; split it, one breach update per part")
        }
        var names: [String]?
        var pending: [[String: String]] = []
        var keys = Array(repeating: Set<StoreValue>(), count: stores.segments.count)
        var listed = 0
        var unmatched = 0
        func flush() throws {
            let resolved = try resolve(pending, stores: stores)
            for (segment, found) in resolved.keys.enumerated() { keys[segment].formUnion(found) }
            unmatched += resolved.unmatched
            pending.removeAll(keepingCapacity: true)
        }
        let record = { (line: Int, fields: [String]) throws in
            guard let header = names else {
                let header = fields.map { $0.trimmingCharacters(in: .whitespaces) }
                if let unknown = header.firstIndex(where: { map.identities[$0] == nil }) {
                    throw DSRError.badInput("\(name):\(line): column \(unknown + 1) of the header is not an identity of the data map; "
                                            + "the header names identities: \(map.identities.keys.sorted().joined(separator: ", "))")
                }
                names = header
                return
            }
            guard !(fields.count == 1 && fields[0].isEmpty) else { return }
            guard fields.count == header.count else {
                throw DSRError.badInput("\(name):\(line): has \(fields.count) fields; the header has \(header.count)")
            }
            var person: [String: String] = [:]
            for (column, cell) in zip(header, fields) where !cell.isEmpty {
                switch parser.identity(column, cell) {
                case .success(let value): person[column] = value
                case .failure(let error): throw DSRError.badInput("\(name):\(line): column '\(column)': \(error.reason)")
                }
            }
            guard !person.isEmpty else { throw DSRError.badInput("\(name):\(line): names no identity") }
            pending.append(person)
            listed += 1
            if pending.count == chunkSize { try flush() }
        }
        var stream = CSVStream(maximumRecordBytes: maximumLineBytes)
        do {
            while let block = try handle.read(upToCount: 1 << 16), !block.isEmpty {
                try stream.feed(block, record)
            }
            try stream.finish(record)
        } catch let problem as CSVStream.Problem {
            throw DSRError.badInput("\(name):\(problem.line): \(problem.reason)")
        }
        guard names != nil else { throw DSRError.badInput("\(name): file is empty") }
        try flush()
        return (keys.map { $0.sorted { $0.canonicalText < $1.canonicalText } }, listed, unmatched)
    }

    /// The keys a chunk of people have in each segment (a line naming several people counts
    /// them all: a breach touched every one of them), and how many lines named no one in any
    /// store. The subject table's store is searched by every identity; the linked stores
    /// through their links, as the night finds people.
    static func resolve(_ people: [[String: String]], stores: StoreSet) throws -> (keys: [Set<StoreValue>], unmatched: Int) {
        let primary = stores.segments[0]
        var valuesByIdentity: [String: Set<String>] = [:]
        for person in people {
            for (name, value) in person { valuesByIdentity[name, default: []].insert(value) }
        }
        var subjectsByValue: [String: [String: [StoreValue]]] = [:]
        for (name, values) in valuesByIdentity {
            for match in try primary.store.matches(of: primary.map.identities[name]!, among: values.sorted(), in: primary.map) {
                subjectsByValue[name, default: [:]][match.value, default: []].append(match.subject)
            }
        }
        var probes: [(request: DataSubjectRequest, subject: StoreValue?)] = []
        for (line, person) in people.enumerated() {
            let found = Set(person.flatMap { subjectsByValue[$0.key]?[$0.value] ?? [] })
            let probe = { (index: Int) in
                DataSubjectRequest(id: "\(line)-\(index)", type: .access, receivedAt: Date(timeIntervalSince1970: 0), identities: person,
                                   verification: nil, formats: [], changes: [:], scope: nil, note: nil)
            }
            probes += found.isEmpty ? [(probe(0), nil)] : found.enumerated().map { (probe($0.offset), $0.element) }
        }
        let found = try LinkResolver(stores: stores).people(of: probes)
        var keys = Array(repeating: Set<StoreValue>(), count: stores.segments.count)
        for person in found.values {
            for (segment, segmentKeys) in person.keys.enumerated() { keys[segment].formUnion(segmentKeys) }
        }
        let linesFound = Set(found.keys.map { $0.prefix { $0 != "-" } })
        return (keys, people.count - linesFound.count)
    }
}
