import Foundation

/// A first data map written from a live schema (`dsr datamap scaffold`): every table that
/// reaches the subject table through foreign keys, its references, and every column with a
/// category guessed from its name and type. Nothing is erased (`erasure: keep`) or
/// exported (`provided: false`) until a person decides; `REVIEW` marks what a person must
/// write or confirm. The output passes `dsr datamap check` as it is.
public struct DataMapScaffold {
    public let schema: StoreSchema
    public let subject: String
    /// Subject-table columns requests may name, with how each is normalised.
    public let identities: [(column: String, normalization: IdentityNormalization)]

    /// A scaffold for `subject` (default: the table most other tables reach through foreign
    /// keys) with identities from `identityColumns` (default: the subject's columns named
    /// like an email or phone, and its key).
    public init(schema: StoreSchema, subject: String?, identityColumns: [String]) throws {
        self.schema = schema
        guard let subject = subject ?? Self.likelySubject(in: schema) else {
            throw DSRError.badInput("the store has no tables; nothing to scaffold")
        }
        guard let table = schema.tables[subject] else {
            throw DSRError.badInput("--subject: the store has no table '\(subject)'")
        }
        self.subject = subject
        guard table.primaryKey.count == 1 else {
            throw DSRError.badInput("--subject: table '\(subject)' needs a primary key of one column to be the subject table")
        }
        let columns = identityColumns.isEmpty
            ? table.columns.map(\.name).filter { Self.guessedNormalization($0) != nil } + table.primaryKey
            : identityColumns
        var identities: [(String, IdentityNormalization)] = []
        for column in columns where !identities.contains(where: { $0.0 == column }) {
            guard table.column(named: column) != nil else {
                throw DSRError.badInput("--identity: table '\(subject)' has no column '\(column)'")
            }
            identities.append((column, Self.guessedNormalization(column) ?? .exact))
        }
        self.identities = identities
    }

    /// The tables that reach the subject through foreign keys of one column, nearest first,
    /// each with the key that leads it there.
    public var tables: [(name: String, reference: StoreSchema.ForeignKey?)] {
        var result: [(String, StoreSchema.ForeignKey?)] = [(subject, nil)]
        var frontier: Set<String> = [subject]
        var seen = frontier
        while !frontier.isEmpty {
            var next: Set<String> = []
            for table in schema.tables.values.sorted(by: { $0.name < $1.name }) where !seen.contains(table.name) {
                if let key = table.foreignKeys.first(where: { frontier.contains($0.targetTable) && $0.columns.count == 1 }) {
                    result.append((table.name, key))
                    next.insert(table.name)
                }
            }
            seen.formUnion(next)
            frontier = next
        }
        return result
    }

    /// The data map as YAML.
    public var yaml: String {
        var lines = [
            "# A first data map, written by `dsr datamap scaffold` from the live schema.",
            "# REVIEW every table before the first night: what it is for (description, purposes,",
            "# legal basis, retention), which columns the person provided (portability covers",
            "# only those), each column's category (guessed from its name), what erasure does",
            "# (every column is `keep` here: nothing is erased until you decide), holds the law",
            "# requires (bookkeeping), and restriction flags. Then run `dsr datamap check`.",
            "subject: {table: \(Self.quoted(subject)), key: \(Self.quoted(schema.tables[subject]!.primaryKey[0]))}",
            "",
            "identities:",
        ]
        for (column, normalization) in identities {
            lines.append("  \(Self.quoted(Self.identityName(column))): {column: \(Self.quoted("\(subject).\(column)")), normalize: \(normalization.rawValue)}")
        }
        lines += [
            "",
            "facts:",
            "  rights: \"REVIEW: the rights to rectification, erasure, restriction and objection, and how to use them.\"",
            "  complaint: \"REVIEW: the right to complain, and to which supervisory authority.\"",
            "  automated_decisions: \"REVIEW: automated decisions and profiling, or that there are none.\"",
            "",
            "tables:",
        ]
        for (name, reference) in tables {
            let table = schema.tables[name]!
            lines.append("  \(Self.quoted(name)):")
            lines.append("    description: \"REVIEW: what this table holds, as the person should read it.\"")
            lines.append("    purposes: [\"REVIEW: why it is processed\"]")
            lines.append("    legal_basis: \"REVIEW: Art. 6(1)(…)\"")
            lines.append("    retention: \"REVIEW: how long it is kept.\"")
            if let reference {
                lines.append("    references: {\(Self.quoted(reference.columns[0])): \(Self.quoted("\(reference.targetTable).\(reference.targetColumns[0])"))}")
            }
            lines.append("    erasure: keep")
            lines.append("    columns:")
            for column in table.columns where column.name != reference?.columns[0] {
                let category = Self.guessedCategory(column)
                lines.append("      \(Self.quoted(column.name)): {category: \(category.rawValue)}" + (category == .none ? "  # REVIEW: category not guessed" : ""))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The table the most other tables reach through foreign keys.
    package static func likelySubject(in schema: StoreSchema) -> String? {
        let counts = schema.tables.keys.map { name -> (String, Int) in
            (name, DataMapScaffold(schema: schema, subjectName: name).tables.count)
        }
        return counts.max { ($0.1, $1.0) < ($1.1, $0.0) }?.0
    }

    private init(schema: StoreSchema, subjectName: String) {
        self.schema = schema
        self.subject = subjectName
        self.identities = []
    }

    package static func guessedNormalization(_ column: String) -> IdentityNormalization? {
        let name = column.lowercased()
        if name.contains("email") || name.contains("e-mail") || name == "mail" { return .email }
        if ["phone", "mobile", "telefon", "tel", "msisdn"].contains(where: name.contains) { return .phone }
        if ["fodselsnummer", "fødselsnummer", "fnr"].contains(where: name.contains) { return .fodselsnummer }
        if ["personnummer", "personnr", "samordningsnummer"].contains(where: name.contains) { return .personnummer }
        return nil
    }

    /// A category from the column's name; `none` when nothing fits. Long stems match
    /// anywhere in the name (`BillingAddress`), short ones only as a word of it (`ip`,
    /// `id`, `age`), so `shipping` is not an IP address nor `message` an age.
    package static func guessedCategory(_ column: StoreSchema.Column) -> DataCategory {
        let name = column.name.lowercased()
        let words = Set(words(of: column.name))
        func has(_ stems: String...) -> Bool {
            stems.contains { $0.count > 3 ? name.contains($0) : words.contains($0) }
        }
        if has("health", "diagnos", "allerg", "disab", "accessib") { return .health }
        if has("email", "mail", "phone", "mobile", "tel", "msisdn") { return .contact }
        if has("street", "address", "city", "postcode", "zip", "postal", "country", "lat", "lon", "latitude", "longitude") { return .location }
        if has("birth", "dob", "gender", "age") { return .demographic }
        if has("ip", "device", "agent", "session", "created", "updated", "modified") { return .technical }
        if has("amount", "price", "total", "cents", "iban", "account", "card", "payment", "salary", "balance", "currency") { return .financial }
        if has("message", "note", "comment", "body", "text", "subject") { return .communication }
        if has("consent") { return .consent }
        if has("name", "ssn", "national", "passport", "personnummer", "fødselsnummer", "id", "no", "number") || column.primaryKeyPosition != nil {
            return .identification
        }
        if has("order", "purchase", "invoice", "date", "at", "time", "status", "quantity", "sku", "placed", "line", "item") { return .transaction }
        return .none
    }

    /// The words of a name: split at anything not a letter or digit and where a lower-case
    /// letter meets an upper-case one (`BillingAddress` → billing, address).
    package static func words(of name: String) -> [String] {
        var words: [String] = []
        var word = ""
        var previousIsLower = false
        for character in name {
            guard character.isLetter || character.isNumber else {
                if !word.isEmpty { words.append(word.lowercased()); word = "" }
                previousIsLower = false
                continue
            }
            if character.isUppercase && previousIsLower && !word.isEmpty { words.append(word.lowercased()); word = "" }
            word.append(character)
            previousIsLower = character.isLowercase
        }
        if !word.isEmpty { words.append(word.lowercased()) }
        return words
    }

    /// `eMail` → `email`, `Mobile Phone` → `mobile_phone`: request files name identities so.
    package static func identityName(_ column: String) -> String {
        let name = column.lowercased().split { !$0.isLetter && !$0.isNumber }.joined(separator: "_")
        return name.isEmpty ? "identity" : name
    }

    /// A YAML double-quoted scalar, so names with spaces, dots or YAML words stay names.
    package static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
