/// Phone numbers in E.164 form (`+4791234567`), the form identities are matched in.
///
/// Hand-written rather than a port of libphonenumber (no Swift package of it is available
/// here): it knows the calling codes, trunk prefixes and national number lengths of the
/// regions dsr's users are in, and checks lengths, not numbering plans.
public enum PhoneNumber {
    private struct Region {
        package var callingCode: String
        /// The national trunk prefix, dialled before national numbers and never part of E.164.
        package var trunkPrefix: String?
        /// Digits of the national significant number (after the calling code and trunk).
        var lengths: ClosedRange<Int>
    }

    private static let regions: [String: Region] = [
        "NO": Region(callingCode: "47", trunkPrefix: nil, lengths: 8...8),
        "SE": Region(callingCode: "46", trunkPrefix: "0", lengths: 7...9),
        "DK": Region(callingCode: "45", trunkPrefix: nil, lengths: 8...8),
        "FI": Region(callingCode: "358", trunkPrefix: "0", lengths: 5...12),
        "IS": Region(callingCode: "354", trunkPrefix: nil, lengths: 7...9),
        "DE": Region(callingCode: "49", trunkPrefix: "0", lengths: 6...13),
        "AT": Region(callingCode: "43", trunkPrefix: "0", lengths: 4...13),
        "CH": Region(callingCode: "41", trunkPrefix: "0", lengths: 9...9),
        "NL": Region(callingCode: "31", trunkPrefix: "0", lengths: 9...9),
        "BE": Region(callingCode: "32", trunkPrefix: "0", lengths: 8...9),
        "LU": Region(callingCode: "352", trunkPrefix: nil, lengths: 4...11),
        "FR": Region(callingCode: "33", trunkPrefix: "0", lengths: 9...9),
        "GB": Region(callingCode: "44", trunkPrefix: "0", lengths: 9...10),
        "IE": Region(callingCode: "353", trunkPrefix: "0", lengths: 7...9),
        "ES": Region(callingCode: "34", trunkPrefix: nil, lengths: 9...9),
        "PT": Region(callingCode: "351", trunkPrefix: nil, lengths: 9...9),
        "IT": Region(callingCode: "39", trunkPrefix: nil, lengths: 6...11),
        "PL": Region(callingCode: "48", trunkPrefix: nil, lengths: 9...9),
        "EE": Region(callingCode: "372", trunkPrefix: nil, lengths: 7...8),
        "LV": Region(callingCode: "371", trunkPrefix: nil, lengths: 8...8),
        "LT": Region(callingCode: "370", trunkPrefix: "8", lengths: 8...8),
        "US": Region(callingCode: "1", trunkPrefix: "1", lengths: 10...10),
        "CA": Region(callingCode: "1", trunkPrefix: "1", lengths: 10...10),
    ]

    /// The rule of each calling code dsr knows (US and CA share theirs).
    private static let regionByCallingCode: [String: Region] = Dictionary(
        regions.values.map { ($0.callingCode, $0) }, uniquingKeysWith: { first, _ in first })

    /// The region a country column names (`NO`, `se`), if dsr knows its numbers.
    package static func region(named text: String) -> String? {
        let code = text.trimmingCharacters(in: .whitespaces).uppercased()
        return regions[code] == nil ? nil : code
    }

    /// The calling code of a region such as `NO`, if dsr knows it.
    public static func callingCode(forRegion region: String) -> String? {
        regions[region]?.callingCode
    }

    /// An E.164 number taken apart: its calling code, its national significant number, and
    /// the trunk prefix its region dials before national numbers; nil for a calling code
    /// dsr does not know.
    package struct Parts {
        /// A region of the calling code (the first by name where several share it).
        package var region: String
        package var callingCode: String
        /// The national significant number.
        package var national: String
        package var trunkPrefix: String?
    }

    package static func parts(ofE164 number: String) -> Parts? {
        guard number.hasPrefix("+") else { return nil }
        let digits = number.dropFirst()
        guard let code = (1...3).lazy.map({ String(digits.prefix($0)) }).first(where: { regionByCallingCode[$0] != nil }),
              let region = regions.keys.sorted().first(where: { regions[$0]!.callingCode == code }) else { return nil }
        // A region whose trunk prefix is its calling code (US, CA) writes national numbers without it.
        let trunk = regions[region]!.trunkPrefix.flatMap { $0 == code ? nil : $0 }
        return Parts(region: region, callingCode: code, national: String(digits.dropFirst(code.count)), trunkPrefix: trunk)
    }

    /// The E.164 form of a phone number, or nil when it cannot be one.
    public static func e164(_ text: String, defaultRegion: String?) -> String? {
        try? parse(text, defaultRegion: defaultRegion).get()
    }

    /// The E.164 form of a phone number, or why it cannot be one (never quoting it).
    ///
    /// Spaces, dots, dashes, slashes and parentheses are dropped, and so is a `(0)` (the
    /// trunk prefix written beside an international number: `+46 (0)70 …`); `00` is read
    /// as `+`. A national number takes the default region's calling code, minus its trunk
    /// prefix; an international one loses a trunk prefix written after a known calling
    /// code (`+46 070 …`). Numbers of a known calling code must have its national length.
    public static func parse(_ text: String, defaultRegion: String?) -> Result<String, IdentityValueError> {
        var digits = ""
        var international = false
        let written = text.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "(0)", with: " ")
        for (offset, character) in written.enumerated() {
            if character == "+" && offset == 0 { international = true; continue }
            if " .-()/\u{00A0}".contains(character) { continue }
            guard character.isASCII, character.isNumber else {
                return .failure(IdentityValueError(reason: "is not a phone number: it holds characters other than digits, spaces, dots, dashes, slashes and parentheses"))
            }
            digits.append(character)
        }
        if !international && digits.hasPrefix("00") {
            international = true
            digits.removeFirst(2)
        }
        let callingCode: String
        let region: Region?
        if international {
            guard let code = (1...3).lazy.map({ String(digits.prefix($0)) }).first(where: { regionByCallingCode[$0] != nil }) else {
                guard (8...15).contains(digits.count), digits.first != "0" else {
                    return .failure(IdentityValueError(reason: "is not a phone number: an international number has 8 to 15 digits"))
                }
                return .success("+" + digits)
            }
            callingCode = code
            region = regionByCallingCode[code]
            digits.removeFirst(code.count)
        } else {
            guard let name = defaultRegion, let rule = regions[name] else {
                return .failure(IdentityValueError(reason: "is not a phone number in international form (+<country code><number>)"))
            }
            callingCode = rule.callingCode
            region = rule
        }
        if let trunk = region?.trunkPrefix, callingCode != trunk, digits.hasPrefix(trunk) { digits.removeFirst(trunk.count) }
        if let region, !region.lengths.contains(digits.count) {
            let expected = region.lengths.count == 1 ? "\(region.lengths.lowerBound)" : "\(region.lengths.lowerBound) to \(region.lengths.upperBound)"
            return .failure(IdentityValueError(reason: "is not a phone number: numbers of +\(callingCode) have \(expected) digits after the country code, this one has \(digits.count)"))
        }
        return .success("+" + callingCode + digits)
    }
}
