@testable import DSRKit
import DSRCore
import Foundation
import Testing

/// Rectification changes only what the data map marks rectifiable, with values that fit,
/// and never a record the law says to keep: on both stores, checked through the store.
@Suite struct RectificationRulesTests {
    let workspace: TestWorkspace
    /// The demo samples' times are from 21 November 2026; customer 12's orders are all
    /// within the Norwegian bookkeeping hold then.
    let night = "2026-11-22T01:00:00Z"

    init() throws {
        workspace = try TestWorkspace()
    }

    func rows(_ configuration: URL, _ sql: String) throws -> [[String]] { try workspace.storeRows(configuration, sql) }

    func rectification(_ id: String, customer: String, _ changes: String) -> String {
        """
        id: \(id)
        type: rectification
        received_at: 2026-11-21T10:00:00+01:00
        subject: {customer_no: \(customer)}
        verification: {method: bankid, verified_at: 2026-11-21T10:05:00+01:00}
        changes: {\(changes)}
        """
    }

    @Test(arguments: StoreKind.allCases)
    func keysReferencesKeptRecordsAndBadValuesAreNeverRectified(_ kind: StoreKind) throws {
        let configuration = try workspace.demo(on: kind)
        let refused: [(file: String, changes: String, problem: String)] = [
            ("R-KEY.yaml", "customers.id: \"99\"", "field 'changes.customers.id': the data map does not mark this column rectifiable"),
            ("R-REF.yaml", "orders.customer_id: \"13\"", "field 'changes.orders.customer_id': must name a mapped column as table.column"),
            ("R-BOOK.yaml", "orders.total_cents: \"0\"", "field 'changes.orders.total_cents': the data map does not mark this column rectifiable"),
            ("R-MATCH.yaml", "customers.email: new@example.no", "field 'changes.customers.email': is the identity 'email' used for matching"),
            ("R-PHONE.yaml", "customers.phone: \"+47 123\"", "field 'changes.customers.phone': is not a phone number"),
        ]
        for file in refused {
            try workspace.write(rectification(String(file.file.dropLast(5)), customer: "C-000012", file.changes), to: "demo/inbox/\(file.file)")
            let validated = try ExternalTools.dsr(["validate", "--config", configuration.path, workspace.url("demo/inbox/\(file.file)").path])
            #expect(validated.status == 65, "\(file.file)")
            #expect(validated.stdout.contains(file.problem) || validated.stderr.contains(file.problem), "\(file.file): \(validated.stdout) \(validated.stderr)")
        }
        // Customer 600's orders of 2021 are held (bokføringsloven: through 2026), those of
        // 2020 no longer: the address changes on these only, the receipt says why.
        try workspace.write(rectification("R-HELD", customer: "C-000600", #"orders.shipping_address: "Nygata 1, 0150 Oslo""#), to: "demo/inbox/R-HELD.yaml")
        let heldBefore = try rows(configuration, "SELECT * FROM orders WHERE customer_id = 600 AND ordered_at >= '2021-01-01' ORDER BY id")
        let free = try rows(configuration, "SELECT count(*) FROM orders WHERE customer_id = 600 AND ordered_at < '2021-01-01'")[0][0]
        #expect(!heldBefore.isEmpty && free != "0")

        let customersBefore = try rows(configuration, "SELECT * FROM customers WHERE id IN (12, 13) ORDER BY id")
        let ordersBefore = try rows(configuration, "SELECT * FROM orders WHERE customer_id IN (12, 13) ORDER BY id")
        #expect(!ordersBefore.isEmpty)
        let summary = try workspace.runNightly(configuration, at: night)
        #expect(Set(summary.intake.rejected.map(\.file)).isSuperset(of: refused.map(\.file)))
        #expect(!summary.intake.accepted.contains { refused.map(\.file).contains($0) })
        #expect(try rows(configuration, "SELECT * FROM customers WHERE id IN (12, 13) ORDER BY id") == customersBefore)
        #expect(try rows(configuration, "SELECT * FROM orders WHERE customer_id IN (12, 13) ORDER BY id") == ordersBefore)

        let receipt = try JSONSerialization.jsonObject(with: Data(contentsOf: configuration.deletingLastPathComponent()
            .appendingPathComponent("outbox/R-HELD/receipt.json"))) as! [String: Any]
        let orders = try #require((receipt["tables"] as! [[String: Any]]).first { $0["table"] as? String == "orders" })
        #expect(orders["rows_changed"] as? Int == Int(free))
        let held = orders["held"] as! [[String: Any]]
        #expect(held.map { $0["rows"] as! Int }.reduce(0, +) == heldBefore.count)
        #expect(try rows(configuration, "SELECT * FROM orders WHERE customer_id = 600 AND ordered_at >= '2021-01-01' ORDER BY id") == heldBefore)
        #expect(try rows(configuration, "SELECT DISTINCT shipping_address FROM orders WHERE customer_id = 600 AND ordered_at < '2021-01-01'")
                == [["Nygata 1, 0150 Oslo"]])
        #expect(held.allSatisfy { ($0["basis"] as? String)?.hasPrefix("Bokføringsloven § 13") == true })
        #expect(summary.done["rectification"] == 2)  // R-HELD and the demo's own
    }

    /// A day given as people write it is written as the column holds its days (ISO 8601),
    /// on both stores; a day that does not exist is refused with the field named.
    @Test(arguments: StoreKind.allCases)
    func aDateIsWrittenAsTheColumnHoldsDates(_ kind: StoreKind) throws {
        let configuration = try workspace.demo(on: kind)
        try workspace.write(rectification("R-DAY", customer: "C-000014", #"customers.birth_date: "31.12.1990""#), to: "demo/inbox/R-DAY.yaml")
        try workspace.write(rectification("R-NODAY", customer: "C-000014", #"customers.birth_date: "31.02.1990""#), to: "demo/inbox/R-NODAY.yaml")
        let summary = try workspace.runNightly(configuration, at: night)
        #expect(summary.intake.rejected.map(\.file).contains("R-NODAY.yaml"))
        let error = try String(contentsOf: workspace.url("demo/inbox/rejected/R-NODAY.yaml.error.txt"), encoding: .utf8)
        #expect(error.contains("changes.customers.birth_date") && error.contains("must be a date"), "\(error)")
        #expect(try rows(configuration, "SELECT birth_date FROM customers WHERE customer_no = 'C-000014'") == [["1990-12-31"]])
    }

    @Test func aMapCannotMarkAKeyOrReferenceRectifiable() throws {
        let configuration = try workspace.demo()
        let mapURL = configuration.deletingLastPathComponent().appendingPathComponent("datamap.yaml")
        let map = try String(contentsOf: mapURL, encoding: .utf8)
        let marked = map.replacingOccurrences(of: "      id:          {category: identification, provided: false, erasure: keep,",
                                              with: "      id:          {category: identification, provided: false, erasure: keep, rectifiable: true,")
        #expect(marked != map)
        try marked.write(to: mapURL, atomically: true, encoding: .utf8)
        let check = try ExternalTools.dsr(["datamap", "check", "--config", configuration.path])
        #expect(check.status == 78)
        #expect(check.stderr.contains("tables.customers.columns.id.rectifiable"), "\(check.stderr)")
    }

    @Test func restrictionIsRefusedWhenTheMapNamesNoFlag() throws {
        let configuration = try workspace.demo()
        let mapURL = configuration.deletingLastPathComponent().appendingPathComponent("datamap.yaml")
        let map = try String(contentsOf: mapURL, encoding: .utf8)
        try map.replacingOccurrences(of: "    restriction_flag: restricted\n", with: "").write(to: mapURL, atomically: true, encoding: .utf8)
        let validated = try ExternalTools.dsr(["validate", "--config", configuration.path,
                                               configuration.deletingLastPathComponent().appendingPathComponent("inbox/REQ-DEMO-0010-restriction.yaml").path])
        #expect(validated.status == 65)
        #expect((validated.stdout + validated.stderr).contains("field 'type': the data map names no restriction_flag"))
    }
}
