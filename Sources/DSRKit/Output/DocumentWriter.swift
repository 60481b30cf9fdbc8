import DSRCore

/// One document written as JSON or as XML from a single description: the description says
/// what the document holds and in which order; each format decides how that looks. Answers
/// and receipts are described once and written through this, so their JSON and XML forms
/// cannot say different things.
///
/// A field is something the reader reads (a JSON member, an XML element); a property
/// describes the group it is in (a JSON member, an XML attribute, so a group's properties
/// come before its other content). `DocumentField` names them in both formats.
protocol DocumentWriter: AnyObject {
    /// The file being written.
    var output: FileOutput { get }
    /// Starts the document: `document` and `schema_version` in JSON, the root element with
    /// its namespace and `schemaVersion` in XML.
    func beginDocument(_ kind: DocumentKind) throws
    /// Ends the document and hands its last bytes to the output.
    func endDocument() throws
    func field(_ name: DocumentField, _ value: String) throws
    func field(_ name: DocumentField, _ value: Bool) throws
    /// A list of texts: a JSON array, an XML element holding an `item` element per text.
    func field(_ name: DocumentField, _ values: [String], item: String) throws
    func property(_ name: DocumentField, _ value: String) throws
    func property(_ name: DocumentField, _ value: Int) throws
    func property(_ name: DocumentField, _ value: Bool) throws
    /// A group of fields: a JSON object, an XML element.
    func beginGroup(_ name: DocumentField) throws
    func endGroup() throws
    /// A list of groups: a JSON array of objects, an XML element holding an `item` element
    /// per group (each begun with `beginItem`).
    func beginList(_ name: DocumentField) throws
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

/// The names dsr's documents use: JSON's snake_case (the raw value) and XML's, spelled out
/// so a document pays nothing to name its fields.
enum DocumentField: String {
    case action
    case automatedDecisions = "automated_decisions"
    case alsoAnswers = "also_answers"
    case basis
    case categories
    case category
    case columns
    case complaint
    case controller
    case currency
    case currencyColumn = "currency_column"
    case description
    case dpoContact = "dpo_contact"
    case declared
    case dueDate = "due_date"
    case generatedAt = "generated_at"
    case held
    case id
    case kept
    case lastDayHeld = "last_day_held"
    case minorUnits = "minor_units"
    case legalBasis = "legal_basis"
    case name
    case processing
    case provided
    case purposes
    case reason
    case receivedAt = "received_at"
    case recipients
    case recipientsTold = "recipients_told"
    case request
    case retention
    case rights
    case rows
    case rowsChanged = "rows_changed"
    case rowsDeleted = "rows_deleted"
    case rowsUnchanged = "rows_unchanged"
    case source
    case statement
    case store
    case subjectFound = "subject_found"
    case suppressed
    case table
    case tables
    case transfers
    case type
    case until

    /// The XML element or attribute: JSON's name in camelCase, but a table's name is an
    /// attribute `name` of its `table` element.
    var xml: String {
        switch self {
        case .action: return "action"
        case .automatedDecisions: return "automatedDecisions"
        case .alsoAnswers: return "alsoAnswers"
        case .basis: return "basis"
        case .categories: return "categories"
        case .category: return "category"
        case .columns: return "columns"
        case .complaint: return "complaint"
        case .controller: return "controller"
        case .currency: return "currency"
        case .currencyColumn: return "currencyColumn"
        case .description: return "description"
        case .dpoContact: return "dpoContact"
        case .declared: return "declared"
        case .dueDate: return "dueDate"
        case .generatedAt: return "generatedAt"
        case .held: return "held"
        case .id: return "id"
        case .kept: return "kept"
        case .lastDayHeld: return "lastDayHeld"
        case .minorUnits: return "minorUnits"
        case .legalBasis: return "legalBasis"
        case .name: return "name"
        case .processing: return "processing"
        case .provided: return "provided"
        case .purposes: return "purposes"
        case .reason: return "reason"
        case .receivedAt: return "receivedAt"
        case .recipients: return "recipients"
        case .recipientsTold: return "recipientsTold"
        case .request: return "request"
        case .retention: return "retention"
        case .rights: return "rights"
        case .rows: return "rows"
        case .rowsChanged: return "rowsChanged"
        case .rowsDeleted: return "rowsDeleted"
        case .rowsUnchanged: return "rowsUnchanged"
        case .source: return "source"
        case .statement: return "statement"
        case .store: return "store"
        case .subjectFound: return "subjectFound"
        case .suppressed: return "suppressed"
        case .table: return "name"
        case .tables: return "tables"
        case .transfers: return "transfers"
        case .type: return "type"
        case .until: return "until"
        }
    }
}
