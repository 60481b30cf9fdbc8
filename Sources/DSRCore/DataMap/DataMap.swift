import Foundation

/// A description of a customer store: which table holds the people, how to find a person,
/// how every other table leads to them, and what each column is.
///
/// dsr never assumes a schema; everything it reads, answers or erases goes through this.
public struct DataMap: Sendable {
    /// The table with one row per data subject and its key column.
    public var subject: SubjectTable
    /// The identities a request may name, by the name requests use.
    public var identities: [String: Identity]
    /// The mapped tables, in the data map's order.
    public var tables: [MappedTable]
    /// The Art. 15(1)(e)–(h) facts that hold for the whole store.
    public var facts: AccessFacts
    /// The marketing consent table, kept apart from customer data.
    public var consents: ConsentTable?
    /// Store tables and columns the map leaves out on purpose, each with the reason.
    public var ignored = Ignored()
    /// The recipients the map declares (`recipients:`), in its order; tables name them by id.
    /// Empty for a map that names recipients only in its tables, as text.
    public var recipients: [Recipient] = []
    /// The region a phone number written without its country code is read in where no
    /// country column says: the controller's `default_phone_region`, given by whoever loads
    /// the map with its configuration.
    public var phoneRegion: String?

    /// What the map leaves out of answers and erasure, and why (`ignored:`): a table that
    /// reaches the subject table, or a column of a mapped table, is otherwise an error.
    public struct Ignored: Sendable {
        /// Table name → reason.
        public var tables: [String: String] = [:]
        /// `table.column` → reason.
        public var columns: [String: String] = [:]
    }

    /// Where marketing consents are and which columns hold their evidence: who (the
    /// table's reference to the subject), when, which text, which channel, how long.
    public struct ConsentTable: Sendable {
        public var table: String
        public var purposeColumn: String
        public var channelColumn: String
        /// The exact text the person saw, and its version.
        public var textColumn: String
        public var textVersionColumn: String
        /// Where it was collected: the form and page.
        public var collectedViaColumn: String
        public var grantedAtColumn: String
        /// The double opt-in confirmation (required for email and SMS).
        public var confirmedAtColumn: String
        /// The last day the consent is valid for.
        public var validUntilColumn: String
        /// Set when a consent is withdrawn; NULL while it stands.
        public var withdrawnAtColumn: String
        /// The channel the withdrawal came by.
        public var withdrawnViaColumn: String
        /// Set by the nightly hygiene once the consent ran past its stated duration.
        public var expiredAtColumn: String
        /// Marketing without consent to existing customers, if the company uses it.
        public var softOptIn: SoftOptIn?
    }

    /// The existing-customer exception (ekomloven § 15-4, markedsføringsloven § 15 (3),
    /// ePrivacy Art. 13(2)): the company's own similar products, by email or SMS, while a
    /// customer relationship lasts and a grace period after, unless the person objected.
    public struct SoftOptIn: Sendable {
        /// The purposes it covers (the company's own similar products).
        public var purposes: [String]
        public var channels: [String]
        public var graceDays: Int
        /// The tables whose rows prove a relationship, with how each says when it ends.
        public var relationships: [Relationship]
    }

    /// A table that proves a customer relationship: a membership or subscription active
    /// until a date, or a purchase that counts for some days after it was made.
    public struct Relationship: Sendable {
        public var table: String
        public var end: End

        public enum End: Sendable {
            /// The row's date column says when the relationship ends.
            case until(column: String)
            /// The relationship lasts `days` after the row's date column.
            case since(column: String, days: Int)
        }
    }

    public struct SubjectTable: Sendable {
        public var table: String
        public var key: String
        /// How the key is compared: as stored (nil), or, for a segment linked by an identity,
        /// normalised as the store compares that identity (`lower(trim(email))`), so the
        /// identity's index serves every lookup by key and spellings of one address are one key.
        public var keyNormalization: IdentityNormalization?
        /// The columns that make up a person's name, in the order a letter writes them.
        public var nameColumns: [String] = []
        /// The columns of a person's postal address, in the order a letter writes them.
        public var addressColumns: [String] = []
        /// The column holding the language a person is written to in (`nb`, `sv-SE`), for
        /// letters no request asked a language for (Art. 34).
        public var languageColumn: String?
        /// The column holding the person's country (`NO`, `Sverige`): the language of such
        /// letters where no language column says, and the supervisory authority a letter
        /// names beside the lead one (Art. 77(1)).
        public var countryColumn: String?
    }

    /// A column that identifies a person, and how its values are normalised.
    public struct Identity: Sendable {
        public var name: String
        public var table: String
        public var column: String
        public var normalization: IdentityNormalization
        /// Whether a rectification may change this identity's column.
        public var rectifiable: Bool
        /// Phone layouts (`+## ## ## ## ##`) the store holds beside those dsr knows, so
        /// that a lookup asks for those spellings too (`PhoneSpellings`).
        public var layouts: [String]

        public init(name: String, table: String, column: String, normalization: IdentityNormalization, rectifiable: Bool,
                    layouts: [String] = []) {
            self.name = name
            self.table = table
            self.column = column
            self.normalization = normalization
            self.rectifiable = rectifiable
            self.layouts = layouts
        }
    }

    /// Facts about the processing as a whole, for the access report.
    public struct AccessFacts: Sendable {
        /// Art. 15(1)(e): the rights to rectification, erasure, restriction and objection.
        public var rights: Labels
        /// Art. 15(1)(f): the right to complain, and to which supervisory authority.
        public var complaint: Labels
        /// Art. 15(1)(h): automated decision-making and profiling, or that there is none.
        public var automatedDecisions: Labels
    }

    /// The tables deepest first (map order among equals), so children go before their
    /// parents: the order erasure works in.
    public var tablesChildrenFirst: [MappedTable] {
        tables.enumerated().sorted {
            ($0.element.pathToSubject.count, -$0.offset) > ($1.element.pathToSubject.count, -$1.offset)
        }.map(\.element)
    }

    /// The mapped table with this name.
    public func table(named name: String) -> MappedTable? {
        tables.first { $0.name == name }
    }
}

/// One table of the store as the data map describes it.
public struct MappedTable: Sendable {
    public var name: String
    /// What the table holds, in the person's words; letters caption it with the label, or
    /// this where there is none. Each text of a table may be given per language.
    public var description: Labels
    /// Art. 15(1)(a).
    public var purposes: [Labels]
    /// Art. 6 (and Art. 9(2) for special categories).
    public var legalBasis: Labels
    /// Art. 15(1)(c): the ids of declared recipients, or their names in a map without a
    /// `recipients:` section.
    public var recipients: [String]
    /// The names answers list the recipients by: a declared recipient's name, else the
    /// entry as written.
    public var recipientNames: [String] = []
    /// Art. 15(1)(d).
    public var retention: Labels
    /// Art. 15(1)(g): where the data came from when not from the subject; nil: from the
    /// subject.
    public var source: Labels?
    /// Art. 15(2): transfers to third countries and their safeguards.
    public var transfers: [Labels]
    /// Foreign-key style references to other mapped tables.
    public var references: [Reference]
    public var columns: [MappedColumn]
    /// How rows of this table lead to the subject table; empty for the subject table itself.
    public var pathToSubject: [Reference]
    /// The legal duty to keep rows, which defers their erasure.
    public var hold: RetentionRule?
    /// A column set to 1 while the subject's rows are restricted (Art. 18, or held).
    public var restrictionFlag: String?
    /// What letters call the table, per language; its description where there is none.
    public var label = Labels()
    /// Why erasure leaves this table's rows with personal data in them, and until when
    /// (`kept:`); letters name it for every such row. Nil where erasure leaves nothing of
    /// the person or the map does not say (which `datamap check` reports).
    public var kept: KeptRule?
    /// The configured store the table is in (`store:`); nil: the subject table's store.
    public var store: String?
    /// How a table in another store than the subject table's reaches the person (`link:`).
    public var link: StoreLink?

    /// Whether erasure deletes this table's rows (rather than changing columns).
    public var erasureDeletesRows: Bool {
        columns.contains { $0.erasure == .delete }
    }

    /// The columns of personal data erasure leaves in place in the table's remaining rows:
    /// those kept (reference columns the map does not list included, they tie a row to the
    /// person), of a category other than `none`. Empty when erasure deletes the rows.
    public var columnsKeptByErasure: [MappedColumn] {
        guard !erasureDeletesRows else { return [] }
        return (columns + unlistedReferenceColumns).filter { $0.erasure == .keep && $0.category != .none }
    }

    /// The categories of data in this table (those its free text may hold among them),
    /// without duplicates, sorted.
    public var categories: [DataCategory] {
        Array(Set(columns.flatMap { [$0.category] + $0.mayHold }).subtracting([.none])).sorted()
    }

    public func column(named name: String) -> MappedColumn? {
        columns.first { $0.name == name }
    }

    /// The reference columns the map does not list as columns, shown in access reports as
    /// identification (they tie a row to its parent: an order line to its order) and kept
    /// by erasure (the row's own action decides).
    public var unlistedReferenceColumns: [MappedColumn] {
        references.filter { column(named: $0.column) == nil }.map {
            MappedColumn(name: $0.column, category: .identification, provided: false, erasure: .keep,
                         label: referenceLabels[$0.column] ?? Labels())
        }
    }
    /// What letters call a reference column the map does not list: the label of the column
    /// it refers to (an order's `customer_id` is the customer's "Customer ID").
    public var referenceLabels: [String: Labels] = [:]
}

/// Why erasure leaves a table's rows holding personal data, and the condition that ends
/// it, as the letters tell the person: `kept: {reason: …, until: …}`, each a plain text or
/// one per language.
public struct KeptRule: Sendable {
    public var reason: Labels
    public var until: Labels

    public init(reason: Labels, until: Labels) {
        self.reason = reason
        self.until = until
    }
}

/// `table.column -> targetTable.targetColumn`.
public struct Reference: Sendable, Hashable {
    public var table: String
    public var column: String
    public var targetTable: String
    public var targetColumn: String
}

/// One column of a mapped table.
public struct MappedColumn: Sendable {
    public var name: String
    public var category: DataCategory
    /// Whether the subject provided it (Art. 20 portability covers only provided data).
    public var provided: Bool
    public var erasure: ErasureAction
    /// Whether a rectification (Art. 16) may change it: only columns the map marks, never a
    /// key or a column that links rows to their subject.
    public var rectifiable: Bool = false
    /// What letters call the column, per language; its name where there is none.
    public var label = Labels()
    /// How letters show its values; as stored when nil.
    public var format: DisplayFormat?
    /// Categories a free-text value may hold besides its own (`may_hold: [health]`: a
    /// message may mention an illness): counted for everyone with a value in the column,
    /// and told as "possibly", since no one has looked.
    public var mayHold: [DataCategory] = []
}
