/// Norwegian and Swedish national identity numbers: read in every spelling people and
/// stores write them in, checked by their check digits, and spelled out for an indexed
/// lookup as phones and emails are.
///
/// - A Norwegian *fødselsnummer* (or *D-nummer*, day + 40; *H-nummer*, month + 40;
///   synthetic test numbers, month + 80) is 11 digits, `DDMMYYIIIKK`, with two mod-11
///   check digits; written whole or with a space or dash after the birth date.
/// - A Swedish *personnummer* (or *samordningsnummer*, day + 60) is `YYYYMMDD-NNNC` with a
///   Luhn check digit over the ten-digit form; written with twelve or ten digits, with or
///   without `-`, and with `+` instead of `-` in the ten-digit form from the person's 100th
///   year. Its normal form is the twelve digits; a ten-digit spelling takes the century
///   that makes the person younger than 100 (`-`) or at least 100 (`+`) on `today`.
package enum NationalIdentityNumber {
    /// The eleven digits of a fødselsnummer, or why the text is not one (never quoting it).
    package static func fodselsnummer(_ text: String) -> Result<String, IdentityValueError> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.filter { $0 != " " && $0 != "-" }
        guard digits.count == 11, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              trimmed.count == 11 || (trimmed.count == 12 && " -".contains(Array(trimmed)[6])) else {
            return .failure(IdentityValueError(reason: "is not a Norwegian national identity number: it has 11 digits, DDMMYYNNNNN"))
        }
        let values = digits.map { Int(String($0))! }
        var day = values[0] * 10 + values[1], month = values[2] * 10 + values[3]
        if day > 40 { day -= 40 }
        if month > 80 { month -= 80 } else if month > 40 { month -= 40 }
        guard (1...31).contains(day), (1...12).contains(month) else {
            return .failure(IdentityValueError(reason: "is not a Norwegian national identity number: its first six digits are no birth date"))
        }
        guard let first = mod11(values[0..<9], weights: [3, 7, 6, 1, 8, 9, 4, 5, 2]), first == values[9],
              let second = mod11(values[0..<10], weights: [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]), second == values[10] else {
            return .failure(IdentityValueError(reason: "is not a Norwegian national identity number: its check digits are wrong"))
        }
        return .success(digits)
    }

    /// The spellings a store may hold of a fødselsnummer's eleven digits.
    package static func fodselsnummerSpellings(_ digits: String) -> [String] {
        let date = digits.prefix(6), rest = digits.dropFirst(6)
        return [digits, date + " " + rest, date + "-" + rest]
    }

    /// The twelve digits of a personnummer, or why the text is not one (never quoting it).
    package static func personnummer(_ text: String, today: CalendarDay) -> Result<String, IdentityValueError> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let separator = trimmed.first(where: { $0 == "-" || $0 == "+" })
        let digits = trimmed.filter { $0 != "-" && $0 != "+" }
        let failure = IdentityValueError(reason: "is not a Swedish personnummer: it has 12 or 10 digits, YYYYMMDD-NNNN or YYMMDD-NNNN")
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.count == 12 || digits.count == 10,
              trimmed.count == digits.count || (trimmed.count == digits.count + 1 && Array(trimmed)[digits.count - 4] == separator) else {
            return .failure(failure)
        }
        let values = digits.map { Int(String($0))! }
        let short = Array(values.suffix(10))
        let month = short[2] * 10 + short[3]
        var day = short[4] * 10 + short[5]
        if day > 60 { day -= 60 }
        let twoDigitYear = short[0] * 10 + short[1]
        let year: Int
        if digits.count == 12 {
            guard separator != "+" else { return .failure(failure) }
            year = values[0] * 1000 + values[1] * 100 + twoDigitYear
        } else {
            var candidate = today.year - ((today.year - twoDigitYear) % 100 + 100) % 100
            if (month, day) > (today.month, today.day) && candidate == today.year { candidate -= 100 }
            if separator == "+" { candidate -= 100 }
            year = candidate
        }
        guard (1...12).contains(month), (1...CalendarDay.days(inMonth: month, year: year)).contains(day) else {
            return .failure(IdentityValueError(reason: "is not a Swedish personnummer: its first digits are no birth date"))
        }
        guard luhn(short[0..<9]) == short[9] else {
            return .failure(IdentityValueError(reason: "is not a Swedish personnummer: its check digit is wrong"))
        }
        return .success(String(year) + digits.suffix(8))
    }

    /// The spellings a store may hold of a personnummer's twelve digits: with the century or
    /// without it, with or without a separator (either one: a store keeps the `-` it was
    /// given after the person turns 100).
    package static func personnummerSpellings(_ digits: String) -> [String] {
        let short = digits.dropFirst(2)
        let date = String(digits.prefix(8)), serial = String(digits.suffix(4))
        return [digits, date + "-" + serial, String(short), short.prefix(6) + "-" + serial, short.prefix(6) + "+" + serial]
    }

    /// The ten-digit form a stored spelling without its century has, for matching it to
    /// the twelve digits whatever century they are in; nil for any other spelling.
    package static func personnummerWithoutCentury(_ text: String) -> String? {
        let digits = text.trimmingCharacters(in: .whitespaces).filter { $0 != "-" && $0 != "+" }
        return digits.count == 10 ? digits : nil
    }

    /// The mod-11 check digit of `digits` under `weights`; nil when it would be 10 (no
    /// number has it).
    private static func mod11(_ digits: ArraySlice<Int>, weights: [Int]) -> Int? {
        let remainder = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 } % 11
        let check = remainder == 0 ? 0 : 11 - remainder
        return check == 10 ? nil : check
    }

    /// The Luhn check digit of `digits` (weights 2, 1, 2, … from the first).
    private static func luhn(_ digits: ArraySlice<Int>) -> Int {
        let sum = digits.enumerated().reduce(0) { sum, item in
            let product = item.element * (item.offset % 2 == 0 ? 2 : 1)
            return sum + product / 10 + product % 10
        }
        return (10 - sum % 10) % 10
    }
}
