import CLibXML2
import DSRCore
import Foundation

/// Validates XML documents against an XSD with libxml2.
public final class XMLSchemaValidator {
    private let schema: xmlSchemaPtr

    /// Loads and compiles an XSD file (and the files it includes).
    public init(schemaURL: URL) throws {
        guard let parserContext = xmlSchemaNewParserCtxt(schemaURL.path) else {
            throw DSRError.missingInput("\(schemaURL.path): cannot read the schema")
        }
        defer { xmlSchemaFreeParserCtxt(parserContext) }
        guard let schema = xmlSchemaParse(parserContext) else {
            throw DSRError.configuration("\(schemaURL.path): not a valid XML schema")
        }
        self.schema = schema
    }

    deinit { xmlSchemaFree(schema) }

    /// The validation errors of a document file (line and message each); empty when valid.
    public func errors(validating documentURL: URL) -> [String] {
        guard let context = xmlSchemaNewValidCtxt(schema) else { return ["cannot create a validation context"] }
        defer { xmlSchemaFreeValidCtxt(context) }
        let collector = ErrorCollector()
        let unmanaged = Unmanaged.passRetained(collector)
        defer { unmanaged.release() }
        xmlSchemaSetValidStructuredErrors(context, { userData, error in
            guard let userData, let error else { return }
            let collector = Unmanaged<ErrorCollector>.fromOpaque(userData).takeUnretainedValue()
            let message = error.pointee.message.map { String(cString: $0) } ?? "error"
            collector.messages.append("line \(error.pointee.line): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }, unmanaged.toOpaque())
        let result = xmlSchemaValidateFile(context, documentURL.path, Int32(XML_PARSE_NONET.rawValue))
        if result != 0 && collector.messages.isEmpty { return ["validation failed (libxml2 code \(result))"] }
        return collector.messages
    }

    private final class ErrorCollector {
        var messages: [String] = []
    }
}
