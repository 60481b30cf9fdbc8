/// What erasure (Art. 17) does to a column's value.
public enum ErasureAction: Sendable, Hashable {
    /// The whole row is deleted.
    case delete
    /// The value becomes NULL.
    case null
    /// The value is replaced by a fixed one.
    case rewrite(String)
    /// The value is replaced by a keyed HMAC, so joins on it still work while it means nothing.
    case pseudonymise
    /// The value stays (it is not personal, or is needed and covered by a retention rule).
    case keep

    /// The names the data map uses.
    public static let names = ["delete", "null", "rewrite", "pseudonymise", "keep"]

    /// The action's name in the data map.
    public var name: String {
        switch self {
        case .delete: return "delete"
        case .null: return "null"
        case .rewrite: return "rewrite"
        case .pseudonymise: return "pseudonymise"
        case .keep: return "keep"
        }
    }

    /// Whether the action changes the value in place (so a foreign key using it would
    /// point elsewhere).
    package var changesValue: Bool {
        switch self {
        case .null, .rewrite, .pseudonymise: return true
        case .delete, .keep: return false
        }
    }
}
