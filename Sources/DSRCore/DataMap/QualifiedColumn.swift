/// A column named with its table, `table.column`, split at the last dot (table names may
/// hold dots' neighbours, spaces and capitals; column names hold no dot).
public struct QualifiedColumn: Sendable, Hashable {
    public var table: String
    public var column: String

    public init(table: String, column: String) {
        self.table = table
        self.column = column
    }

    /// Nil unless both sides of the last dot are non-empty.
    public init?(_ text: String) {
        guard let dot = text.lastIndex(of: "."), dot != text.startIndex, text.index(after: dot) != text.endIndex else { return nil }
        table = String(text[..<dot])
        column = String(text[text.index(after: dot)...])
    }
}
