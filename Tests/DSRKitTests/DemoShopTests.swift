import Crypto
import DSRCore
import DSRKit
import Foundation
import GRDB
import Testing

/// The generated demo shop: deterministic, and the same rows whatever SQL produces them.
@Suite struct DemoShopTests {
    static let tables = ["customers", "loyalty_memberships", "orders", "order_lines", "support_tickets", "marketing_consents"]

    /// Benchmarks and tests compare runs on generated stores, so generating must not drift:
    /// the fingerprint is the one the first set-based generator produced at 2,000 customers.
    @Test func generatesTheSameRowsAsEveryEarlierVersion() throws {
        let workspace = try TestWorkspace()
        let url = workspace.url("shop.sqlite")
        try DemoShop.generateStore(at: url, customers: 2000)
        let fingerprint = try DatabaseQueue(path: url.path).read { db in try Self.fingerprint(db) }
        #expect(fingerprint == "edc8a35791e196a1d1d8d80daec1958e94a47eda1f44699c2adac6c8eb217676")
    }

    @Test func ordersTotalTheirLinesAndNumberOnWithoutGaps() throws {
        let workspace = try TestWorkspace()
        let url = workspace.url("shop.sqlite")
        try DemoShop.generateStore(at: url, customers: 1234)
        try DatabaseQueue(path: url.path).read { db in
            let wrongTotals = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM orders o
                WHERE total_cents IS NOT (SELECT sum(quantity * unit_price_cents) FROM order_lines WHERE order_id = o.id)
                """)
            #expect(wrongTotals == 0)
            let wrongCounts = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM customers c
                WHERE (SELECT count(*) FROM orders WHERE customer_id = c.id) <> 1 + c.id % 9
                """)
            #expect(wrongCounts == 0)
            for table in ["orders", "order_lines"] {
                let (count, highest) = try Row.fetchOne(db, sql: "SELECT count(*), max(id) FROM \(table)").map { ($0[0] as Int, $0[1] as Int) }!
                #expect(count == highest, "\(table) ids have gaps")
            }
            // Each customer's orders are numbered in order of date, after the earlier customer's.
            let outOfOrder = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM orders a JOIN orders b ON b.id = a.id + 1
                WHERE b.customer_id < a.customer_id OR (b.customer_id = a.customer_id AND b.ordered_at <= a.ordered_at)
                """)
            #expect(outOfOrder == 0)
        }
    }

    /// SHA-256 over every row of every table, in id order.
    static func fingerprint(_ db: Database) throws -> String {
        var hasher = SHA256()
        for table in tables {
            let rows = try Row.fetchCursor(db, sql: "SELECT * FROM \(table) ORDER BY id")
            while let row = try rows.next() {
                hasher.update(data: Data((table + row.databaseValues.map(\.description).joined(separator: "|") + "\n").utf8))
            }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
