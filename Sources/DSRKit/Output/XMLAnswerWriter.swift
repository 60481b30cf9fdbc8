import DSRCore
import Foundation

/// An answer document as XML through libxml2; its shape is `Resources/Schemas/<kind>.xsd`.
final class XMLAnswerWriter: AnswerFormatWriter {
    let output: FileOutput
    private let kind: AnswerKind
    private let xml: XMLStreamWriter

    init(kind: AnswerKind, output: FileOutput) throws {
        self.kind = kind
        self.output = output
        self.xml = try XMLStreamWriter(output: output)
    }

    func begin(_ header: AnswerHeader) throws {
        try xml.startRoot(kind.xmlRootElement, namespace: kind.xmlNamespace)
        try xml.attribute("schemaVersion", "1")
        try header.write(to: xml, statement: header.statement)
        if kind.includesProcessingFacts {
            try xml.startElement("processing")
            try xml.element("rights", header.facts.rights)
            try xml.element("complaint", header.facts.complaint)
            try xml.element("automatedDecisions", header.facts.automatedDecisions)
            try xml.endElement()
        }
        try xml.startElement("tables")
    }

    func beginTable(_ table: MappedTable, columns: [MappedColumn]) throws {
        try xml.startElement("table")
        try xml.attribute("name", table.name)
        try xml.element("description", table.description)
        if kind.includesProcessingFacts {
            try xml.list("purposes", item: "purpose", table.purposes)
            try xml.element("legalBasis", table.legalBasis)
            try xml.list("categories", item: "category", table.categories.map(\.rawValue))
            try xml.list("recipients", item: "recipient", table.recipients)
            try xml.element("retention", table.retention)
            try xml.element("source", table.source)
            try xml.list("transfers", item: "transfer", table.transfers)
        }
        try xml.startElement("columns")
        for column in columns {
            try xml.startElement("column")
            try xml.attribute("name", column.name)
            try xml.attribute("category", column.category.rawValue)
            try xml.attribute("provided", column.provided ? "true" : "false")
            try xml.endElement()
        }
        try xml.endElement()
        try xml.startElement("rows")
    }

    func row(_ values: [StoreValue], columns: [MappedColumn]) throws {
        try xml.startElement("row")
        for (column, value) in zip(columns, values) {
            try xml.startElement("value")
            try xml.attribute("column", column.name)
            switch value {
            case .null:
                try xml.attribute("type", "null")
            case .integer(let number):
                try xml.attribute("type", "integer")
                try xml.text(String(number))
            case .real(let number):
                try xml.attribute("type", "real")
                try xml.text(number.isFinite ? String(number) : "NaN")
            case .decimal(let digits):
                try xml.attribute("type", "decimal")
                try xml.text(digits)
            case .text(let text) where XMLStreamWriter.canCarry(text):
                try xml.attribute("type", "text")
                try xml.text(text)
            case .text(let text):
                try xml.attribute("type", "text")
                try xml.attribute("encoding", "base64")
                try xml.text(Data(text.utf8).base64EncodedString())
            case .blob(let data):
                try xml.attribute("type", "blob")
                try xml.attribute("encoding", "base64")
                try xml.text(data.base64EncodedString())
            }
            try xml.endElement()
        }
        try xml.endElement()
    }

    func endTable() throws {
        try xml.endElement()  // rows
        try xml.endElement()  // table
    }

    func finish() throws {
        try xml.endElement()  // tables
        try xml.endElement()  // root
        try xml.finish()
    }
}
