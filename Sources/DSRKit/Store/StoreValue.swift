import Foundation

/// A value read from a customer store, independent of the store's kind.
public enum StoreValue: Sendable, Hashable, Codable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)

    /// A stable textual form, used for subject keys in the ledger's HMACs and to match rows
    /// to subjects across stores (an integer key 42 and a text key "42" are the same person).
    public var canonicalText: String {
        switch self {
        case .null: return ""
        case .integer(let value): return String(value)
        case .real(let value): return String(value)
        case .text(let value): return value
        case .blob(let value): return value.base64EncodedString()
        }
    }
}
