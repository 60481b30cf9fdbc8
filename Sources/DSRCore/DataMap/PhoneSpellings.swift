import Synchronization

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
    /// The digit string a layout is filled with: the number as written after `+`, after
    /// `00`, nationally with its trunk prefix, without it, or with the trunk in brackets
    /// after the country code.
    private enum Digits: CaseIterable {
        case international, afterDoubleZero, national, withoutTrunk, codeAndTrunk

        func of(_ parts: PhoneNumber.Parts) -> String {
            let trunk = parts.trunkPrefix ?? ""
            switch self {
            case .international: return parts.callingCode + parts.national
            case .afterDoubleZero: return "00" + parts.callingCode + parts.national
            case .national: return trunk + parts.national
            case .withoutTrunk: return parts.national
            case .codeAndTrunk: return parts.callingCode + trunk + parts.national
            }
        }
    }

    /// The spellings of an E.164 number, the number itself first. dsr's own layouts are
    /// made for their digits; a layout from the map is filled with every digit string of
    /// its width and kept only where it reads back as the number.
    package static func of(_ number: String, layouts declared: [String]) -> [String] {
        guard let parts = PhoneNumber.parts(ofE164: number) else { return [number] }
        var spellings = [number]
        var seen: Set<String> = [number]
        func add(_ spelling: String) {
            if seen.insert(spelling).inserted { spellings.append(spelling) }
        }
        for (layout, digits) in builtInLayouts(parts) { add(fill(layout, with: digits.of(parts))) }
        for layout in declared {
            let width = layout.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "#") ? 1 : 0) }
            for digits in Digits.allCases.map({ $0.of(parts) }) where digits.utf8.count == width {
                let spelling = fill(layout, with: digits)
                if PhoneNumber.e164(spelling, defaultRegion: parts.region) == number { add(spelling) }
            }
        }
        return spellings
    }

    /// Whether the lookup of `number` asks for `stored` (a spelling of it): its layout is
    /// one dsr knows for numbers of that shape, or one the map adds. For `datamap check`,
    /// which reads many stored values and spells none out.
    package static func looksUp(_ stored: String, of number: String, layouts declared: [String]) -> Bool {
        let spelled = stored.trimmingCharacters(in: .whitespaces)
        guard spelled != number, let parts = PhoneNumber.parts(ofE164: number) else { return true }
        let layout = layout(of: spelled)
        return declared.contains(layout) || builtInLayouts(parts).contains { $0.layout == layout }
    }

    /// The layout of a stored value: its text with every digit written `#`. Holds no digit
    /// of the number, so it may be shown and recorded.
    package static func layout(of text: String) -> String {
        String(text.trimmingCharacters(in: .whitespaces).map { $0.isASCII && $0.isNumber ? "#" : $0 })
    }

    /// The layouts of a number depend only on the lengths of its parts: made once per
    /// shape, not once per request.
    private struct Shape: Hashable {
        var callingCode: Int
        var national: Int
        var trunk: Int
    }

    private static let layoutsByShape = Mutex<[Shape: [(layout: String, digits: Digits)]]>([:])

    /// The layouts dsr knows for a number of this region and length, each with the digits
    /// it is made for.
    private static func builtInLayouts(_ parts: PhoneNumber.Parts) -> [(layout: String, digits: Digits)] {
        let shape = Shape(callingCode: parts.callingCode.count, national: parts.national.count, trunk: parts.trunkPrefix?.count ?? 0)
        if let known = layoutsByShape.withLock({ $0[shape] }) { return known }
        let layouts = makeLayouts(parts)
        layoutsByShape.withLock { $0[shape] = layouts }
        return layouts
    }

    private static func makeLayouts(_ parts: PhoneNumber.Parts) -> [(layout: String, digits: Digits)] {
        let trunkLength = parts.trunkPrefix?.count ?? 0
        let nationalLength = trunkLength + parts.national.count
        let code = hashes(parts.callingCode.count)
        var layouts = groupings(of: nationalLength, areaCode: 2...4).flatMap { national($0) }.map { ($0, Digits.national) }
        let bodies = groupings(of: parts.national.count, areaCode: (2 - trunkLength)...(4 - trunkLength))
        for (prefix, digits) in [("+" + code, Digits.international), ("##" + code, Digits.afterDoubleZero)] {
            layouts.append((prefix + hashes(parts.national.count), digits))
            for body in bodies { layouts += international(body).map { (prefix + " " + $0, digits) } }
        }
        if trunkLength > 0 {
            // A store may drop the trunk prefix of its own country's numbers.
            layouts += bodies.flatMap { international($0) }.map { ($0, Digits.withoutTrunk) }
            let trunk = "(" + hashes(trunkLength) + ")"
            layouts.append(("+" + code + " " + trunk + hashes(parts.national.count), .codeAndTrunk))
            for body in bodies where body.count > 1 { layouts.append(("+" + code + " " + trunk + joined(body, " "), .codeAndTrunk)) }
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

    /// The layout with its `#`s replaced by `digits` in order, byte by byte: a night by
    /// phone makes some 150 spellings a request.
    private static func fill(_ layout: String, with digits: String) -> String {
        var next = digits.utf8.makeIterator()
        return String(unsafeUninitializedCapacity: layout.utf8.count) { buffer in
            var count = 0
            for byte in layout.utf8 {
                buffer[count] = byte == UInt8(ascii: "#") ? next.next()! : byte
                count += 1
            }
            return count
        }
    }
}
