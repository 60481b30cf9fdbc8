import CLibXML2
import DSRCore
import Foundation

/// Reads an XML request file into the neutral document tree, with libxml2 and nothing
/// else: no network, no DTD loading, no entity substitution, and any DOCTYPE refused
/// outright, so neither external entities nor "billion laughs" can do anything.
///
/// ```xml
/// <request xmlns="urn:dsr:request:1">
///   <id>REQ-1</id><type>access</type><receivedAt>2026-11-20T09:15:00+01:00</receivedAt>
///   <subject><identity name="email">kari@example.no</identity></subject>
///   <verification method="bankid" verifiedAt="2026-11-20T09:20:00+01:00"/>
///   <formats><format>json</format></formats>
///   <changes><change column="customers.phone">+4791234567</change></changes>
///   <scope><purpose>newsletter</purpose><channel>email</channel></scope>
///   <note>…</note>
/// </request>
/// ```
enum XMLRequestReader {
    static func document(_ data: Data, file: String) throws(InputProblem) -> DocumentNode {
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue | XML_PARSE_NOCDATA.rawValue)
        xmlResetLastError()
        let parsed = data.withUnsafeBytes { bytes -> xmlDocPtr? in
            xmlReadMemory(bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil, nil, options)
        }
        guard let document = parsed else {
            let error = xmlGetLastError()
            let line = error.map { Int($0.pointee.line) }
            throw InputProblem(SourceLocation(file: file, line: line), "not well-formed XML" + (error.map { describe(code: $0.pointee.code) } ?? ""))
        }
        defer { xmlFreeDoc(document) }
        guard document.pointee.intSubset == nil && document.pointee.extSubset == nil else {
            throw InputProblem(SourceLocation(file: file), "DOCTYPE declarations are not allowed in request files")
        }
        guard let root = xmlDocGetRootElement(document), name(of: root) == "request" else {
            throw InputProblem(SourceLocation(file: file), "the root element must be <request>")
        }
        var entries: [(key: String, value: DocumentNode)] = []
        for element in children(of: root) {
            let key = name(of: element)
            let line = Int(xmlGetLineNo(element))
            let node: DocumentNode.Value
            switch key {
            case "subject":
                node = .mapping(try children(of: element).map { identity throws(InputProblem) in
                    guard name(of: identity) == "identity", let identityName = attribute(identity, "name") else {
                        throw InputProblem(SourceLocation(file: file, field: "subject", line: Int(xmlGetLineNo(identity))),
                                           "must hold <identity name=\"…\"> elements")
                    }
                    return (identityName, leaf(identity, file: file))
                })
            case "verification":
                node = .mapping([("method", attribute(element, "method")), ("verified_at", attribute(element, "verifiedAt"))]
                    .map { ($0.0, DocumentNode($0.1.map(DocumentNode.Value.scalar) ?? .null, line: line, file: file)) })
            case "formats":
                node = .sequence(children(of: element).map { leaf($0, file: file) })
            case "changes":
                node = .mapping(children(of: element).map { (attribute($0, "column") ?? "", leaf($0, file: file)) })
            case "scope":
                let parts = children(of: element)
                node = .mapping([
                    ("purposes", DocumentNode(.sequence(parts.filter { name(of: $0) == "purpose" }.map { leaf($0, file: file) }), line: line, file: file)),
                    ("channels", DocumentNode(.sequence(parts.filter { name(of: $0) == "channel" }.map { leaf($0, file: file) }), line: line, file: file)),
                ])
            default:
                node = leaf(element, file: file).value
            }
            entries.append((snakeCase(key), DocumentNode(node, line: line, file: file)))
        }
        return DocumentNode(.mapping(entries), line: Int(xmlGetLineNo(root)), file: file)
    }

    /// libxml2's messages quote the document (element names, text, which may be personal
    /// data), so an error is described by its code: in words for the common ones.
    private static func describe(code: Int32) -> String {
        let words: [xmlParserErrors: String] = [
            XML_ERR_DOCUMENT_EMPTY: "the document is empty",
            XML_ERR_DOCUMENT_END: "there is content after the root element",
            XML_ERR_ENTITY_LOOP: "an entity reference loops",
            XML_ERR_UNDECLARED_ENTITY: "an entity is not declared",
            XML_ERR_TAG_NAME_MISMATCH: "an end tag does not match its start tag",
            XML_ERR_TAG_NOT_FINISHED: "an element is not closed",
            XML_ERR_INVALID_CHAR: "a character XML does not allow",
            XML_ERR_ATTRIBUTE_REDEFINED: "an attribute is given twice",
            XML_ERR_NAME_REQUIRED: "a name is missing",
            XML_ERR_GT_REQUIRED: "a tag is not closed with '>'",
        ]
        return ": " + (words[xmlParserErrors(rawValue: UInt32(code))] ?? "libxml2 error \(code)")
    }

    private static func children(of element: xmlNodePtr) -> [xmlNodePtr] {
        var result: [xmlNodePtr] = []
        var child = element.pointee.children
        while let node = child {
            if node.pointee.type == XML_ELEMENT_NODE { result.append(node) }
            child = node.pointee.next
        }
        return result
    }

    private static func name(of element: xmlNodePtr) -> String {
        element.pointee.name.map { String(cString: $0) } ?? ""
    }

    private static func attribute(_ element: xmlNodePtr, _ name: String) -> String? {
        guard let value = xmlGetProp(element, name) else { return nil }
        defer { dsr_xmlFree(value) }
        return String(cString: value)
    }

    private static func leaf(_ element: xmlNodePtr, file: String) -> DocumentNode {
        var text = ""
        if let content = xmlNodeGetContent(element) {
            text = String(cString: content)
            dsr_xmlFree(content)
        }
        return DocumentNode(.scalar(text.trimmingCharacters(in: .whitespacesAndNewlines)), line: Int(xmlGetLineNo(element)), file: file)
    }

    /// `receivedAt` → `received_at`, the request file's field names.
    private static func snakeCase(_ name: String) -> String {
        name.reduce(into: "") { result, character in
            if character.isUppercase { result += "_" + character.lowercased() } else { result.append(character) }
        }
    }
}
