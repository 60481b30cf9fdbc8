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
    /// An amount stored in minor units (`134500` öre) shown in the currency's major units.
    case money(currency: String, minorUnits: Int)
    /// Stored codes with a label per language; a code without one shows as stored.
    case enumeration([String: Labels])

    /// `date`, `datetime`, `boolean`, `{money: NOK, minor_units: 2}` or
    /// `{enum: {active: {nb: Aktiv, en: Active}}}`.
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
        if let currency = fields.optional("money") {
            let code = try currency.nonEmptyString()
            guard code.count == 3, code.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                throw currency.problem("must be an ISO 4217 currency code such as NOK, SEK or EUR")
            }
            let minorUnits = try fields.optional("minor_units")?.integer() ?? 2
            guard (0...4).contains(minorUnits) else { throw node.problem("'minor_units' must be 0 to 4") }
            format = .money(currency: code, minorUnits: minorUnits)
        } else if let values = fields.optional("enum") {
            var labels: [String: Labels] = [:]
            for (code, labelNode) in try values.entries() { labels[code] = try Labels.parse(labelNode) }
            format = .enumeration(labels)
        } else {
            throw node.problem("unknown format; expected date, datetime, boolean, {money: …} or {enum: …}")
        }
        try fields.finish()
        return format
    }
}
