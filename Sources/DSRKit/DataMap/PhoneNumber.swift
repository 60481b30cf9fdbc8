/// Phone numbers in E.164 form (`+4791234567`), the form identities are matched in.
///
/// Hand-written rather than a port of libphonenumber (not available here): it knows the
/// calling codes and trunk prefixes of the regions dsr's users are in and checks length,
/// not numbering plans.
public enum PhoneNumber {
    private static let regions: [String: (callingCode: String, trunkPrefix: String?)] = [
        "NO": ("47", nil), "SE": ("46", "0"), "DK": ("45", nil), "FI": ("358", "0"),
        "IS": ("354", nil), "DE": ("49", "0"), "AT": ("43", "0"), "CH": ("41", "0"),
        "NL": ("31", "0"), "BE": ("32", "0"), "LU": ("352", nil), "FR": ("33", "0"),
        "GB": ("44", "0"), "IE": ("353", "0"), "ES": ("34", nil), "PT": ("351", nil),
        "IT": ("39", nil), "PL": ("48", nil), "EE": ("372", nil), "LV": ("371", nil),
        "LT": ("370", "8"), "US": ("1", "1"), "CA": ("1", "1"),
    ]

    /// The calling code of a region such as `NO`, if dsr knows it.
    public static func callingCode(forRegion region: String) -> String? {
        regions[region]?.callingCode
    }

    /// The E.164 form of a phone number, or nil when it cannot be one.
    ///
    /// Spaces, dots, dashes and parentheses are dropped; `00` is read as `+`; a number
    /// without a country code takes the default region's, minus its trunk prefix.
    public static func e164(_ text: String, defaultRegion: String?) -> String? {
        var digits = ""
        var international = false
        for (offset, character) in text.trimmingCharacters(in: .whitespacesAndNewlines).enumerated() {
            if character == "+" && offset == 0 { international = true; continue }
            if " .-()/\u{00A0}".contains(character) { continue }
            guard character.isASCII, character.isNumber else { return nil }
            digits.append(character)
        }
        if !international && digits.hasPrefix("00") {
            international = true
            digits.removeFirst(2)
        }
        if !international {
            guard let region = defaultRegion, let rule = regions[region] else { return nil }
            if let trunk = rule.trunkPrefix, digits.hasPrefix(trunk) { digits.removeFirst(trunk.count) }
            digits = rule.callingCode + digits
        }
        guard (8...15).contains(digits.count), digits.first != "0" else { return nil }
        return "+" + digits
    }
}
