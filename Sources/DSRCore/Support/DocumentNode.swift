import Foundation
import Yams

/// A node of a parsed document that knows where it came from, so that every problem names
/// the file, the field and the line.
///
/// YAML, JSON, XML, OpenDSR and CSV inputs are all turned into this one neutral tree, so
/// config files, data maps and request files of every format are read and checked by the
/// same code. Problems name fields and lines but never quote values: the values may be
/// personal data.
public struct DocumentNode {
    /// The largest document dsr reads; request files and data maps are small.
    public static let maximumSize = 1 << 20

    /// What a node holds.
    public indirect enum Value {
        case null
        case scalar(String)
        case sequence([DocumentNode])
        case mapping([(key: String, value: DocumentNode)])
    }

    package let value: Value
    package let line: Int?
    package let file: String
    package let field: String

    /// A node of a tree built from another format (XML, OpenDSR, CSV); children's fields are
    /// set from their place in the tree.
    public init(_ value: Value, line: Int?, file: String) {
        self.init(value, line: line, file: file, field: "")
    }

    package init(_ value: Value, line: Int?, file: String, field: String) {
        self.line = line
        self.file = file
        self.field = field
        switch value {
        case .null, .scalar:
            self.value = value
        case .sequence(let elements):
            self.value = .sequence(elements.enumerated().map { $0.element.placed(in: file, field: Self.join(field, "[\($0.offset)]")) })
        case .mapping(let entries):
            self.value = .mapping(entries.map { ($0.key, $0.value.placed(in: file, field: Self.join(field, $0.key))) })
        }
    }

    private func placed(in file: String, field: String) -> DocumentNode {
        DocumentNode(value, line: line, file: file, field: field)
    }

    private static func join(_ parent: String, _ name: String) -> String {
        parent.isEmpty ? name : (name.hasPrefix("[") ? parent + name : "\(parent).\(name)")
    }

    /// The location of this node, for problem reports.
    public var location: SourceLocation {
        SourceLocation(file: file, field: field, line: line)
    }

    /// Parses a YAML document (JSON documents are parsed as the YAML they also are, after a
    /// strict JSON syntax check, so that both get line numbers).
    public static func parse(_ data: Data, file: String, isJSON: Bool) throws(InputProblem) -> DocumentNode {
        let whole = SourceLocation(file: file)
        guard data.count <= maximumSize else {
            throw InputProblem(whole, "file is larger than \(maximumSize) bytes")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputProblem(whole, "file is not valid UTF-8 text")
        }
        if isJSON {
            do {
                _ = try JSONSerialization.jsonObject(with: data, options: [])
            } catch {
                throw InputProblem(SourceLocation(file: file, line: Self.jsonErrorLine(error, in: data)), "not valid JSON")
            }
        }
        let root: Node?
        do {
            // No tag resolution: dsr reads every scalar as text, and the default resolver runs
            // a regular expression per rule on every plain scalar (a tenth of intake time).
            // The encoding is named: Yams' default reads the whole environment per document.
            root = try Yams.compose(yaml: text, .basic, .default, .utf8)
        } catch let error as YamlError {
            throw Self.problem(from: error, file: file)
        } catch {
            throw InputProblem(whole, "cannot be parsed")
        }
        guard let root else { throw InputProblem(whole, "file is empty") }
        var budget = maximumValues
        return DocumentNode(try Self.value(of: root, file: file, budget: &budget), line: root.mark?.line, file: file)
    }

    /// The most values a document may hold. Yams substitutes YAML aliases while composing,
    /// sharing storage; turning that into a tree would copy every substitution, so a
    /// "billion laughs" document is stopped here instead of exhausting memory.
    package static let maximumValues = 100_000

    /// The neutral value of a YAML node, counting values against `budget`.
    private static func value(of node: Node, file: String, budget: inout Int) throws(InputProblem) -> Value {
        budget -= 1
        guard budget >= 0 else {
            throw InputProblem(SourceLocation(file: file), "the document holds more than \(maximumValues) values (YAML aliases expanding?)")
        }
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string) { return .null }
            return .scalar(scalar.string)
        case .sequence(let sequence):
            var elements: [DocumentNode] = []
            for element in sequence {
                elements.append(DocumentNode(try value(of: element, file: file, budget: &budget), line: element.mark?.line, file: file))
            }
            return .sequence(elements)
        case .mapping(let mapping):
            var entries: [(key: String, value: DocumentNode)] = []
            for (keyNode, valueNode) in mapping {
                guard case .scalar(let key) = keyNode else {
                    throw InputProblem(SourceLocation(file: file, line: keyNode.mark?.line), "keys must be plain names")
                }
                entries.append((key.string, DocumentNode(try value(of: valueNode, file: file, budget: &budget),
                                                         line: valueNode.mark?.line, file: file)))
            }
            return .mapping(entries)
        case .alias(let alias):
            throw InputProblem(SourceLocation(file: file, line: alias.mark?.line), "aliases are not allowed")
        }
    }

    /// Reads and parses a file, choosing JSON or YAML by its extension.
    public static func load(contentsOf url: URL) throws -> DocumentNode {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DSRError.missingInput("\(url.path): cannot be read")
        }
        return try parse(data, file: url.path, isJSON: url.pathExtension.lowercased() == "json")
    }

    package func problem(_ reason: String) -> InputProblem { InputProblem(location, reason) }

    /// Whether the node is an explicit null (or an empty value).
    public var isNull: Bool {
        if case .null = value { return true }
        return false
    }

    /// The node's scalar text.
    public func string() throws(InputProblem) -> String {
        guard case .scalar(let text) = value else { throw problem("must be a single value") }
        return text
    }

    /// The node's scalar text, trimmed and refused when empty.
    public func nonEmptyString() throws(InputProblem) -> String {
        let text = try string().trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw problem("must not be empty") }
        return text
    }

    public func bool() throws(InputProblem) -> Bool {
        switch try string().lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default: throw problem("must be true or false")
        }
    }

    public func integer() throws(InputProblem) -> Int {
        guard let value = Int(try string()) else { throw problem("must be a whole number") }
        return value
    }

    /// The elements of a sequence; a single scalar counts as a one-element list.
    public func list() throws(InputProblem) -> [DocumentNode] {
        switch value {
        case .sequence(let elements): return elements
        case .scalar: return [self]
        default: throw problem("must be a list")
        }
    }

    public func stringList() throws(InputProblem) -> [String] {
        var strings: [String] = []
        for element in try list() { strings.append(try element.nonEmptyString()) }
        return strings
    }

    /// The entries of a mapping, in document order.
    public func entries() throws(InputProblem) -> [(key: String, value: DocumentNode)] {
        guard case .mapping(let entries) = value else { throw problem("must be a mapping of names to values") }
        return entries
    }

    /// A reader for the fields of a mapping that refuses fields it was not asked about, and
    /// fields given twice (a repeated XML element, a CSV column named twice): which of the
    /// two was meant cannot be told.
    public func fields() throws(InputProblem) -> Fields {
        let entries = try entries()
        var seen: Set<String> = []
        for entry in entries where !seen.insert(entry.key).inserted {
            throw entry.value.problem("is given more than once")
        }
        return Fields(owner: self, entries: entries)
    }

    private static func problem(from error: YamlError, file: String) -> InputProblem {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var reason = "syntax error: \(problem)"
            if let context, context.mark.line != mark.line {
                reason += " (\(context.text) that starts on line \(context.mark.line))"
            }
            return InputProblem(SourceLocation(file: file, line: mark.line), reason)
        case .reader(let problem, _, _, _):
            return InputProblem(SourceLocation(file: file), "cannot be read: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return InputProblem(SourceLocation(file: file, line: context.mark.line),
                                "duplicate key(s) \(duplicates.sorted().joined(separator: ", "))")
        default:
            return InputProblem(SourceLocation(file: file), "cannot be parsed")
        }
    }

    /// The line of a JSON syntax error, from the character offset Foundation reports (its
    /// messages may quote the offending text, so only the position is used).
    private static func jsonErrorLine(_ error: Error, in data: Data) -> Int? {
        let info = (error as NSError).userInfo
        var offset = info["NSJSONSerializationErrorIndex"] as? Int
        if offset == nil, let text = info[NSDebugDescriptionErrorKey] as? String,
           let range = text.range(of: "character ") {
            offset = Int(text[range.upperBound...].prefix { $0.isNumber })
        }
        guard let offset else { return nil }
        return data.prefix(offset).reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
    }
}

extension DocumentNode {
    /// The fields of one mapping, read by name. `finish()` reports fields nobody asked for,
    /// which catches typos in field names instead of silently ignoring them.
    public final class Fields {
        package let owner: DocumentNode
        private var remaining: [String: DocumentNode]
        private let order: [String]

        package init(owner: DocumentNode, entries: [(key: String, value: DocumentNode)]) {
            self.owner = owner
            self.order = entries.map(\.key)
            self.remaining = Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })  // fields() refused repeats
        }

        /// The field, or nil when absent or null.
        public func optional(_ name: String) -> DocumentNode? {
            guard let node = remaining.removeValue(forKey: name), !node.isNull else { return nil }
            return node
        }

        public func required(_ name: String) throws(InputProblem) -> DocumentNode {
            guard let node = optional(name) else {
                let path = owner.field.isEmpty ? name : "\(owner.field).\(name)"
                throw InputProblem(SourceLocation(file: owner.file, field: path, line: owner.line), "is required")
            }
            return node
        }

        /// Throws for the first field that was never read.
        public func finish() throws(InputProblem) {
            for name in order {
                if let unread = remaining[name] { throw unread.problem("unknown field") }
            }
        }
    }
}
