import DSRCore
import Foundation

/// Files of affected people's identities, for a breach scope that names people rather than
/// rows: CSV, a header of the data map's identity names (`email`, `phone`, …), then one
/// person per line.
enum AffectedIdentities {
    /// The most identities looked up in one statement.
    static let chunkSize = 5000

    /// The scope as store selections, with identities files resolved to subject keys.
    static func selections(for scope: [BreachScopeEntry], map: DataMap, store: CustomerStore,
                           parser: RequestFileParser) throws -> (selections: [ScopeSelection], listed: Int, unmatched: Int) {
        var selections: [ScopeSelection] = []
        var listed = 0
        var unmatched = 0
        var resolvedByPath: [String: [StoreValue]] = [:]
        for entry in scope {
            guard let table = map.table(named: entry.table) else {
                throw DSRError.badInput("scope: table '\(entry.table)' is no longer in the data map")
            }
            switch entry.rows {
            case .all: selections.append(ScopeSelection(table: table, rows: .all))
            case .matching(let conditions): selections.append(ScopeSelection(table: table, rows: .matching(conditions)))
            case .identitiesFile(let path):
                // Several tables may name the same file: it is read, resolved and counted once.
                if resolvedByPath[path] == nil {
                    let resolved = try resolve(file: URL(fileURLWithPath: path), map: map, store: store, parser: parser)
                    resolvedByPath[path] = resolved.subjects
                    listed += resolved.listed
                    unmatched += resolved.unmatched
                }
                selections.append(ScopeSelection(table: table, rows: .subjects(resolvedByPath[path]!)))
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
    static func resolve(file url: URL, map: DataMap, store: CustomerStore, parser: RequestFileParser)
        throws -> (subjects: [StoreValue], listed: Int, unmatched: Int) {
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
        var subjects: Set<StoreValue> = []
        var listed = 0
        var unmatched = 0
        func flush() throws {
            let resolved = try resolve(pending, map: map, store: store)
            subjects.formUnion(resolved.subjects)
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
        return (subjects.sorted { $0.canonicalText < $1.canonicalText }, listed, unmatched)
    }

    /// The subjects a chunk of people name (a line naming several people counts them all: a
    /// breach touched every one of them), and how many lines named no one.
    static func resolve(_ people: [[String: String]], map: DataMap, store: CustomerStore) throws -> (subjects: Set<StoreValue>, unmatched: Int) {
        var valuesByIdentity: [String: Set<String>] = [:]
        for person in people {
            for (name, value) in person { valuesByIdentity[name, default: []].insert(value) }
        }
        var subjectsByValue: [String: [String: [StoreValue]]] = [:]
        for (name, values) in valuesByIdentity {
            for match in try store.matches(of: map.identities[name]!, among: values.sorted(), in: map) {
                subjectsByValue[name, default: [:]][match.value, default: []].append(match.subject)
            }
        }
        var subjects: Set<StoreValue> = []
        var unmatched = 0
        for person in people {
            let found = person.flatMap { subjectsByValue[$0.key]?[$0.value] ?? [] }
            if found.isEmpty { unmatched += 1 }
            subjects.formUnion(found)
        }
        return (subjects, unmatched)
    }
}
