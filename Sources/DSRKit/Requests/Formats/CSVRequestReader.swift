import DSRCore
/// Reads a CSV file for bulk submission: a header row names the fields (`id`, `type`,
/// `received_at`, `subject.email`, `verification.method`, `formats` …; a dot nests, `|`
/// separates list items), and every further row is one request.
///
/// Records are read by `CSVStream`.
enum CSVRequestReader {
    static let listFields: Set<String> = ["formats", "scope.purposes", "scope.channels"]

    static func documents(_ text: String, file: String) throws(InputProblem) -> [DocumentNode] {
        let records = try parse(text, file: file)
        guard let header = records.first else { throw InputProblem(SourceLocation(file: file), "file is empty") }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var columnByName: [String: Int] = [:]
        for (offset, name) in names.enumerated() {
            // A header cell that is no field name may be a person's data (a file without a
            // header row): it is named by its column, never quoted.
            guard isFieldName(name) else {
                throw InputProblem(SourceLocation(file: file, line: header.line),
                                   "column \(offset + 1) of the header is not a request field; the first line must name the fields (id, type, received_at, subject.<identity>, …)")
            }
            if let first = columnByName[name] {
                throw InputProblem(SourceLocation(file: file, field: name, line: header.line),
                                   "column \(offset + 1) of the header repeats column \(first + 1): which value is meant cannot be told")
            }
            columnByName[name] = offset
        }
        var documents: [DocumentNode] = []
        for record in records.dropFirst() where !(record.fields.count == 1 && record.fields[0].isEmpty) {
            guard record.fields.count == names.count else {
                throw InputProblem(SourceLocation(file: file, line: record.line),
                                   "has \(record.fields.count) fields; the header has \(names.count)")
            }
            var root = Nested()
            for (name, cell) in zip(names, record.fields) where !cell.isEmpty {
                let value: DocumentNode.Value = listFields.contains(name)
                    ? .sequence(cell.split(separator: "|").map { DocumentNode(.scalar(String($0)), line: record.line, file: file) })
                    : .scalar(cell)
                root.insert(value, at: name.split(separator: ".").map(String.init))
            }
            documents.append(root.node(line: record.line, file: file))
        }
        return documents
    }

    /// The request fields a header may name: the plain ones, and `subject.<identity>` and
    /// `changes.<table.column>` (whose names the data map checks).
    static let plainFields: Set<String> = ["id", "type", "received_at", "formats", "note", "language", "verification.method",
                                           "verification.verified_at", "scope.purposes", "scope.channels"]

    private static func isFieldName(_ name: String) -> Bool {
        if plainFields.contains(name) { return true }
        for prefix in ["subject.", "changes."] where name.hasPrefix(prefix) && name.count > prefix.count {
            return !IdentityNormalization.holdsControlCharacters(name)
        }
        return false
    }

    /// A mapping being built from dotted column names.
    private struct Nested {
        var entries: [(key: String, value: Either)] = []
        indirect enum Either { case leaf(DocumentNode.Value), nested(Nested) }

        mutating func insert(_ value: DocumentNode.Value, at path: [String]) {
            guard let first = path.first else { return }
            let index = entries.firstIndex { $0.key == first }
            if path.count == 1 {
                entries.append((first, .leaf(value)))
            } else if let index, case .nested(var child) = entries[index].value {
                child.insert(value, at: Array(path.dropFirst()))
                entries[index].value = .nested(child)
            } else {
                var child = Nested()
                child.insert(value, at: Array(path.dropFirst()))
                entries.append((first, .nested(child)))
            }
        }

        func node(line: Int, file: String) -> DocumentNode {
            DocumentNode(.mapping(entries.map { entry in
                switch entry.value {
                case .leaf(let value): return (entry.key, DocumentNode(value, line: line, file: file))
                case .nested(let child): return (entry.key, child.node(line: line, file: file))
                }
            }), line: line, file: file)
        }
    }

    /// RFC 4180 records with the line each starts on.
    static func parse(_ text: String, file: String) throws(InputProblem) -> [(line: Int, fields: [String])] {
        var records: [(line: Int, fields: [String])] = []
        var stream = CSVStream()
        do {
            try stream.feed(text.utf8) { line, fields in records.append((line, fields)) }
            try stream.finish { line, fields in records.append((line, fields)) }
        } catch let problem as CSVStream.Problem {
            throw InputProblem(SourceLocation(file: file, line: problem.line), problem.reason)
        } catch {
            throw InputProblem(SourceLocation(file: file), "cannot be read")
        }
        return records
    }
}
