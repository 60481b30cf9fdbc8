import DSRCore
import Foundation

/// A described document as JSON; its shape is the JSON Schema beside the XSD of its kind.
final class JSONDocumentWriter: DocumentWriter {
    let output: FileOutput
    private let json: JSONStreamWriter
    private let fragments: JSONFragmentCache

    convenience init(output: FileOutput, fragments: JSONFragmentCache = JSONFragmentCache()) {
        self.init(json: JSONStreamWriter(output: output), output: output, fragments: fragments)
    }

    /// A writer into an existing stream, such as the compact one the ledger's copy of a
    /// receipt is written with.
    init(json: JSONStreamWriter, output: FileOutput, fragments: JSONFragmentCache = JSONFragmentCache()) {
        self.output = output
        self.json = json
        self.fragments = fragments
    }

    func beginDocument(_ kind: DocumentKind) throws {
        try json.beginObject()
        try json.field("document", kind.jsonName)
        try json.key("schema_version")
        try json.integer(1)
    }

    func endDocument() throws {
        try json.endObject()
        try json.finish()
    }

    func field(_ name: DocumentField, _ value: String) throws { try json.field(name.rawValue, value) }

    func field(_ name: DocumentField, _ value: Bool) throws {
        try json.key(name.rawValue)
        try json.bool(value)
    }

    func field(_ name: DocumentField, _ values: [String], item: String) throws { try json.field(name.rawValue, values) }

    func property(_ name: DocumentField, _ value: String) throws { try field(name, value) }

    func property(_ name: DocumentField, _ value: Int) throws {
        try json.key(name.rawValue)
        try json.integer(Int64(value))
    }

    func property(_ name: DocumentField, _ value: Bool) throws { try field(name, value) }

    func beginGroup(_ name: DocumentField) throws {
        try json.key(name.rawValue)
        try json.beginObject()
    }

    func endGroup() throws { try json.endObject() }

    func beginList(_ name: DocumentField) throws {
        try json.key(name.rawValue)
        try json.beginArray()
    }

    func beginItem(_ item: String) throws { try json.beginObject() }

    func endItem() throws { try json.endObject() }

    func endList() throws { try json.endArray() }

    func row(_ values: [StoreValue], columns: [MappedColumn]) throws {
        try json.beginObject()
        for (column, value) in zip(columns, values) {
            try json.key(column.name)
            switch value {
            case .null: try json.null()
            case .integer(let number): try json.integer(number)
            case .real(let number): try json.number(number)
            case .decimal(let digits): try json.decimal(digits)
            case .text(let text): try json.string(text)
            case .blob(let data):
                try json.beginObject()
                try json.field("base64", data.base64EncodedString())
                try json.endObject()
            }
        }
        try json.endObject()
    }

    func cached(_ key: String, _ describe: (DocumentWriter) throws -> Void) throws {
        try json.members(cachedAs: key, in: fragments) { renderer in
            try describe(JSONDocumentWriter(json: renderer, output: output, fragments: fragments))
        }
    }
}
