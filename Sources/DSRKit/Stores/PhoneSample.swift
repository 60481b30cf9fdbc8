import DSRCore
import Foundation

/// Reads a sample of each phone identity's stored values, each in its person's country
/// where the map names the column: a value dsr cannot read as a number is a person no
/// request by phone will find, and a spelling in a layout dsr does not look up is one the
/// lookup misses. `datamap check` reports both, naming counts and layouts (`+## ## ## ##`),
/// never a number, and proposes the `layouts:` that make the lookup find the rest.
struct PhoneSample {
    let stores: StoreSet
    /// How many stored values are read per identity.
    static let size = 1000

    func findings() throws -> [DataMapCheck.Finding] {
        var findings: [DataMapCheck.Finding] = []
        for bound in stores.segments where bound.segment.link == nil {
            let map = bound.map
            for identity in map.identities.values.sorted(by: { $0.name < $1.name }) where identity.normalization == .phone {
                guard let statement = StoreQuery(map: map, dialect: try bound.store.dialect).sample(of: identity, limit: Self.size) else { continue }
                var read = 0
                var unreadable = 0
                var missedLayouts: [String: Int] = [:]
                try bound.store.fetch(statement) { row in
                    read += 1
                    let text = row[0].canonicalText
                    let region = row.count > 1 ? PhoneNumber.region(named: row[1].canonicalText) ?? map.phoneRegion : map.phoneRegion
                    guard let number = PhoneNumber.e164(text, defaultRegion: region) else { unreadable += 1; return }
                    if !PhoneSpellings.looksUp(text, of: number, layouts: identity.layouts) {
                        missedLayouts[PhoneSpellings.layout(of: text), default: 0] += 1
                    }
                }
                let field = "identities.\(identity.name)"
                let column = "'\(identity.table).\(identity.column)'"
                if unreadable > 0 {
                    let reading = map.subject.countryColumn.map { "in the country its row's '\($0)' names, or " } ?? ""
                    findings.append(DataMapCheck.Finding(
                        severity: .warning, field: field,
                        message: "\(unreadable) of \(read) values read from \(column) are not phone numbers dsr can read "
                                 + "(\(reading)in the default region \(map.phoneRegion ?? "(none: set controller.default_phone_region)")); "
                                 + "a request by phone never finds those people. Correct the stored numbers"))
                }
                if !missedLayouts.isEmpty {
                    let layouts = missedLayouts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map(\.key)
                    let count = missedLayouts.values.reduce(0, +)
                    findings.append(DataMapCheck.Finding(
                        severity: .warning, field: field,
                        message: "\(count) of \(read) values read from \(column) are written in layouts dsr does not look up, "
                                 + "so requests by phone miss them; add to the identity: layouts: [\(layouts.map { "'\($0)'" }.joined(separator: ", "))]"))
                }
            }
        }
        return findings
    }
}
