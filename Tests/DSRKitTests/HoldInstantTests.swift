@testable import DSRKit
import DSRCore
import Foundation
import GRDB
import Testing

/// A hold dates a row by the controller's day of its moment, not by the text of its
/// timestamp; a hold whose date column holds no dates is refused by `datamap check`.
@Suite struct HoldInstantTests {
    let workspace: TestWorkspace
    let configuration: URL

    init() throws {
        workspace = try TestWorkspace()
        configuration = try workspace.demo()
    }

    /// An order at 23:30 UTC on 31 December 2020 is a 1 January 2021 order in Oslo: under
    /// the Norwegian bookkeeping rule (5 years after the end of its fiscal year, 2021) it is
    /// held through 31 December 2026 — not erased on 7 December 2026 — and erased by the
    /// first night of 2027.
    @Test func aMomentCountsOnTheControllersDay() throws {
        let customer = try workspace.storeRows(configuration, "SELECT id, email FROM customers WHERE country = 'NO' ORDER BY id LIMIT 1 OFFSET 20")[0]
        try DatabaseQueue(path: workspace.url("demo/store.sqlite").path).write { db in
            try db.execute(sql: """
                INSERT INTO orders (id, customer_id, ordered_at, status, total_cents, currency, shipping_address, payment_reference)
                VALUES (990001, ?, '2020-12-31T23:30:00Z', 'delivered', 10000, 'NOK', 'Storgata 1, 0155 Oslo', 'PAY-990001')
                """, arguments: [customer[0]])
        }
        try workspace.dropVerifiedRequest("REQ-T-HOLD", "erasure", subject: "email: \"\(customer[1])\"")
        try workspace.runNightly(configuration, at: "2026-12-07T03:00:00Z")
        func address() throws -> String { try workspace.storeRows(configuration, "SELECT coalesce(shipping_address, 'NULL') FROM orders WHERE id = 990001")[0][0] }
        #expect(try address() == "Storgata 1, 0155 Oslo")
        let receipt = try JSONSerialization.jsonObject(with: Data(contentsOf: workspace.url("demo/outbox/REQ-T-HOLD/receipt.json"))) as! [String: Any]
        let orders = (receipt["tables"] as! [[String: Any]]).first { $0["table"] as? String == "orders" }!
        #expect((orders["held"] as! [[String: Any]]).contains { $0["last_day_held"] as? String == "2026-12-31" })
        try workspace.runNightly(configuration, at: "2026-12-31T22:00:00Z")  // 23:00 on 31 December in Oslo: still held
        #expect(try address() == "Storgata 1, 0155 Oslo")
        try workspace.runNightly(configuration, at: "2027-01-01T03:00:00Z")
        #expect(try address() == "NULL")
    }

    /// A moment stored without an offset names no zone: its day is the one it names, so
    /// `2020-12-31 23:30:00` is a 2020 order (held through 2025) and is erased on
    /// 7 December 2026; the same moment with an offset, `+01:00`, is a 2020 order in Oslo too.
    @Test func aMomentWithoutAnOffsetCountsOnTheDayItNames() throws {
        let customers = try workspace.storeRows(configuration, "SELECT id, email FROM customers WHERE country = 'NO' ORDER BY id LIMIT 2 OFFSET 30")
        try DatabaseQueue(path: workspace.url("demo/store.sqlite").path).write { db in
            for (index, (customer, time)) in zip(customers, ["2020-12-31 23:30:00", "2020-12-31T23:30:00+01:00"]).enumerated() {
                try db.execute(sql: """
                    INSERT INTO orders (id, customer_id, ordered_at, status, total_cents, currency, shipping_address, payment_reference)
                    VALUES (?, ?, ?, 'delivered', 10000, 'NOK', 'Storgata 1, 0155 Oslo', 'PAY')
                    """, arguments: [990010 + index, customer[0], time])
            }
        }
        for (index, customer) in customers.enumerated() {
            try workspace.dropVerifiedRequest("REQ-T-LOCAL\(index)", "erasure", subject: "email: \"\(customer[1])\"")
        }
        try workspace.runNightly(configuration, at: "2026-12-07T03:00:00Z")
        #expect(try workspace.storeRows(configuration, "SELECT count(*) FROM orders WHERE id IN (990010, 990011) AND shipping_address IS NULL")
                == [["2"]])
    }

    /// A hold counted from a text column of addresses, or from a number, is refused before
    /// any night, naming the field and never a value.
    @Test func aHoldDateColumnWithoutDatesIsRefusedAtCheckTime() throws {
        let mapURL = workspace.url("demo/datamap.yaml")
        let map = try String(contentsOf: mapURL, encoding: .utf8)
        for (column, expected) in [("shipping_address", "are not dates"), ("total_cents", "a hold counts from a date or a moment")] {
            try Data(map.replacingOccurrences(of: "hold: {rule: norway-bookkeeping, date_column: ordered_at}",
                                              with: "hold: {rule: norway-bookkeeping, date_column: \(column)}").utf8).write(to: mapURL)
            let check = try workspace.installation(configuration).checkDataMap()
            let finding = try #require(check.errors.first { $0.field == "tables.orders.hold.date_column" }, "\(column): \(check.errors)")
            #expect(finding.message.contains(expected), "\(finding.message)")
            #expect(!finding.message.contains("Oslo") && !finding.message.contains("gate"))
            let run = try ExternalTools.dsr(["run", "nightly", "--config", configuration.path])
            #expect(run.status == 78, "\(column): \(run.stderr)")
        }
    }
}
