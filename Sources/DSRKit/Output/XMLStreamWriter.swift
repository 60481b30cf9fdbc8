import CLibXML2
import DSRCore
import Foundation

/// Writes an XML document piece by piece through libxml2's xmlTextWriter, into a
/// `FileOutput` (so the file is hashed and synced like every other output).
public final class XMLStreamWriter {
    private let output: FileOutput
    private var writer: xmlTextWriterPtr?

    public init(output: FileOutput) throws {
        self.output = output
        let context = Unmanaged.passUnretained(output).toOpaque()
        guard let buffer = xmlOutputBufferCreateIO(Self.writeCallback, nil, context, nil),
              let writer = xmlNewTextWriter(buffer) else {
            throw DSRError.machineFault("\(output.url.path): cannot start the XML writer")
        }
        self.writer = writer
        xmlTextWriterSetIndent(writer, 1)
        try check(Self.withXMLString("  ") { xmlTextWriterSetIndentString(writer, $0) })
        try check(xmlTextWriterStartDocument(writer, "1.0", "UTF-8", nil))
    }

    deinit {
        if let writer { xmlFreeTextWriter(writer) }
    }

    /// `<name>` with a default namespace, for the root element.
    public func startRoot(_ name: String, namespace: String) throws {
        try check(Self.withXMLString(name) { name in
            Self.withXMLString(namespace) { namespace in
                xmlTextWriterStartElementNS(writer, nil, name, namespace)
            }
        })
    }

    public func startElement(_ name: String) throws {
        try check(Self.withXMLString(name) { xmlTextWriterStartElement(writer, $0) })
    }

    public func attribute(_ name: String, _ value: String) throws {
        try check(Self.withXMLString(name) { name in
            Self.withXMLString(value) { xmlTextWriterWriteAttribute(writer, name, $0) }
        })
    }

    /// Character data; the caller makes sure it holds only characters XML 1.0 allows.
    public func text(_ value: String) throws {
        try check(Self.withXMLString(value) { xmlTextWriterWriteString(writer, $0) })
    }

    public func endElement() throws {
        try check(xmlTextWriterEndElement(writer))
    }

    /// `<name>text</name>`.
    public func element(_ name: String, _ text: String) throws {
        try startElement(name)
        try self.text(text)
        try endElement()
    }

    /// `<container><item>…</item>…</container>`.
    public func list(_ container: String, item: String, _ values: [String]) throws {
        try startElement(container)
        for value in values { try element(item, value) }
        try endElement()
    }

    /// Ends the document and hands the last bytes to the output.
    public func finish() throws {
        try check(xmlTextWriterEndDocument(writer))
        xmlFreeTextWriter(writer)
        writer = nil
    }

    /// Whether XML 1.0 can carry `text` as character data; other text is written base64.
    public static func canCarry(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { scalar in
            switch scalar.value {
            case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
            default: return false
            }
        }
    }

    private func check(_ result: Int32) throws {
        guard result >= 0 else { throw DSRError.machineFault("\(output.url.path): writing XML failed") }
    }

    static func withXMLString<T>(_ text: String, _ body: (UnsafePointer<xmlChar>) -> T) -> T {
        text.withCString { body(UnsafeRawPointer($0).assumingMemoryBound(to: xmlChar.self)) }
    }

    private static let writeCallback: xmlOutputWriteCallback = { context, bytes, length in
        guard let context, let bytes, length >= 0 else { return -1 }
        let output = Unmanaged<FileOutput>.fromOpaque(context).takeUnretainedValue()
        do {
            try output.write(UnsafeRawBufferPointer(start: bytes, count: Int(length)))
            return length
        } catch {
            return -1
        }
    }
}
