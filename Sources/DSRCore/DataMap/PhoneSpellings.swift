/// The spellings a store may hold of one phone number, so that a lookup by phone stays one
/// indexed `IN` list on the column as it is (`+47 22 00 00 33`, `22000033`, `0047 22000033`,
/// `0921-12 34 65`, `+46 (0)921 12 34 65` are one number to a person and five to an index).
///
/// A spelling is made from a *layout*: the stored text with every digit written `#`
/// (`+## ## ## ## ##`). dsr knows the layouts people write in (the number's national and
/// international forms grouped in twos and threes after an area code of one to four digits,
/// joined by spaces or dashes, the area code in brackets, `00` for `+`, a `(0)` trunk
/// beside the country code, a national number without its trunk prefix) and takes more from the data map (`layouts:`, which `datamap
/// check` proposes from the store's own values). A layout is filled with each digit string
/// the number can be written with, and a spelling counts only if it reads back as the same
/// number: no layout ever makes a spelling of another number.
package enum PhoneSpellings {
    /// The spellings of an E.164 number, the number itself first.
    package static func of(_ number: String, layouts declared: [String]) -> [String] {
        guard let parts = PhoneNumber.parts(ofE164: number) else { return [number] }
        let trunk = parts.trunkPrefix ?? ""
        let digitStrings = [parts.callingCode + parts.national, "00" + parts.callingCode + parts.national,
                            trunk + parts.national, parts.national, parts.callingCode + trunk + parts.national].uniqued()
        var spellings = [number]
        var seen: Set<String> = [number]
        for layout in builtInLayouts(parts) + declared {
            let width = layout.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "#") ? 1 : 0) }
            for digits in digitStrings where digits.utf8.count == width {
                let spelling = fill(layout, with: digits)
                guard !seen.contains(spelling), PhoneNumber.e164(spelling, defaultRegion: parts.region) == number else { continue }
                seen.insert(spelling)
                spellings.append(spelling)
            }
        }
        return spellings
    }

    /// The layout of a stored value: its text with every digit written `#`. Holds no digit
    /// of the number, so it may be shown and recorded.
    package static func layout(of text: String) -> String {
        String(text.trimmingCharacters(in: .whitespaces).map { $0.isASCII && $0.isNumber ? "#" : $0 })
    }

    /// The layouts dsr knows for a number of this region and length.
    private static func builtInLayouts(_ parts: (region: String, callingCode: String, national: String, trunkPrefix: String?)) -> [String] {
        let trunkLength = parts.trunkPrefix?.count ?? 0
        let nationalLength = trunkLength + parts.national.count
        let code = String(repeating: "#", count: parts.callingCode.count)
        var layouts = groupings(of: nationalLength, areaCode: 2...4).flatMap { national($0) }
        let bodies = groupings(of: parts.national.count, areaCode: (2 - trunkLength)...(4 - trunkLength))
        for prefix in ["+" + code, "##" + code] {
            layouts.append(prefix + hashes(parts.national.count))
            for body in bodies { layouts += international(body).map { prefix + " " + $0 } }
        }
        if trunkLength > 0 {
            // A store may drop the trunk prefix of its own country's numbers.
            layouts += bodies.flatMap { international($0) }
            let trunk = "(" + hashes(trunkLength) + ")"
            layouts.append("+" + code + " " + trunk + hashes(parts.national.count))
            for body in bodies where body.count > 1 { layouts.append("+" + code + " " + trunk + joined(body, " ")) }
        }
        return layouts
    }

    /// A national number grouped, each way it is joined: spaces, a dash after the area
    /// code, dashes, the area code in brackets.
    private static func national(_ groups: [Int]) -> [String] {
        guard groups.count > 1 else { return [hashes(groups[0])] }
        let rest = joined(Array(groups.dropFirst()), " ")
        return [joined(groups, " "), hashes(groups[0]) + "-" + rest, joined(groups, "-"), "(" + hashes(groups[0]) + ") " + rest]
    }

    /// The national significant number after a country code: spaces, a dash after the area
    /// code, dashes.
    private static func international(_ groups: [Int]) -> [String] {
        guard groups.count > 1 else { return [hashes(groups[0])] }
        return [joined(groups, " "), hashes(groups[0]) + "-" + joined(Array(groups.dropFirst()), " "), joined(groups, "-")]
    }

    /// The ways `length` digits are grouped: whole, or an area code of a length in
    /// `areaCode` followed by the rest whole or in groups of two and three.
    private static func groupings(of length: Int, areaCode: ClosedRange<Int>) -> [[Int]] {
        var result = [[length]]
        for first in areaCode where first >= 1 && first < length {
            result.append([first, length - first])
            result += compositions(of: length - first).filter { $0.count > 1 }.map { [first] + $0 }
        }
        return result
    }

    /// Every ordered split of `length` into parts of two and three.
    private static func compositions(of length: Int) -> [[Int]] {
        if length == 0 { return [[]] }
        return [2, 3].filter { $0 <= length }.flatMap { part in compositions(of: length - part).map { [part] + $0 } }
    }

    private static func hashes(_ count: Int) -> String { String(repeating: "#", count: count) }

    private static func joined(_ groups: [Int], _ separator: String) -> String {
        groups.map(hashes).joined(separator: separator)
    }

    private static func fill(_ layout: String, with digits: String) -> String {
        var next = digits.makeIterator()
        return String(layout.map { $0 == "#" ? next.next()! : $0 })
    }
}
