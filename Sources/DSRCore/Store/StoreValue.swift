import Foundation

/// A value read from a customer store, independent of the store's kind.
public enum StoreValue: Sendable, Hashable, Codable {
    case null
    case integer(Int64)
    case real(Double)
    /// An exact decimal (PostgreSQL `numeric`) as the store prints it, every digit and the
    /// scale kept: `427.76`, `5.00`. Never a `Double`, which would report 427.76000000000005.
    case decimal(String)
    case text(String)
    case blob(Data)

    /// A stable textual form, used for subject keys in the ledger's HMACs and to match rows
    /// to subjects across stores (an integer key 42 and a text key "42" are the same person).
    public var canonicalText: String {
        switch self {
        case .null: return ""
        case .integer(let value): return String(value)
        case .real(let value): return String(value)
        case .decimal(let value): return value
        case .text(let value): return value
        case .blob(let value): return value.base64EncodedString()
        }
    }
}

extension StoreValue {
    /// A count read back from the store.
    package var count: Int {
        if case .integer(let number) = self { return Int(number) }
        return Int(canonicalText) ?? 0
    }
}
