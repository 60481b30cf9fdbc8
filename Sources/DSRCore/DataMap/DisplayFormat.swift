import Foundation

/// How a column's values read in a letter to a person. The JSON and XML answers keep the
/// stored value; only the letters format it.
public enum DisplayFormat: Sendable, Equatable {
    /// A calendar day, in the language's convention.
    case date
    /// A moment, in the controller's time zone and the language's convention.
    case datetime
    /// Yes or no, in the language.
    case boolean
    /// An amount stored in minor units (`134500` öre) shown in the currency's major units,
    /// in the currency its row names, else the one the map gives.
    case money(Money)
    /// Stored codes with a label per language; a code without one shows as stored.
    case enumeration([String: Labels])

    /// What a money column's amounts are in.
    public struct Money: Sendable, Equatable {
        /// The ISO 4217 code of every amount, or of those whose row names none.
        public var currency: String?
        /// The column of the same row that holds each amount's ISO 4217 code.
        public var currencyColumn: String?
        public var minorUnits: Int

        /// The currency of one amount, given how to read a column of its row (nil: not
        /// at hand): the row's code when the map names a currency column and the row holds
        /// one, else the map's. When the currency column is not at hand (an export leaves it
        /// out), nil: a bare number rather than a guess.
        public func currency(in row: (String) -> String?) -> String? {
            guard let currencyColumn else { return currency }
            guard let stored = row(currencyColumn) else { return nil }
            let code = stored.trimmingCharacters(in: .whitespaces).uppercased()
            return Self.isCode(code) ? code : currency
        }

        static func isCode(_ code: String) -> Bool {
            code.count == 3 && code.allSatisfy { $0.isASCII && $0.isUppercase }
        }
    }

    /// `date`, `datetime`, `boolean`, `{money: NOK, minor_units: 2}`,
    /// `{money: NOK, currency_column: currency}` (the row's currency, NOK where it names
    /// none), `{currency_column: currency}` or `{enum: {active: {nb: Aktiv, en: Active}}}`.
    package static func parse(_ node: DocumentNode) throws(InputProblem) -> DisplayFormat {
        if case .scalar = node.value {
            switch try node.nonEmptyString() {
            case "date": return .date
            case "datetime": return .datetime
            case "boolean": return .boolean
            default: throw node.problem("unknown format; expected date, datetime, boolean, {money: …} or {enum: …}")
            }
        }
        let fields = try node.fields()
        let format: DisplayFormat
        let currencyNode = fields.optional("money")
        let columnNode = fields.optional("currency_column")
        if currencyNode != nil || columnNode != nil {
            let code = try currencyNode?.nonEmptyString()
            if let code, !Money.isCode(code) {
                throw currencyNode!.problem("must be an ISO 4217 currency code such as NOK, SEK or EUR")
            }
            let minorUnits = try fields.optional("minor_units")?.integer() ?? 2
            guard (0...4).contains(minorUnits) else { throw node.problem("'minor_units' must be 0 to 4") }
            format = .money(Money(currency: code, currencyColumn: try columnNode?.nonEmptyString(), minorUnits: minorUnits))
        } else if let values = fields.optional("enum") {
            var labels: [String: Labels] = [:]
            for (code, labelNode) in try values.entries() { labels[code] = try Labels.parse(labelNode) }
            format = .enumeration(labels)
        } else {
            throw node.problem("unknown format; expected date, datetime, boolean, {money: …}, {currency_column: …} or {enum: …}")
        }
        try fields.finish()
        return format
    }
}
