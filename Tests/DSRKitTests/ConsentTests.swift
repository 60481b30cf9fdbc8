import DSRCore
import DSRKit
import Foundation
import GRDB
import Testing

/// The consent ledger's rules, one hand-built person per rule (fixtures/consent-rules).
@Suite struct ConsentRuleTests {
    let workspace: TestWorkspace
    let configuration: URL
    let database: DatabaseQueue
    let now = Timestamp.parse("2026-06-15T12:00:00Z")!

    init() throws {
        workspace = try TestWorkspace()
        configuration = try workspace.fixture("consent-rules", in: "rules")
        database = try DatabaseQueue(path: workspace.url("rules/store.sqlite").path)
    }

    /// A person with an email address and a phone number.
    func person(_ id: Int, restricted: Bool = false) throws {
        try database.write { db in
            try db.execute(sql: "INSERT INTO people (id, email, phone, name, restricted) VALUES (?, ?, ?, ?, ?)",
                           arguments: [id, "p\(id)@example.no", "+479000000\(id)", "Person \(id)", restricted])
        }
    }

    func consent(_ person: Int, channel: String = "email", purpose: String = "newsletter", granted: String = "2026-01-10T10:00:00Z",
                 confirmed: String? = "2026-01-10T10:05:00Z", validUntil: String = "2027-01-10", withdrawn: String? = nil) throws {
        try database.write { db in
            try db.execute(sql: """
                INSERT INTO consents (person_id, purpose, channel, text, version, via, granted_at, confirmed_at, valid_until, withdrawn_at)
                VALUES (?, ?, ?, 'Yes, send me the newsletter.', 'v1', 'signup form /join', ?, ?, ?, ?)
                """, arguments: [person, purpose, channel, granted, confirmed, validUntil, withdrawn])
        }
    }

    func membership(_ person: Int, expires: String) throws {
        try database.write { db in
            try db.execute(sql: "INSERT INTO memberships (person_id, expires_on) VALUES (?, ?)", arguments: [person, expires])
        }
    }

    /// Who may be contacted, as customer key → basis.
    func eligible(_ channel: ConsentChannel, _ purpose: String = "newsletter", at time: Date? = nil) throws -> [String: String] {
        var result: [String: String] = [:]
        try ConsentEligibility(installation: try workspace.installation(configuration), channel: channel, purpose: purpose)
            .forEach(now: time ?? now) { result[$0.customerKey] = $0.basis }
        return result
    }

    @Test func aConsentByEmailDoesNotAllowSMS() throws {
        try person(1)
        try consent(1, channel: "email")
        #expect(try eligible(.email) == ["1": "consent"])
        #expect(try eligible(.sms) == [:])
        #expect(try eligible(.email, "offers") == [:])
    }

    @Test func anUnconfirmedEmailConsentDoesNotCount() throws {
        try person(2)
        try consent(2, confirmed: nil)
        #expect(try eligible(.email) == [:])
    }

    @Test func anExpiredConsentDoesNotCount() throws {
        try person(3)
        try consent(3, validUntil: "2026-06-14")
        #expect(try eligible(.email) == [:])
        try consent(3, validUntil: "2026-06-15")
        #expect(try eligible(.email) == ["3": "consent"])
    }

    @Test func aWithdrawalBeatsAnImportedGrantFromBeforeIt() throws {
        try person(4)
        try consent(4, granted: "2026-02-01T09:00:00Z", withdrawn: "2026-03-01T09:00:00Z")
        let file = try workspace.write("""
            email,purpose,channel,text,text_version,collected_via,granted_at,confirmed_at,valid_until,pre_ticked
            p4@example.no,newsletter,email,"Yes, send me the newsletter.",v1,old shop /signup,2026-01-15T10:00:00Z,2026-01-15T10:10:00Z,2027-01-15,false
            """, to: "older-grant.csv")
        let outcome = try ConsentImport(installation: try workspace.installation(configuration)).run(file, now: now)
        #expect(outcome.imported == 1 && outcome.rejected == [])
        #expect(try eligible(.email) == [:])
        // A consent given again after the withdrawal counts.
        try consent(4, granted: "2026-04-01T09:00:00Z", confirmed: "2026-04-01T09:03:00Z")
        #expect(try eligible(.email) == ["4": "consent"])
    }

    @Test func softOptInHoldsDuringMembershipAndGraceNotAfter() throws {
        try person(5)
        try membership(5, expires: "2026-06-01")
        #expect(try eligible(.email) == ["5": "soft-opt-in"])
        #expect(try eligible(.sms) == ["5": "soft-opt-in"])
        #expect(try eligible(.email, at: Timestamp.parse("2026-07-01T10:00:00Z")!) == ["5": "soft-opt-in"])
        #expect(try eligible(.email, at: Timestamp.parse("2026-07-02T10:00:00Z")!) == [:])
        #expect(try eligible(.email, "offers") == [:], "only the purposes the data map names are the company's own similar products")
        var contacts: [ConsentEligibility.Contact] = []
        try ConsentEligibility(installation: try workspace.installation(configuration), channel: .email, purpose: "newsletter")
            .forEach(now: now) { contacts.append($0) }
        #expect(contacts.first?.relationship == "memberships")
        #expect(contacts.first?.softOptInUntil == "2026-07-01")
    }

    @Test func anObjectingPersonNeverAppears() throws {
        try person(6)
        try membership(6, expires: "2027-01-01")
        try person(61)
        try consent(61)
        #expect(try eligible(.email) == ["6": "soft-opt-in", "61": "consent"])
        try workspace.write("""
            id: OBJ-6
            type: objection
            received_at: 2026-06-14T09:00:00+02:00
            subject: {email: P6@Example.no}
            verification: {method: email-link, verified_at: 2026-06-14T09:05:00+02:00}
            scope: {purposes: [newsletter], channels: [email]}
            """, to: "rules/inbox/objection.yaml")
        try workspace.write("""
            id: OBJ-61
            type: objection
            received_at: 2026-06-14T09:00:00+02:00
            subject: {email: p61@example.no}
            verification: {method: email-link, verified_at: 2026-06-14T09:05:00+02:00}
            """, to: "rules/inbox/objection-all.yaml")
        try workspace.runNightly(configuration, at: "2026-06-14T23:00:00Z")
        #expect(try eligible(.email) == [:])
        #expect(try eligible(.sms) == ["6": "soft-opt-in"], "the objection named email only")
    }

    @Test func restrictedPeopleAreLeftOut() throws {
        try person(7, restricted: true)
        try consent(7)
        #expect(try eligible(.email) == [:])
    }

    @Test func phoneIsAllowedUnlessThePersonObjected() throws {
        try person(8)
        try person(9)
        try consent(9, channel: "phone", purpose: "offers", withdrawn: "2026-05-01T10:00:00Z")
        #expect(try eligible(.phone, "offers") == ["8": "no-objection"])
    }

    @Test func nightlyHygieneExpiresConsentsAndCountsEndedSoftOptIns() throws {
        try person(10)
        try consent(10, validUntil: "2026-06-10")
        try person(11)
        try membership(11, expires: "2026-05-15")  // soft opt-in until 2026-06-14
        try person(12)
        try membership(12, expires: "2026-05-15")
        try membership(12, expires: "2027-01-01")  // a later membership: nothing ends
        let first = try workspace.runNightly(configuration, at: "2026-06-13T23:00:00Z")
        #expect(first.consentHygiene?.consentsExpired == 1)
        #expect(first.consentHygiene?.softOptInsEnded == 0)
        let second = try workspace.runNightly(configuration, at: "2026-06-15T23:00:00Z")
        #expect(second.consentHygiene?.consentsExpired == 0)
        #expect(second.consentHygiene?.softOptInsEnded == 1)
        #expect(second.text.contains("consents: 0 expired, 1 soft opt-ins ended"))
        let expiredAt = try database.read { db in try String.fetchOne(db, sql: "SELECT expired_at FROM consents WHERE person_id = 10") }
        #expect(expiredAt == "2026-06-13T23:00:00Z")
    }
}

/// Importing consents and the demo store's eligible list.
@Suite struct ConsentLedgerTests {
    let workspace: TestWorkspace
    let configuration: URL
    let now = Timestamp.parse("2026-11-22T12:00:00Z")!

    init() throws {
        workspace = try TestWorkspace()
        configuration = try workspace.demo()
    }

    var store: URL { workspace.url("demo/store.sqlite") }
    var marketing: URL { workspace.url("demo/marketing.sqlite") }

    @Test func importAcceptsGoodRowsAndNamesEachBadOne() throws {
        let header = "email,customer_no,purpose,channel,text,text_version,collected_via,granted_at,confirmed_at,valid_until,pre_ticked"
        let text = "\"Yes, send me offers by email.\""
        let file = try workspace.write("""
            \(header)
            kari.nordmann1@example.no,,offers,email,\(text),offers-v1,app /settings,2026-11-01T10:00:00Z,2026-11-01T10:02:00Z,2027-11-01,false
            ,C-000002,offers,sms,\(text),offers-v1,app /settings,2026-11-01T10:00:00Z,2026-11-01T10:02:00Z,2027-11-01,false
            ,C-000003,offers,email,\(text),offers-v1,app /settings,2026-11-01T10:00:00Z,2026-11-01T10:02:00Z,2027-11-01,true
            ,C-000004,offers,email,\(text),,app /settings,2026-11-01T10:00:00Z,2026-11-01T10:02:00Z,2027-11-01,false
            ,C-000005,offers,email,\(text),offers-v1,app /settings,2026-11-01T10:00:00Z,,2027-11-01,false
            ,C-000007,offers,all,\(text),offers-v1,app /settings,2026-11-01T10:00:00Z,2026-11-01T10:02:00Z,2027-11-01,false
            ,C-000008,,email,\(text),offers-v1,app /settings,2026-11-01T10:00:00Z,2026-11-01T10:02:00Z,2027-11-01,false
            nobody@example.org,,offers,email,\(text),offers-v1,app /settings,2026-11-01T10:00:00Z,2026-11-01T10:02:00Z,2027-11-01,false
            ,C-000009,offers,email,\(text),offers-v1,app /settings
            ,C-000010,offers,post,\(text),offers-v1,app /settings,2026-11-01T10:00:00Z,,2027-11-01,false
            """, to: "consents.csv")
        let before = try Data(contentsOf: file)
        let count = { try DatabaseQueue(path: self.marketing.path).read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM marketing_consents WHERE purpose = 'offers'")!
        } }
        let outcome = try ConsentImport(installation: try workspace.installation(configuration)).run(file, now: now)
        #expect(outcome.rows == 10)
        // The consents are kept in the marketing store by address: a reader who never bought
        // (nobody@example.org) gives valid evidence too; rows naming a customer by number
        // take the customer's address.
        #expect(outcome.imported == 4)
        #expect(outcome.rejected.map(\.line) == [4, 5, 6, 7, 8, 10])
        let reasons = outcome.rejected.map(\.reason)
        #expect(reasons[0].contains("pre-ticked"))
        #expect(reasons[1].contains("text_version is missing"))
        #expect(reasons[2].contains("no double opt-in confirmation"))
        #expect(reasons[3].contains("one channel"))
        #expect(reasons[4].contains("purpose"))
        #expect(reasons[5].contains("has 7 fields; the header has 11"))
        #expect(try count() == 4)
        let addresses = try DatabaseQueue(path: marketing.path).read { db in
            try String.fetchAll(db, sql: "SELECT email FROM marketing_consents WHERE purpose = 'offers' ORDER BY id")
        }
        let customer2 = try DatabaseQueue(path: store.path).read { db in try String.fetchOne(db, sql: "SELECT email FROM customers WHERE id = 2")! }
        #expect(addresses == ["kari.nordmann1@example.no", customer2.lowercased(), "nobody@example.org",
                              try DatabaseQueue(path: store.path).read { db in try String.fetchOne(db, sql: "SELECT lower(email) FROM customers WHERE id = 10")! }])
        #expect(try Data(contentsOf: file) == before, "the import file is left as it was")
        for reason in reasons { #expect(!reason.contains("@example") && !reason.contains("C-0000")) }

        let again = try ConsentImport(installation: try workspace.installation(configuration)).run(file, now: now)
        #expect(again.imported == 0 && again.alreadyThere == 4)
        #expect(try count() == 4)
        let trail = try Ledger(url: workspace.url("demo/ledger/ledger.sqlite")).auditEntries().map(\.action)
        #expect(trail.filter { $0 == "consent import" }.count == 2)
    }

    @Test func demoEligibleListEqualsIndependentSQL() throws {
        var contacts: [ConsentEligibility.Contact] = []
        try ConsentEligibility(installation: try workspace.installation(configuration), channel: .email, purpose: "newsletter")
            .forEach(now: now) { contacts.append($0) }
        let listed = contacts.map(\.customerKey)
        let bases = Set(contacts.map(\.basis))
        // The consents are in the marketing store, by address: the same rules written by
        // hand over both stores attached together.
        let database = try DatabaseQueue(path: store.path)
        let (expected, readers) = try database.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS marketing", arguments: [marketing.path])
            let standing = """
                SELECT 1 FROM marketing.marketing_consents m
                WHERE lower(trim(m.email)) = lower(trim(%@)) AND m.purpose = 'newsletter' AND m.channel = 'email'
                  AND m.withdrawn_at IS NULL AND m.expired_at IS NULL AND m.confirmed_at >= m.granted_at
                  AND m.granted_at <= :now AND m.valid_until >= :today
                  AND NOT EXISTS (SELECT 1 FROM marketing.marketing_consents w WHERE lower(trim(w.email)) = lower(trim(m.email))
                                  AND w.purpose = m.purpose AND w.channel = m.channel AND w.withdrawn_at >= m.granted_at)
                """
            let arguments: StatementArguments = ["now": Timestamp.format(now), "today": "2026-11-22"]
            let customers = try Int64.fetchAll(db, sql: """
                SELECT c.id FROM customers c
                WHERE c.restricted = 0 AND c.email IS NOT NULL AND c.email <> '' AND (
                    EXISTS (\(standing.replacingOccurrences(of: "%@", with: "c.email")))
                    OR (NOT EXISTS (SELECT 1 FROM marketing.marketing_consents x WHERE lower(trim(x.email)) = lower(trim(c.email))
                                    AND x.purpose = 'newsletter' AND x.channel = 'email' AND x.withdrawn_at IS NOT NULL)
                        AND (EXISTS (SELECT 1 FROM loyalty_memberships l WHERE l.customer_id = c.id AND l.expires_at >= date(:today, '-90 days'))
                             OR EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id
                                        AND date(o.ordered_at, '+365 days') >= date(:today, '-90 days')))))
                ORDER BY c.id
                """, arguments: arguments)
            let readers = try String.fetchAll(db, sql: """
                SELECT DISTINCT lower(trim(r.email)) FROM marketing.marketing_consents r
                WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE lower(trim(c.email)) = lower(trim(r.email)))
                  AND EXISTS (\(standing.replacingOccurrences(of: "%@", with: "r.email")))
                ORDER BY 1
                """, arguments: arguments)
            return (customers, readers)
        }
        #expect(listed.filter { !$0.isEmpty }.sorted { Int($0)! < Int($1)! } == expected.map(String.init))
        #expect(contacts.filter { $0.customerKey.isEmpty }.map(\.contact).sorted() == readers)
        #expect(listed.count > 10 && readers.count == 11)
        #expect(bases == ["consent", "soft-opt-in"])
    }

    @Test func accessReportsCarryTheConsentHistoryWithItsEvidence() throws {
        try workspace.runNightly(configuration)
        let report = try AnswerDocuments.json(workspace.url("demo/outbox"), "REQ-DEMO-0001", .accessReport)
        let consents = try #require(AnswerDocuments.rowsByTable(report)["marketing_consents"])
        #expect(!consents.isEmpty)
        for row in consents {
            for column in ["consent_text", "text_version", "collected_via", "granted_at", "confirmed_at", "valid_until", "withdrawn_at",
                           "withdrawn_via", "expired_at"] {
                #expect(row[column] != nil, "\(column) missing from the access report")
            }
            #expect(row["consent_text"]?.hasPrefix("text:Yes, send me the Demo Shop newsletter") == true)
        }
    }
}
