import DSRCore
import DSRKit
import Foundation
import GRDB
import Testing

/// The data map: parsing with located errors, and the check against the live store.
@Suite struct DataMapTests {
    let workspace: TestWorkspace
    let configuration: URL
    let original: String

    init() throws {
        workspace = try TestWorkspace()
        configuration = try workspace.demo()
        original = try String(contentsOf: workspace.url("demo/datamap.yaml"), encoding: .utf8)
    }

    /// The demo data map with one text replaced.
    @discardableResult
    func mapWith(_ target: String, replacedBy replacement: String) throws -> URL {
        #expect(original.contains(target))
        return try workspace.write(original.replacingOccurrences(of: target, with: replacement), to: "demo/datamap.yaml")
    }

    func check() throws -> DataMapCheck {
        try workspace.installation(configuration).checkDataMap()
    }

    @Test func demoMapFitsDemoStore() throws {
        let check = try check()
        #expect(check.passed)
        #expect(check.findings.filter { $0.severity != .note } == [])
        #expect(check.findings.map(\.field) == ["identities.customer_no", "identities.email", "identities.phone", "tables.marketing_consents.link", "tables"])
    }

    @Test func missingColumnIsNamed() throws {
        try mapWith("      gift_message:", replacedBy: "      gift_note:")
        let check = try check()
        #expect(check.errors.map(\.field) == ["tables.order_lines.columns.gift_note", "tables.order_lines.columns"])
        #expect(check.errors.last?.message.hasPrefix("store column 'gift_message' is not mapped: access reports would leave it out and erasure leave it behind") == true)
    }

    @Test func missingTableWithOtherCaseIsExplained() throws {
        try mapWith("  support_tickets:", replacedBy: "  Support_Tickets:")
        let errors = try check().errors
        #expect(errors.map(\.field) == ["tables.Support_Tickets", "tables.support_tickets"])  // and the store's table is not mapped
        #expect(errors[0].field == "tables.Support_Tickets")
        #expect(errors[0].message.contains("case-sensitive, the store has 'support_tickets'"))
    }

    @Test func nullOnNotNullColumnCannotWork() throws {
        try mapWith("      product_name:     {category: transaction, erasure: keep,",
                    replacedBy: "      product_name:     {category: transaction, erasure: \"null\",")
        #expect(try check().errors.map(\.field) == ["tables.order_lines.columns.product_name.erasure"])
    }

    @Test func rewriteValueMustFitTheType() throws {
        try mapWith("      points:     {category: behavioural,", replacedBy: "      points:     {category: behavioural, erasure: rewrite, value: none,")
        #expect(try check().errors.map(\.field) == ["tables.loyalty_memberships.columns.points.value"])
    }

    @Test func pseudonymiseNeedsATextColumn() throws {
        try mapWith("      total_cents:       {category: financial, provided: false, erasure: keep,",
                    replacedBy: "      total_cents:       {category: financial, provided: false, erasure: pseudonymise,")
        #expect(try check().errors.map(\.field) == ["tables.orders.columns.total_cents.erasure"])
    }

    @Test func tableThatCannotReachTheSubjectIsRefused() throws {
        try mapWith("    references: {order_id: orders.id}\n", replacedBy: "")
        #expect(throws: DSRError.self) { try workspace.installation(configuration) }
        do {
            _ = try workspace.installation(configuration)
        } catch let error as DSRError {
            #expect(error.status == .configuration)
            #expect(error.message.contains("field 'tables.order_lines': no chain of references leads from this table to the subject table 'customers'"))
        }
    }

    @Test func parseProblemsNameFileFieldAndLine() throws {
        let cases: [(String, String, String)] = [
            ("      tier:       {category: preference,", "      tier:       {category: gossip,", "field 'tables.loyalty_memberships.columns.tier.category'"),
            ("    recipients: [posten-bring, zendesk, klarna]", "    recipient: [posten-bring, zendesk, klarna]", "field 'tables.customers.recipient': unknown field"),
            ("  email:       {column: customers.email, normalize: email}", "  email:       {column: customers.mail, normalize: email}", "'customers.mail' is not a mapped column"),
            ("erasure: delete\n    columns:\n      id:         {category: none,", "erasure: shred\n    columns:\n      id:         {category: none,", "unknown erasure action"),
        ]
        for (target, replacement, expected) in cases {
            let url = try mapWith(target, replacedBy: replacement)
            do {
                _ = try DataMap.load(from: url)
                Issue.record("accepted a broken map: \(expected)")
            } catch let error as DSRError {
                #expect(error.status == .configuration)
                #expect(error.message.hasPrefix(url.path + ":"), "\(error.message)")
                #expect(error.message.contains(expected), "\(error.message)")
            }
        }
    }
}

/// `dsr.yaml`: every missing or wrong field is named, with exit status 78.
@Suite struct ConfigurationTests {
    let workspace: TestWorkspace
    let configuration: URL
    let original: String

    init() throws {
        workspace = try TestWorkspace()
        configuration = try workspace.demo()
        original = try String(contentsOf: configuration, encoding: .utf8)
    }

    func problem(_ text: String) throws -> DSRError {
        try workspace.write(text, to: "demo/dsr.yaml")
        do {
            _ = try Configuration.load(from: configuration)
        } catch let error as DSRError {
            return error
        }
        Issue.record("accepted a broken configuration")
        return DSRError(.success, "")
    }

    @Test func pathsAreRelativeToTheFile() throws {
        let loaded = try Configuration.load(from: configuration)
        #expect(loaded.inboxURL == workspace.url("demo/inbox").standardizedFileURL)
        #expect(loaded.ledgerURL == workspace.url("demo/ledger/ledger.sqlite").standardizedFileURL)
        #expect(loaded.controller.timeZone.identifier == "Europe/Oslo")
    }

    @Test func missingStoreIsNamed() throws {
        let stores = try #require(original.range(of: #"stores:.*\n(  .*\n)+"#, options: .regularExpression))
        let error = try problem(original.replacingCharacters(in: stores, with: ""))
        #expect(error.status == .configuration)
        #expect(error.message.contains("field 'store': is required"))
    }

    @Test func wrongFieldsAreNamed() throws {
        let cases: [(String, String, String)] = [
            ("time_zone: Europe/Oslo", "time_zone: Europe/Atlantis", "field 'controller.time_zone': unknown time zone"),
            ("type: sqlite", "type: oracle", "field 'stores.shop.type': unknown store type"),
            ("default_phone_region: \"NO\"", "default_phone_region: XX", "field 'controller.default_phone_region'"),
            ("outbox: outbox", "outbox: outbox\noutbx: typo", "field 'outbx': unknown field"),
            ("  name: Demo Shop AS\n", "", "field 'controller.name': is required"),
        ]
        for (target, replacement, expected) in cases {
            #expect(original.contains(target))
            let error = try problem(original.replacingOccurrences(of: target, with: replacement))
            #expect(error.status == .configuration)
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test func missingFileSaysHowToGiveOne() throws {
        do {
            _ = try Configuration.load(from: workspace.url("nowhere.yaml"))
            Issue.record("loaded a missing file")
        } catch let error as DSRError {
            #expect(error.status == .configuration)
            #expect(error.message.contains("--config"))
        }
    }

    @Test func resolutionPrefersFlagThenEnvironment() {
        #expect(Configuration.resolveFile(explicit: "/a/x.yaml", environment: ["DSR_CONFIG": "/b/y.yaml"]).path == "/a/x.yaml")
        #expect(Configuration.resolveFile(explicit: nil, environment: ["DSR_CONFIG": "/b/y.yaml"]).path == "/b/y.yaml")
        #expect(Configuration.resolveFile(explicit: nil, environment: [:]).lastPathComponent == "dsr.yaml")
    }

    @Test func hmacKeyReadableByOthersIsRefused() throws {
        chmod(workspace.url("demo/secrets/hmac.key").path, 0o644)
        #expect(throws: DSRError.self) { try SubjectKeyring(contentsOf: workspace.url("demo/secrets/hmac.key")) }
    }
}
