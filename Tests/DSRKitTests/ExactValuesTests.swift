import DSRCore
import DSRKit
import Foundation
import Testing

/// An access report shows data exactly as held: decimals with every digit and their scale,
/// big integers, instants, bytes, and text with a NUL character whole.
@Suite struct ExactValuesTests {
    let workspace: TestWorkspace
    let night = "2026-11-22T01:00:00Z"

    init() throws {
        workspace = try TestWorkspace()
    }

    /// A table of awkward values for customer 1, mapped for access.
    static let mapping = """

      balances:
        description: Your account balances.
        purposes: [Bookkeeping]
        legal_basis: Art. 6(1)(c) legal obligation
        retention: 5 years.
        references: {customer_id: customers.id}
        erasure: keep
        columns:
          id:       {category: financial}
          amount:   {category: financial}
          rate:     {category: financial}
          big:      {category: financial}
          at:       {category: transaction}
          raw:      {category: technical}
          note:     {category: communication}

    """

    func install(_ kind: StoreKind, rows: [String]) throws -> URL {
        let configuration = try workspace.demo(on: kind)
        let store = try workspace.installation(configuration).store()
        let table = kind == .postgres
            ? """
              CREATE TABLE balances (id integer PRIMARY KEY, customer_id integer NOT NULL REFERENCES customers (id),
                amount numeric(12,2), rate numeric(30,10), big bigint, at timestamptz, raw bytea, note text)
              """
            : """
              CREATE TABLE balances (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id),
                amount NUMERIC, rate NUMERIC, big INTEGER, at TEXT, raw BLOB, note TEXT)
              """
        _ = try store.execute([SQLStatement(sql: table)] + rows.map { SQLStatement(sql: $0) })
        let mapURL = configuration.deletingLastPathComponent().appendingPathComponent("datamap.yaml")
        let map = try String(contentsOf: mapURL, encoding: .utf8)
        try map.replacingOccurrences(of: "\n  support_tickets:\n", with: Self.mapping.replacingOccurrences(of: "\n  ", with: "\n  ") + "  support_tickets:\n")
            .write(to: mapURL, atomically: true, encoding: .utf8)
        return configuration
    }

    func answer(_ configuration: URL) throws -> (json: [[String: Any]], xml: String) {
        let outbox = configuration.deletingLastPathComponent().appendingPathComponent("outbox/REQ-DEMO-0001")
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: outbox.appendingPathComponent("access-report.json"))) as! [String: Any]
        let table = (document["tables"] as! [[String: Any]]).first { $0["table"] as? String == "balances" }!
        return (table["rows"] as! [[String: Any]], try String(contentsOf: outbox.appendingPathComponent("access-report.xml"), encoding: .utf8))
    }

    @Test func postgresValuesAreReportedAsPostgreSQLPrintsThem() throws {
        let configuration = try install(.postgres, rows: [
            "INSERT INTO balances VALUES (1, 1, 427.76, 12345678901234567890.1234567890, 9223372036854775807, '2026-11-20 09:15:00.5+01', '\\xDEADBEEF00', 'a')",
            "INSERT INTO balances VALUES (2, 1, 5.00, 0.0000000001, -9223372036854775808, '2026-03-29 02:30:00+02', '\\x', 'b')",
            "INSERT INTO balances VALUES (3, 1, -0.10, 0, 0, NULL, NULL, NULL)",
            "INSERT INTO balances VALUES (4, 1, 0.00, 10000000000000000000, 1, '1970-01-01 00:00:00Z', '\\x00', '')",
        ])
        let summary = try workspace.runNightly(configuration, at: night)
        #expect(summary.done["access"] == 2)
        let (rows, xml) = try answer(configuration)
        #expect(rows.count == 4)

        // What PostgreSQL prints, row by row.
        var printed: [[String]] = []
        try workspace.installation(configuration).store().fetch(SQLStatement(sql: """
            SELECT amount::text, rate::text, big::text, extract(epoch FROM at)::text, encode(raw, 'base64') FROM balances ORDER BY id
            """)) { row in printed.append(row.map { $0 == .null ? "null" : $0.canonicalText }) }
        let text = try String(contentsOf: configuration.deletingLastPathComponent()
            .appendingPathComponent("outbox/REQ-DEMO-0001/access-report.json"), encoding: .utf8)
        for (row, expected) in zip(rows, printed) {
            // The JSON numbers carry exactly PostgreSQL's digits (checked in the text, since
            // a JSON parser would turn them into doubles).
            for digits in expected[0...2] where digits != "null" {
                #expect(text.contains(": \(digits)") || text.contains(":\(digits)"), "\(digits) as held")
            }
            if expected[3] != "null" {
                let at = try #require(row["at"] as? String)
                let instant = try #require(Timestamp.parse(at))
                #expect(abs(instant.timeIntervalSince1970 - Double(expected[3])!) < 0.001, "\(at) is the instant held")
            }
            if expected[4] != "null" {
                #expect((row["raw"] as? [String: String])?["base64"] == expected[4].replacingOccurrences(of: "\n", with: ""))
            }
        }
        #expect(!text.contains("427.76000000000005"))
        for digits in ["427.76", "5.00", "-0.10", "0.00", "12345678901234567890.1234567890", "0.0000000001", "10000000000000000000.0000000000"] {
            #expect(xml.contains(#"type="decimal">\#(digits)</value>"#), "\(digits) in the XML")
        }
        let errors = try XMLSchemaValidator(schemaURL: ExternalTools.schema("access-report.xsd"))
            .errors(validating: configuration.deletingLastPathComponent().appendingPathComponent("outbox/REQ-DEMO-0001/access-report.xml"))
        #expect(errors == [])
    }

    @Test func sqliteTextWithANulIsReportedWhole() throws {
        let configuration = try install(.sqlite, rows: [
            "INSERT INTO balances VALUES (1, 1, 1.5, 2, 9223372036854775807, '2026-11-20T09:15:00Z', x'00FF', 'before' || char(0) || 'after')",
        ])
        try workspace.runNightly(configuration, at: night)
        let (rows, xml) = try answer(configuration)
        #expect(rows.first?["note"] as? String == "before\u{0}after")
        #expect(rows.first?["big"] as? Int64 == Int64.max)
        #expect(xml.contains(#"encoding="base64">\#(Data("before\u{0}after".utf8).base64EncodedString())</value>"#))
    }
}
