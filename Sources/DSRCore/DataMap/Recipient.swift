/// Someone the controller discloses personal data to (a processor or a partner), as the
/// data map's `recipients:` section declares them: who they are, what they received, and
/// how Art. 19 notices reach them.
public struct Recipient: Sendable, Hashable {
    /// The id tables refer to the recipient by, and the name of its notice folder.
    public var id: String
    /// The name access reports list (Art. 15(1)(c)).
    public var name: String
    /// Where its notices go, for the officer who sends them.
    public var contact: String
    /// The changes it must be told of.
    public var notify: Set<Notice>
    /// The data map identity it knows people by; a notice carries that and nothing more
    /// to identify the person.
    public var identity: String
    public var format: NoticeFormat
    /// The columns it received, by table, for tables naming it whose columns it did not all
    /// receive (`columns: [customers.street, …]`); a table absent here went to it whole.
    public var columns: [String: Set<String>]

    public init(id: String, name: String, contact: String, notify: Set<Notice>, identity: String, format: NoticeFormat,
                columns: [String: Set<String>] = [:]) {
        self.id = id
        self.name = name
        self.contact = contact
        self.notify = notify
        self.identity = identity
        self.format = format
        self.columns = columns
    }

    /// The changes Art. 19 obliges the controller to communicate.
    public enum Notice: String, Sendable, Hashable, CaseIterable, Comparable {
        case erasure, rectification, restriction

        public static func < (lhs: Notice, rhs: Notice) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// How a recipient's notice batch is written.
    public enum NoticeFormat: String, Sendable, Hashable, CaseIterable {
        /// OpenDSR 2.0 requests, for processors that take them; erasure only (the format has
        /// no rectification or restriction).
        case opendsr
        case json
        case csv

        /// The batch file's extension.
        public var fileExtension: String { self == .csv ? "csv" : "json" }
    }

    /// Whether the recipient received `column` of `table` (a table that names it).
    public func received(_ column: String, of table: String) -> Bool {
        columns[table]?.contains(column) ?? true
    }
}

extension DataMap {
    /// The declared recipient with this id.
    public func recipient(id: String) -> Recipient? {
        recipients.first { $0.id == id }
    }

    /// The mapped tables that name the recipient.
    public func tables(disclosedTo recipient: Recipient) -> [MappedTable] {
        tables.filter { $0.recipients.contains(recipient.id) }
    }
}
