import DSRCore
import Foundation

/// An answer document as JSON; its shape is `Resources/Schemas/<kind>.schema.json`.
final class JSONAnswerWriter: AnswerFormatWriter {
    let output: FileOutput
    private let kind: AnswerKind
    private let json: JSONStreamWriter
    private let fragments: JSONFragmentCache

    init(kind: AnswerKind, output: FileOutput, fragments: JSONFragmentCache) {
        self.kind = kind
        self.output = output
        self.json = JSONStreamWriter(output: output)
        self.fragments = fragments
    }

    func begin(_ header: AnswerHeader) throws {
        try json.beginObject()
        try json.field("document", kind.jsonDocumentName)
        try json.key("schema_version")
        try json.integer(1)
        try header.write(to: json, statement: header.statement)
        if kind.includesProcessingFacts {
            try json.key("processing")
            try json.beginObject()
            try json.field("rights", header.facts.rights)
            try json.field("complaint", header.facts.complaint)
            try json.field("automated_decisions", header.facts.automatedDecisions)
            try json.endObject()
        }
        try json.key("tables")
        try json.beginArray()
    }

    func beginTable(_ table: MappedTable, columns: [MappedColumn]) throws {
        try json.beginObject()
        try json.members(cachedAs: kind.rawValue + " " + table.name, in: fragments) { json in try describe(table, columns: columns, to: json) }
        try json.key("rows")
        try json.beginArray()
    }

    /// The table's description: the same in every answer of its kind.
    private func describe(_ table: MappedTable, columns: [MappedColumn], to json: JSONStreamWriter) throws {
        try json.field("table", table.name)
        try json.field("description", table.description)
        if kind.includesProcessingFacts {
            try json.field("purposes", table.purposes)
            try json.field("legal_basis", table.legalBasis)
            try json.field("categories", table.categories.map(\.rawValue))
            try json.field("recipients", table.recipients)
            try json.field("retention", table.retention)
            try json.field("source", table.source)
            try json.field("transfers", table.transfers)
        }
        try json.key("columns")
        try json.beginArray()
        for column in columns {
            try json.beginObject()
            try json.field("name", column.name)
            try json.field("category", column.category.rawValue)
            try json.key("provided")
            try json.bool(column.provided)
            try json.endObject()
        }
        try json.endArray()
    }

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

    func endTable() throws {
        try json.endArray()
        try json.endObject()
    }

    func finish() throws {
        try json.endArray()
        try json.endObject()
        try json.finish()
    }
}
