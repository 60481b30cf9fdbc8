import Foundation

extension StoreSchema {
    /// An index of a table, by the first key it sorts on: what decides whether a lookup by
    /// one column or expression can use it.
    public struct Index: Sendable {
        public var name: String
        /// The leading key as `comparableKey` spells it: `email`, `lower(trim(email))`.
        public var leadingKey: String
    }

    /// A key expression in one spelling for comparison across stores: lower case, without
    /// white space, identifier quotes, type casts, parentheses around a bare name, or
    /// PostgreSQL's `BOTH FROM` (it shows `trim(email)` as `TRIM(BOTH FROM email)`).
    public static func comparableKey(_ expression: String) -> String {
        var key = expression.lowercased().filter { !$0.isWhitespace && $0 != "\"" && $0 != "`" && $0 != "[" && $0 != "]" }
        key = key.replacingOccurrences(of: "bothfrom", with: "")
        key = key.replacingOccurrences(of: #"::[a-z_]+(\([0-9]+\))?"#, with: "", options: .regularExpression)
        key = key.replacingOccurrences(of: #"([(,])\(([^(),]+)\)"#, with: "$1$2", options: .regularExpression)
        if key.hasPrefix("("), key.hasSuffix(")"), !key.dropFirst().dropLast().contains(where: { $0 == "(" || $0 == ")" }) {
            key = String(key.dropFirst().dropLast())
        }
        return key
    }

    /// The first key of a `CREATE INDEX … ON table [USING method] (key, …)` statement, as
    /// SQLite keeps it and PostgreSQL's `pg_indexes` shows it; nil if it is not one.
    public static func leadingKey(ofIndexDefinition sql: String) -> String? {
        guard let on = sql.range(of: " ON ", options: .caseInsensitive),
              let open = sql[on.upperBound...].firstIndex(of: "(") else { return nil }
        var depth = 0
        var quoted = false
        var key = ""
        for character in sql[sql.index(after: open)...] {
            if character == "\"" { quoted.toggle() }
            if !quoted {
                if character == "(" { depth += 1 }
                if character == ")" { if depth == 0 { break }; depth -= 1 }
                if character == "," && depth == 0 { break }
            }
            key.append(character)
        }
        // A sort order or collation after the key does not change which lookups it serves.
        let words = key.split(separator: " ", omittingEmptySubsequences: true)
        let trimmed = words.prefix { !["asc", "desc", "collate", "nulls"].contains($0.lowercased()) }.joined(separator: " ")
        return comparableKey(trimmed)
    }
}
