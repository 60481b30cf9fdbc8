@testable import DSRKit
import DSRCore
import Foundation
import Testing

/// The ledger fingerprints a request by its JSON: a resubmitted file is recognised only if
/// every version of dsr writes that JSON byte for byte the same.
@Suite struct LedgerContentTests {
    @Test func requestsAreWrittenAsJSONEncoderWritesThem() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let texts = ["plain", "A-12 b", "a/b", "say \"hi\"", "back\\slash", "line\nbreak", "Ærlig ❤", "", "kari@example.no", "+4722000000"]
        let names = ["email", "customer_no", "phone", "Zeta", "_x", "a.b"]
        let times: [Double] = [785_000_000, 785_000_000.5, -5, 0, 1_000_000_000.123, 816_998_400]
        var generator = SplitMix(seed: 7)
        func pick<T>(_ values: [T]) -> T { values[Int(generator.next() % UInt32(values.count))] }
        for _ in 0..<3_000 {
            let identities = Dictionary((0..<Int(generator.next() % 3)).map { _ in (pick(names), pick(texts)) }) { first, _ in first }
            let changes = Dictionary((0..<Int(generator.next() % 3)).map { _ in ("customers.\(pick(names))", pick(texts)) }) { first, _ in first }
            let request = DataSubjectRequest(
                id: pick(["R-1", "a/b", "x.y_z"]), type: pick(RequestType.allCases),
                receivedAt: Date(timeIntervalSinceReferenceDate: pick(times)), identities: identities,
                verification: generator.next() % 2 == 0 ? nil : .init(method: pick(texts), verifiedAt: Date(timeIntervalSinceReferenceDate: pick(times))),
                formats: pick([[.json, .xml], [.xml], []]), changes: changes,
                scope: generator.next() % 2 == 0 ? nil : .init(purposes: [pick(texts)], channels: [pick(texts), pick(texts)]),
                note: generator.next() % 2 == 0 ? nil : pick(texts))
            let written = try request.ledgerContent()
            let expected = try encoder.encode(request)
            if written != expected {
                Issue.record("\(String(decoding: written, as: UTF8.self)) != \(String(decoding: expected, as: UTF8.self))")
                return
            }
        }
    }
}
