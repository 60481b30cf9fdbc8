import DSRCore
import Foundation

/// A described document as XML through libxml2; its shape is the XSD of its kind.
final class XMLDocumentWriter: DocumentWriter {
    let output: FileOutput
    private let xml: XMLStreamWriter

    init(output: FileOutput) throws {
        self.output = output
        xml = try XMLStreamWriter(output: output)
    }

    func beginDocument(_ kind: DocumentKind) throws {
        try xml.startRoot(kind.xmlRoot, namespace: kind.xmlNamespace)
        try xml.attribute("schemaVersion", "1")
    }

    func endDocument() throws {
        try xml.endElement()
        try xml.finish()
    }

    func field(_ name: DocumentField, _ value: String) throws { try xml.element(name.xml, value) }

    func field(_ name: DocumentField, _ value: Bool) throws { try xml.element(name.xml, value ? "true" : "false") }

    func field(_ name: DocumentField, _ values: [String], item: String) throws { try xml.list(name.xml, item: item, values) }

    func property(_ name: DocumentField, _ value: String) throws { try xml.attribute(name.xml, value) }

    func property(_ name: DocumentField, _ value: Int) throws { try xml.attribute(name.xml, String(value)) }

    func property(_ name: DocumentField, _ value: Bool) throws { try xml.attribute(name.xml, value ? "true" : "false") }

    func beginGroup(_ name: DocumentField) throws { try xml.startElement(name.xml) }

    func endGroup() throws { try xml.endElement() }

    func beginList(_ name: DocumentField) throws { try xml.startElement(name.xml) }

    func beginItem(_ item: String) throws { try xml.startElement(item) }

    func endItem() throws { try xml.endElement() }

    func endList() throws { try xml.endElement() }

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

    func cached(_ key: String, _ describe: (DocumentWriter) throws -> Void) throws { try describe(self) }
}
