/// How a table in another store reaches the person the subject table describes: the
/// stores share no keys, so rows are matched by a value both sides hold.
public enum StoreLink: Sendable, Hashable {
    /// Rows whose `column`, normalised like the identity, equals one of the person's values
    /// of that identity: those the request names and those stored on the subject's row.
    case identity(name: String, column: String)
    /// Rows whose `column` equals the subject row's `subjectColumn`.
    case subjectColumn(column: String, subjectColumn: String)

    /// The linked table's column that holds the matched value.
    public var column: String {
        switch self {
        case .identity(_, let column), .subjectColumn(let column, _): return column
        }
    }
}
