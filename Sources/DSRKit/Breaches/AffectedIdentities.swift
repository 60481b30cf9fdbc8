import Foundation

/// Files of affected people's identities, for a breach scope that names people rather than
/// rows: CSV, a header of the data map's identity names (`email`, `phone`, …), then one
/// person per line.
enum AffectedIdentities {
    /// The most identities looked up in one statement.
    static let chunkSize = 500

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
                    let people = try read(URL(fileURLWithPath: path), parser: parser)
                    let resolved = try resolve(people, map: map, store: store)
                    resolvedByPath[path] = resolved.subjects
                    listed += people.count
                    unmatched += resolved.unmatched
                }
                selections.append(ScopeSelection(table: table, rows: .subjects(resolvedByPath[path]!)))
            }
        }
        return (selections, listed, unmatched)
    }

    /// One person per line: identity name → normalised value.
    static func read(_ url: URL, parser: RequestFileParser) throws -> [[String: String]] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw DSRError.missingInput("\(url.path): cannot be read") }
        guard let text = String(data: data, encoding: .utf8) else { throw DSRError.badInput("\(url.path): not valid UTF-8 text") }
        let records: [(line: Int, fields: [String])]
        do { records = try CSVRequestReader.parse(text, file: url.path) } catch { throw DSRError.badInput(error.description) }
        guard let header = records.first else { throw DSRError.badInput("\(url.path): file is empty") }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        for name in names where parser.map.identities[name] == nil {
            throw DSRError.badInput("\(url.path):\(header.line): column '\(name)' is not an identity of the data map; it knows \(parser.map.identities.keys.sorted().joined(separator: ", "))")
        }
        var people: [[String: String]] = []
        for record in records.dropFirst() where !(record.fields.count == 1 && record.fields[0].isEmpty) {
            guard record.fields.count == names.count else {
                throw DSRError.badInput("\(url.path):\(record.line): has \(record.fields.count) fields; the header has \(names.count)")
            }
            var person: [String: String] = [:]
            for (name, cell) in zip(names, record.fields) where !cell.isEmpty {
                switch parser.identity(name, cell) {
                case .success(let value): person[name] = value
                case .failure(let error): throw DSRError.badInput("\(url.path):\(record.line): column '\(name)': \(error.reason)")
                }
            }
            guard !person.isEmpty else { throw DSRError.badInput("\(url.path):\(record.line): names no identity") }
            people.append(person)
        }
        return people
    }

    /// The subjects the people name (a line naming several people counts them all: a
    /// breach touched every one of them), and how many lines named no one.
    static func resolve(_ people: [[String: String]], map: DataMap, store: CustomerStore) throws -> (subjects: [StoreValue], unmatched: Int) {
        var valuesByIdentity: [String: Set<String>] = [:]
        for person in people {
            for (name, value) in person { valuesByIdentity[name, default: []].insert(value) }
        }
        var subjectsByValue: [String: [String: [StoreValue]]] = [:]
        for (name, values) in valuesByIdentity {
            let identity = map.identities[name]!
            let sorted = values.sorted()
            for start in stride(from: 0, to: sorted.count, by: chunkSize) {
                let chunk = Array(sorted[start..<min(start + chunkSize, sorted.count)])
                for match in try store.matches(of: identity, among: chunk, in: map) {
                    subjectsByValue[name, default: [:]][match.value, default: []].append(match.subject)
                }
            }
        }
        var subjects: Set<StoreValue> = []
        var unmatched = 0
        for person in people {
            let found = person.flatMap { subjectsByValue[$0.key]?[$0.value] ?? [] }
            if found.isEmpty { unmatched += 1 }
            subjects.formUnion(found)
        }
        return (subjects.sorted { $0.canonicalText < $1.canonicalText }, unmatched)
    }
}
