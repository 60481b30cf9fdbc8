import Crypto
import DSRCore
import DSRKit
import Foundation
import GRDB
import Testing

/// The generated demo shop: deterministic, and the same rows whatever SQL produces them.
@Suite struct DemoShopTests {
    static let tables = ["customers", "loyalty_memberships", "orders", "order_lines", "support_tickets"]

    /// Benchmarks and tests compare runs on generated stores, so generating must not drift:
    /// the fingerprint is the one the first set-based generator produced at 2,000 customers,
    /// when the consents were in the shop and named their customer by id. They are now in
    /// the marketing store and name an address; the customer each was generated for is
    /// recovered from the generator's order, so the rows hash as they did.
    @Test func generatesTheSameRowsAsEveryEarlierVersion() throws {
        let workspace = try TestWorkspace()
        let (shop, marketing) = try Self.generate(in: workspace, customers: 2000)
        let database = try DatabaseQueue(path: shop.path)
        let fingerprint = try database.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS marketing", arguments: [marketing.path])
            return try Self.fingerprint(db, Self.tables.map { ($0, "SELECT * FROM \($0) ORDER BY id") } + [("marketing_consents", """
                SELECT m.id, g.customer_id, m.purpose, m.channel, m.consent_text, m.text_version, m.collected_via, m.granted_at,
                       m.confirmed_at, m.valid_until, m.withdrawn_at, m.withdrawn_via, m.expired_at
                FROM marketing.marketing_consents m
                JOIN (SELECT row_number() OVER (ORDER BY c.id, ch.channel) AS id, c.id AS customer_id
                      FROM customers c JOIN (SELECT 'email' AS channel UNION ALL SELECT 'sms') ch ON ch.channel = 'email' OR c.id % 5 = 0
                      WHERE c.id % 2 = 1 OR c.id % 5 = 0) g ON g.id = m.id
                ORDER BY m.id
                """)])
        }
        #expect(fingerprint == "edc8a35791e196a1d1d8d80daec1958e94a47eda1f44699c2adac6c8eb217676")
        let readers = try DatabaseQueue(path: marketing.path).read { db in
            try Row.fetchOne(db, sql: "SELECT count(*), count(withdrawn_at) FROM marketing_consents WHERE email LIKE 'reader%'")!
        }
        #expect(readers[0] as Int == 40 && readers[1] as Int == 4)
    }

    /// The demo's two stores, generated in `workspace`.
    static func generate(in workspace: TestWorkspace, customers: Int) throws -> (shop: URL, marketing: URL) {
        let (shop, marketing) = (workspace.url("shop.sqlite"), workspace.url("marketing.sqlite"))
        try DemoShop.generateStores(shop: shop, marketing: marketing, customers: customers)
        return (shop, marketing)
    }

    @Test func ordersTotalTheirLinesAndNumberOnWithoutGaps() throws {
        let workspace = try TestWorkspace()
        try DatabaseQueue(path: try Self.generate(in: workspace, customers: 1234).shop.path).read { db in
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

    /// SHA-256 over every row of each query, labelled by its table.
    static func fingerprint(_ db: Database, _ queries: [(table: String, sql: String)]) throws -> String {
        var hasher = SHA256()
        for (table, sql) in queries {
            let rows = try Row.fetchCursor(db, sql: sql)
            while let row = try rows.next() {
                hasher.update(data: Data((table + row.databaseValues.map(\.description).joined(separator: "|") + "\n").utf8))
            }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
