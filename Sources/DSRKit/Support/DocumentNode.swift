import Foundation
import Yams

/// A node of a parsed YAML or JSON document that knows where it came from, so that every
/// problem names the file, the field and the line.
///
/// Config files, data maps and request files all read through this one type. Problems
/// name fields and lines but never quote values: the values may be personal data.
public struct DocumentNode {
    /// The largest document dsr reads; request files and data maps are small.
    public static let maximumSize = 1 << 20

    let node: Node
    let file: String
    let field: String

    /// The location of this node, for problem reports.
    public var location: SourceLocation {
        SourceLocation(file: file, field: field, line: node.mark?.line)
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
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.problem(from: error, file: file)
        } catch {
            throw InputProblem(whole, "cannot be parsed")
        }
        guard let root else { throw InputProblem(whole, "file is empty") }
        return DocumentNode(node: root, file: file, field: "")
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

    func problem(_ reason: String) -> InputProblem { InputProblem(location, reason) }

    private func child(_ node: Node, _ name: String) -> DocumentNode {
        DocumentNode(node: node, file: file, field: field.isEmpty ? name : "\(field).\(name)")
    }

    /// The node's scalar text.
    public func string() throws(InputProblem) -> String {
        guard case .scalar(let scalar) = node else { throw problem("must be a single value") }
        return scalar.string
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
        switch node {
        case .sequence(let sequence):
            return sequence.enumerated().map { child($0.element, "[\($0.offset)]") }
        case .scalar:
            return [self]
        default:
            throw problem("must be a list")
        }
    }

    public func stringList() throws(InputProblem) -> [String] {
        var strings: [String] = []
        for element in try list() { strings.append(try element.nonEmptyString()) }
        return strings
    }

    /// The entries of a mapping, in document order.
    public func entries() throws(InputProblem) -> [(key: String, value: DocumentNode)] {
        guard case .mapping(let mapping) = node else { throw problem("must be a mapping of names to values") }
        var result: [(key: String, value: DocumentNode)] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let key) = keyNode else {
                throw InputProblem(SourceLocation(file: file, field: field, line: keyNode.mark?.line), "keys must be plain names")
            }
            if case .alias = valueNode { throw child(valueNode, key.string).problem("aliases are not allowed") }
            result.append((key.string, child(valueNode, key.string)))
        }
        return result
    }

    /// A reader for the fields of a mapping that refuses fields it was not asked about.
    public func fields() throws(InputProblem) -> Fields {
        Fields(owner: self, entries: try entries())
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
        let owner: DocumentNode
        private var remaining: [String: DocumentNode]
        private let order: [String]

        init(owner: DocumentNode, entries: [(key: String, value: DocumentNode)]) {
            self.owner = owner
            self.order = entries.map(\.key)
            self.remaining = Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        }

        /// The field, or nil when absent or null.
        public func optional(_ name: String) -> DocumentNode? {
            guard let node = remaining.removeValue(forKey: name) else { return nil }
            if case .scalar(let scalar) = node.node, scalar.style == .plain,
               ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
                return nil
            }
            return node
        }

        public func required(_ name: String) throws(InputProblem) -> DocumentNode {
            guard let node = optional(name) else {
                let path = owner.field.isEmpty ? name : "\(owner.field).\(name)"
                throw InputProblem(SourceLocation(file: owner.file, field: path, line: owner.node.mark?.line),
                                   "is required")
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
