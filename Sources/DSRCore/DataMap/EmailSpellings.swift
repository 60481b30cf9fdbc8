import Foundation

/// The spellings a store may hold of a folded email address, as the store's
/// `lower(trim(column))` shows them, so that a lookup stays one indexed `IN` list.
///
/// SQLite's `lower()` folds ASCII letters only, and PostgreSQL's folds more or less
/// depending on the database's locale; dsr folds in Swift (`IdentityNormalization`). An
/// address stored as `Øystein.Ås@example.no` is `Øystein.Ås@example.no` to SQLite's
/// `lower()` but `øystein.ås@example.no` to dsr. So the lookup asks for every spelling
/// whose fold is the requested value: each non-ASCII letter in either case and in composed
/// and decomposed (NFD) form, and `ß`/`ẞ` for `ss`. The store's rows are folded again in
/// Swift, so a spelling never matches anything but the value it was made for.
///
/// The spellings multiply with the number of non-ASCII letters (`å` alone has four:
/// `å`, `Å`, the Ångström sign, `a` + combining ring); past `limit` a value is not
/// spelled out, and the caller looks it up by scanning the rows that hold non-ASCII text.
package enum EmailSpellings {
    /// The most spellings of one value the lookup asks for.
    package static let limit = 512

    /// The spellings of a folded value, the value itself first; nil past `limit`.
    package static func of(_ folded: String) -> [String]? {
        // Nearly every address: plain ASCII without `ss`, which only one spelling folds to.
        if folded.utf8.allSatisfy({ $0 < 0x80 }) && !folded.contains("ss") { return [folded] }
        let scalars = Array(folded.unicodeScalars)
        // Alternatives per position: (scalars consumed, spellings of them). Only a non-ASCII
        // letter, `ss`, or an ASCII letter with a combining mark after it (`i̇`) has any.
        var choices = [[(length: Int, spellings: [String])]](repeating: [], count: scalars.count)
        for start in scalars.indices {
            let hasNext = start + 1 < scalars.count
            let pairMayMatch = hasNext && (!scalars[start + 1].isASCII || (scalars[start] == "s" && scalars[start + 1] == "s"))
            guard !scalars[start].isASCII || pairMayMatch else { continue }
            for length in 1...(pairMayMatch ? 2 : 1) {
                var key = String.UnicodeScalarView()
                key.append(contentsOf: scalars[start..<(start + length)])
                if let spellings = table[String(key)] { choices[start].append((length, spellings)) }
            }
        }
        // Count the spellings (paths through the positions) before making any.
        var counts = [Int](repeating: 0, count: scalars.count + 1)
        counts[scalars.count] = 1
        for start in scalars.indices.reversed() {
            var count = counts[start + 1]  // the scalar as it is
            for choice in choices[start] {
                count += choice.spellings.count * counts[start + choice.length]
                if count > limit { return nil }
            }
            counts[start] = count
        }
        var results: [String] = []
        results.reserveCapacity(counts[0])
        func spell(from start: Int, _ prefix: String) {
            guard start < scalars.count else { results.append(prefix); return }
            spell(from: start + 1, prefix + String(Character(scalars[start])))
            for choice in choices[start] {
                for spelling in choice.spellings { spell(from: start + choice.length, prefix + spelling) }
            }
        }
        spell(from: 0, "")
        return results
    }

    /// Folded text → the other spellings of it a store may hold, ASCII letters lowered (as
    /// every store's `lower()` does), from the letters of the Latin, Greek and Cyrillic
    /// blocks. Letters that fold to plain ASCII are left out (the Kelvin sign, the long s,
    /// ligatures), except `ß` and `ẞ` for `ss`: they would multiply the spellings of every
    /// ASCII address for spellings no address provider hands out.
    private static let table: [String: [String]] = {
        // Spellings are compared and kept as bytes: Swift's String equality is canonical
        // equivalence, to which `a` + ring and `å` (the very spellings needed) are one.
        var table: [String: Set<[UInt8]>] = [:]
        let blocks: [ClosedRange<UInt32>] = [0x00C0...0x024F, 0x0370...0x03FF, 0x0400...0x052F, 0x1E00...0x1EFF, 0x212B...0x212B]
        for block in blocks {
            for value in block {
                guard let scalar = Unicode.Scalar(value), scalar.properties.isAlphabetic else { continue }
                let text = String(Character(scalar))
                let folded = IdentityNormalization.foldedEmail(text)
                let isSharpS = folded == "ss"
                guard !folded.utf8.allSatisfy({ $0 < 0x80 }) || isSharpS else { continue }
                // The letter as it is and decomposed, and the folded letter decomposed
                // (`a` + ring for `å`); not the folded letter itself, the caller's default.
                var spellings = [text, text.decomposedStringWithCanonicalMapping]
                if !isSharpS { spellings.append(folded.decomposedStringWithCanonicalMapping) }
                for spelling in spellings {
                    let lowered = Array(asciiLowered(spelling).utf8)
                    if lowered != Array(folded.utf8) { table[folded, default: []].insert(lowered) }
                }
            }
        }
        return table.mapValues { spellings in spellings.sorted { $0.lexicographicallyPrecedes($1) }.map { String(decoding: $0, as: UTF8.self) } }
    }()

    /// Text with its ASCII letters lowered and everything else as it is: what SQLite's
    /// `lower()` makes of it.
    package static func asciiLowered(_ text: String) -> String {
        String(decoding: text.utf8.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
    }
}
