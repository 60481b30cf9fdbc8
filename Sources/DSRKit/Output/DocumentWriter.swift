import DSRCore

/// One document written as JSON or as XML from a single description: the description says
/// what the document holds and in which order; each format decides how that looks. Answers
/// and receipts are described once and written through this, so their JSON and XML forms
/// cannot say different things.
///
/// A field is something the reader reads (a JSON member, an XML element); a property
/// describes the group it is in (a JSON member, an XML attribute, so a group's properties
/// come before its other content). Names are JSON's snake_case; XML carries them in
/// camelCase unless a name says otherwise.
protocol DocumentWriter: AnyObject {
    /// The file being written.
    var output: FileOutput { get }
    /// Starts the document: `document` and `schema_version` in JSON, the root element with
    /// its namespace and `schemaVersion` in XML.
    func beginDocument(_ kind: DocumentKind) throws
    /// Ends the document and hands its last bytes to the output.
    func endDocument() throws
    func field(_ name: FieldName, _ value: String) throws
    func field(_ name: FieldName, _ value: Bool) throws
    /// A list of texts: a JSON array, an XML element holding an `item` element per text.
    func field(_ name: FieldName, _ values: [String], item: String) throws
    func property(_ name: FieldName, _ value: String) throws
    func property(_ name: FieldName, _ value: Int) throws
    func property(_ name: FieldName, _ value: Bool) throws
    /// A group of fields: a JSON object, an XML element.
    func beginGroup(_ name: FieldName) throws
    func endGroup() throws
    /// A list of groups: a JSON array of objects, an XML element holding an `item` element
    /// per group (each begun with `beginItem`).
    func beginList(_ name: FieldName) throws
    func beginItem(_ item: String) throws
    func endItem() throws
    func endList() throws
    /// A row of store values: a JSON object keyed by column, an XML `row` of typed `value`s.
    func row(_ values: [StoreValue], columns: [MappedColumn]) throws
    /// The first content of the group just begun, the same in many documents: JSON renders
    /// it once per key and copies it; XML writes it each time.
    func cached(_ key: String, _ describe: (DocumentWriter) throws -> Void) throws
}

/// A document's names in both formats.
struct DocumentKind {
    /// JSON's `document` member, such as `dsr.receipt`.
    let jsonName: String
    let xmlRoot: String
    let xmlNamespace: String
}

/// A field's name: JSON's, and XML's when it is not JSON's in camelCase.
struct FieldName: ExpressibleByStringLiteral {
    let json: String
    private let xmlName: String?

    init(json: String, xml: String) {
        self.json = json
        xmlName = xml
    }

    init(stringLiteral name: String) {
        json = name
        xmlName = nil
    }

    var xml: String { xmlName ?? ReportTree.camelCase(json) }
}
