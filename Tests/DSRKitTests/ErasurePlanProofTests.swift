import DSRCore
import DSRKit
import Foundation
import Testing

/// `dsr datamap check` proves the erasure plan against the store's foreign keys and refuses
/// a map that leaves personal data out, before a night touches anything.
@Suite struct ErasurePlanProofTests {
    let workspace: TestWorkspace
    let night = "2026-11-22T01:00:00Z"

    init() throws {
        workspace = try TestWorkspace()
    }

    /// The fixture's map, corrected as the check's messages say.
    static func corrected(_ map: String) -> String {
        map.replacingOccurrences(of: """
                # Conflict 1: deleting a customer whose held invoices refer to it.
                erasure: delete
                columns:
                  CustomerId: {category: identification}
                  Email:      {category: contact, provided: true}
                  FullName:   {category: identification, provided: true}
            """, with: """
                columns:
                  CustomerId: {category: identification, erasure: keep}
                  Email:      {category: contact, provided: true, erasure: rewrite, value: erased@invalid}
                  FullName:   {category: identification, provided: true, erasure: rewrite, value: erased}
            """)
        .replacingOccurrences(of: """
                # Conflict 2: deleting invoices whose lines are kept.
                erasure: delete
                columns:
                  InvoiceId:      {category: transaction}
                  IssuedOn:       {category: transaction}
                  Total:          {category: financial}
                  BillingAddress: {category: location, provided: true}
            """, with: """
                erasure: keep
                columns:
                  InvoiceId:      {category: transaction}
                  IssuedOn:       {category: transaction}
                  Total:          {category: financial}
                  BillingAddress: {category: location, provided: true, erasure: "null"}
            """)
        .replacingOccurrences(of: """
                references: {InvoiceId: Invoice.InvoiceId}
                erasure: keep
            """, with: """
                references: {InvoiceId: Invoice.InvoiceId}
                hold: {rule: norway-bookkeeping, date_column: Invoice.IssuedOn}
                erasure: keep
            """)
        .replacingOccurrences(of: """
                references: {CustomerId: Customer.CustomerId}
                columns:
                  # Conflict 3: emptying the column the note's foreign key uses.
                  CustomerId: {category: identification, erasure: "null"}
                  Seq:        {category: none, erasure: keep}
                  Body:       {category: communication, erasure: "null"}
            """, with: """
                references: {CustomerId: Customer.CustomerId}
                erasure: delete
                columns:
                  CustomerId: {category: identification}
                  Seq:        {category: none}
                  Body:       {category: communication}
            """)
    }

    /// Chinook's shape: invoices and their lines both deleted by erasure and held under the
    /// same rule from the invoice's date. A held line always has a held invoice, so the map
    /// passes; a line held from another date is refused, and the fix offered is not one the
    /// map already has.
    @Test func linesHeldWithTheirInvoicesPassTheCheck() throws {
        let configuration = try workspace.fixture("ledger-keys", in: "books")
        let mapURL = configuration.deletingLastPathComponent().appendingPathComponent("datamap.yaml")
        let corrected = Self.corrected(try String(contentsOf: mapURL, encoding: .utf8))
        let chinook = corrected
            .replacingOccurrences(of: "    erasure: keep\n    columns:\n      InvoiceId:", with: "    erasure: delete\n    columns:\n      InvoiceId:")
            .replacingOccurrences(of: "    hold: {rule: norway-bookkeeping, date_column: Invoice.IssuedOn}\n    erasure: keep",
                                  with: "    hold: {rule: norway-bookkeeping, date_column: Invoice.IssuedOn}\n    erasure: delete")
        #expect(chinook.components(separatedBy: "erasure: delete").count == corrected.components(separatedBy: "erasure: delete").count + 2)
        try chinook.write(to: mapURL, atomically: true, encoding: .utf8)
        let check = try workspace.installation(configuration).checkDataMap()
        #expect(!check.errors.contains { $0.field == "tables.Invoice.erasure" }, "\(check.errors)")

        try chinook.replacingOccurrences(of: "hold: {rule: norway-bookkeeping, date_column: Invoice.IssuedOn}",
                                         with: "hold: {rule: sweden-bookkeeping, date_column: Invoice.IssuedOn}")
            .write(to: mapURL, atomically: true, encoding: .utf8)
        let refused = try workspace.installation(configuration).checkDataMap()
        let finding = try #require(refused.errors.first { $0.field == "tables.Invoice.erasure" })
        #expect(!finding.message.contains("delete the rows of 'InvoiceLine' too") && finding.message.contains("date_column: Invoice.IssuedOn"),
                "\(finding.message)")
    }

    @Test(arguments: StoreKind.allCases)
    func conflictsWithTheStoresForeignKeysAreNamedAndTheCorrectedMapErases(_ kind: StoreKind) throws {
        let configuration = try workspace.fixture("ledger-keys", in: "books", on: kind)
        let folder = configuration.deletingLastPathComponent()
        let check = try ExternalTools.dsr(["datamap", "check", "--config", configuration.path])
        #expect(check.status == 78)
        for expected in [
            "error: tables.Customer.erasure: erasure deletes rows of 'Customer' while rows of 'Invoice' that refer to them (Invoice(CustomerId) → Customer(CustomerId)) are held",
            "error: tables.Invoice.erasure: erasure deletes rows of 'Invoice' while rows of 'InvoiceLine' that refer to them (InvoiceLine(InvoiceId) → Invoice(InvoiceId)) are kept",
            "error: tables.Note.columns.CustomerId.erasure: erasure would null 'CustomerId', which Note(CustomerId) → Customer(CustomerId) uses",
            "error: tables.Customer.erasure: erasure deletes rows of 'Customer' while rows of 'Note' that refer to them (Note(CustomerId) → Customer(CustomerId)) are kept",
        ] {
            #expect(check.stdout.contains(expected), "\(expected)\n\(check.stdout)")
        }
        // The night refuses to start: no file moves, no row changes.
        let inboxBefore = try workspace.contents(of: folder.appendingPathComponent("inbox"))
        let refused = try ExternalTools.dsr(["run", "nightly", "--config", configuration.path])
        #expect(refused.status == 78)
        #expect(try workspace.contents(of: folder.appendingPathComponent("inbox")) == inboxBefore)

        let mapURL = folder.appendingPathComponent("datamap.yaml")
        let corrected = Self.corrected(try String(contentsOf: mapURL, encoding: .utf8))
        try corrected.write(to: mapURL, atomically: true, encoding: .utf8)
        let passes = try workspace.installation(configuration).checkDataMap()
        #expect(passes.errors == [], "\(passes.errors)")

        let summary = try workspace.runNightly(configuration, at: night)
        #expect(summary.done == ["erasure": 1] && summary.failed.isEmpty && summary.noDataHeld == 0, "\(summary.text)")
        var rows: [[String]] = []
        try workspace.installation(configuration).store().fetch(SQLStatement(sql: """
            SELECT 'c', "Email", "FullName" FROM "Customer" WHERE "CustomerId" = 1
            UNION ALL SELECT 'i' || "InvoiceId", COALESCE("BillingAddress", 'NULL'), CAST("Restricted" AS TEXT) FROM "Invoice" WHERE "CustomerId" = 1
            UNION ALL SELECT 'n', CAST(count(*) AS TEXT), '' FROM "Note" WHERE "CustomerId" = 1
            UNION ALL SELECT 'l', CAST(count(*) AS TEXT), '' FROM "InvoiceLine" WHERE "InvoiceId" IN (10, 11)
            """)) { row in rows.append(row.map(\.canonicalText)) }
        #expect(rows.sorted { $0[0] < $1[0] } == [
            ["c", "erased@invalid", "erased"],
            ["i10", "NULL", "0"],                       // its hold ended with 2024
            ["i11", "Storgata 1, 0155 Oslo", "1"],      // held through 2030, restricted
            ["l", "3", ""],                             // invoice lines are kept
            ["n", "0", ""],
        ])
    }

    @Test(arguments: StoreKind.allCases)
    func personalDataTheMapLeavesOutStopsTheNightUnlessIgnoredWithAReason(_ kind: StoreKind) throws {
        let configuration = try workspace.demo(on: kind)
        let folder = configuration.deletingLastPathComponent()
        let store = try workspace.installation(configuration).store()
        _ = try store.execute([
            SQLStatement(sql: "CREATE TABLE product_reviews (id integer PRIMARY KEY, customer_id integer NOT NULL REFERENCES customers (id), body text)"),
            SQLStatement(sql: "ALTER TABLE customers ADD COLUMN national_id text"),
        ])
        let inboxBefore = try workspace.contents(of: folder.appendingPathComponent("inbox"))
        let check = try ExternalTools.dsr(["datamap", "check", "--config", configuration.path])
        #expect(check.status == 78)
        #expect(check.stdout.contains("error: tables.product_reviews: store table reaches the subject through product_reviews(customer_id) → customers(id) but is not in the data map"))
        #expect(check.stdout.contains("error: tables.customers.columns: store column 'national_id' is not mapped"))
        let refused = try ExternalTools.dsr(["run", "nightly", "--config", configuration.path])
        #expect(refused.status == 78)
        #expect(try workspace.contents(of: folder.appendingPathComponent("inbox")) == inboxBefore)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("outbox").path))

        let mapURL = folder.appendingPathComponent("datamap.yaml")
        try (try String(contentsOf: mapURL, encoding: .utf8) + """

            ignored:
              tables:
                product_reviews: Reviews are anonymous on publication; the link is kept for moderation only (DPIA 2026-04).
              columns:
                customers.national_id: Always empty; kept for a migration, dropped in release 7.
            """).write(to: mapURL, atomically: true, encoding: .utf8)
        let ignored = try ExternalTools.dsr(["datamap", "check", "--config", configuration.path])
        #expect(ignored.status == 0, "\(ignored.stdout)\(ignored.stderr)")
        #expect(ignored.stdout.contains("note: ignored.tables.product_reviews: left out: Reviews are anonymous"))
        #expect(try workspace.runNightly(configuration, at: night).done["access"] == 2)
    }
}

/// `dsr datamap scaffold` writes a first map from the live schema that passes the check as
/// it is, mapping exactly the tables the foreign keys lead to the subject from.
@Suite struct DataMapScaffoldTests {
    let workspace: TestWorkspace

    init() throws {
        workspace = try TestWorkspace()
    }

    func scaffoldPasses(_ configuration: URL, subject: String, identities: [String] = []) throws -> String {
        let folder = configuration.deletingLastPathComponent()
        let out = folder.appendingPathComponent("scaffold.yaml")
        let written = try ExternalTools.dsr(["datamap", "scaffold", "--config", configuration.path, "--subject", subject, "--out", out.path]
                                            + identities.flatMap { ["--identity", $0] })
        #expect(written.status == 0, "\(written.stderr)")
        let again = try ExternalTools.dsr(["datamap", "scaffold", "--config", configuration.path, "--out", out.path])
        #expect(again.status == 73, "an existing map is never overwritten")
        let text = try String(contentsOf: configuration, encoding: .utf8)
        try text.replacingOccurrences(of: "datamap: datamap.yaml", with: "datamap: scaffold.yaml").write(to: configuration, atomically: true, encoding: .utf8)
        let check = try workspace.installation(configuration).checkDataMap()
        #expect(check.errors == [], "\(check.errors)")
        return try String(contentsOf: out, encoding: .utf8)
    }

    /// The tables reachable from `subject` over the store's foreign keys.
    func foreignKeyGraph(_ configuration: URL, from subject: String) throws -> Set<String> {
        let schema = try workspace.installation(configuration).store().schema()
        var reached: Set<String> = [subject]
        var grew = true
        while grew {
            grew = false
            for table in schema.tables.values where !reached.contains(table.name)
                && table.foreignKeys.contains(where: { reached.contains($0.targetTable) }) {
                reached.insert(table.name)
                grew = true
            }
        }
        return reached
    }

    @Test(arguments: StoreKind.allCases)
    func theDemoStoresScaffoldPassesTheCheck(_ kind: StoreKind) throws {
        let configuration = try workspace.demo(on: kind)
        let graph = try foreignKeyGraph(configuration, from: "customers")
        let yaml = try scaffoldPasses(configuration, subject: "customers")
        let map = try DataMap.load(from: configuration.deletingLastPathComponent().appendingPathComponent("scaffold.yaml"))
        #expect(Set(map.tables.map(\.name)) == graph)
        #expect(graph.count == 5)  // the consents are in the marketing store
        #expect(map.identities.keys.sorted() == ["email", "id", "phone"])
        #expect(map.table(named: "orders")?.column(named: "shipping_address")?.category == .location)
        #expect(map.tables.allSatisfy { $0.columns.allSatisfy { $0.erasure == .keep && !$0.provided } })
        #expect(yaml.contains("REVIEW"))
    }

    @Test func theSecondShapesScaffoldPassesTheCheck() throws {
        let configuration = try workspace.fixture("second-shape", in: "club")
        let graph = try foreignKeyGraph(configuration, from: "Person")
        _ = try scaffoldPasses(configuration, subject: "Person", identities: ["eMail", "Mobile Phone"])
        let map = try DataMap.load(from: configuration.deletingLastPathComponent().appendingPathComponent("scaffold.yaml"))
        #expect(Set(map.tables.map(\.name)) == graph)
        #expect(map.table(named: "Shipment Event")!.pathToSubject.map(\.targetTable) == ["LineItem", "Order", "Person"])
        #expect(map.identities["mobile_phone"]?.normalization == .phone && map.identities["email"]?.normalization == .email)
    }
}
