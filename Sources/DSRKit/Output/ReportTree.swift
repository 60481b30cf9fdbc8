import DSRCore
import Foundation

/// A small document built in memory and written as JSON or XML by one renderer, so the two
/// forms of a report can never say different things.
///
/// JSON keys are snake_case; XML elements carry the same names in camelCase, and a list's
/// elements are named by its `item`. Absent (nil) fields are left out of both.
public indirect enum ReportTree: Sendable {
    case text(String)
    case integer(Int)
    case bool(Bool)
    case object([(String, ReportTree?)])
    case list(item: String, [ReportTree])

    /// A list of texts.
    public static func texts(_ item: String, _ values: [String]) -> ReportTree {
        .list(item: item, values.map { .text($0) })
    }

    /// Writes the document to `url` (atomically, 0600) in `format`; returns its SHA-256.
    @discardableResult
    public func write(to url: URL, format: OutputFormat, root: String, namespace: String) throws -> String {
        try DurableFile.write(to: url) { output in
            switch format {
            case .json:
                let json = JSONStreamWriter(output: output)
                try write(json)
                try json.finish()
            case .xml:
                let xml = try XMLStreamWriter(output: output)
                try xml.startRoot(root, namespace: namespace)
                try writeContent(xml)
                try xml.endElement()
                try xml.finish()
            }
        }
    }

    private func write(_ json: JSONStreamWriter) throws {
        switch self {
        case .text(let value): try json.string(value)
        case .integer(let value): try json.integer(Int64(value))
        case .bool(let value): try json.bool(value)
        case .object(let fields):
            try json.beginObject()
            for case let (name, value?) in fields {
                try json.key(name)
                try value.write(json)
            }
            try json.endObject()
        case .list(_, let elements):
            try json.beginArray()
            for element in elements { try element.write(json) }
            try json.endArray()
        }
    }

    /// The content of the element this node is.
    private func writeContent(_ xml: XMLStreamWriter) throws {
        switch self {
        case .text(let value): try xml.text(XMLStreamWriter.canCarry(value) ? value : Self.xmlSafe(value))
        case .integer(let value): try xml.text(String(value))
        case .bool(let value): try xml.text(value ? "true" : "false")
        case .object(let fields):
            for case let (name, value?) in fields {
                try xml.startElement(Self.camelCase(name))
                try value.writeContent(xml)
                try xml.endElement()
            }
        case .list(let item, let elements):
            for element in elements {
                try xml.startElement(item)
                try element.writeContent(xml)
                try xml.endElement()
            }
        }
    }

    /// Officer text with characters XML cannot carry replaced (they have no place in a
    /// report to an authority anyway).
    private static func xmlSafe(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { XMLStreamWriter.canCarry(String($0)) ? $0 : "\u{FFFD}" }))
    }

    static func camelCase(_ name: String) -> String {
        let parts = name.split(separator: "_")
        return (parts.first.map(String.init) ?? "") + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}
