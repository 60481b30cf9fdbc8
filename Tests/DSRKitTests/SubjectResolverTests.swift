@testable import DSRKit
import DSRCore
import Foundation
import GRDB
import Testing

/// Resolving identities in batches: one statement per identity and per table for a whole
/// batch, never one per request.
@Suite struct SubjectResolverTests {
    let workspace: TestWorkspace
    let map: DataMap

    init() throws {
        workspace = try TestWorkspace()
        _ = try workspace.demo()
        map = try DataMap.load(from: workspace.url("demo/datamap.yaml"))
    }

    /// The demo store, opened so that every statement it runs is counted.
    func countingStore() throws -> (SQLiteCustomerStore, StatementCounter) {
        let counter = StatementCounter()
        var configuration = GRDB.Configuration()
        configuration.prepareDatabase { db in
            db.trace { event in
                if case .statement(let statement) = event, statement.sql.hasPrefix("SELECT") { counter.increment() }
            }
        }
        return (try SQLiteCustomerStore(url: workspace.url("demo/store.sqlite"), configuration: configuration), counter)
    }

    func request(_ id: String, _ identities: [String: String]) -> DataSubjectRequest {
        DataSubjectRequest(id: id, type: .access, receivedAt: Date(), identities: identities, verification: nil,
                           formats: [.json], changes: [:], scope: nil, note: nil)
    }

    @Test func aWholeBatchCostsOneQueryPerIdentity() throws {
        let (store, counter) = try countingStore()
        _ = try store.schema()
        counter.reset()
        var requests = (1...100).map { request("E\($0)", ["email": try! emailOf($0)]) }
        requests += (101...150).map { request("P\($0)", ["phone": $0 % 2 == 1 ? String(format: "+479%07d", $0) : String(format: "+4670%07d", $0)]) }
        let resolutions = try SubjectResolver(store: store, map: map).resolve(requests)
        #expect(counter.count == 2)
        for number in (1...150) where number != 5 && number != 6 {
            #expect(resolutions[number <= 100 ? "E\(number)" : "P\(number)"] == .found(.integer(Int64(number))))
        }
    }

    /// Addresses that are not plain ASCII go in the same indexed statement as the rest,
    /// spelled out: 256 requests, 10 of them Nordic, cost one statement.
    @Test func nonASCIIAddressesCostNoStatementOfTheirOwn() throws {
        let nordic = ["Øystein.Ås", "ÅSA.LIND", "A\u{30A}se.Bjørk", "Jürgen.Straße", "märta.ekström", "Æsa.Dæhlie", "bjørn.ødegård",
                      "Sjöström.Åke", "ÉLODIE.Müller", "ørjan.lærum"]
        try DatabaseQueue(path: workspace.url("demo/store.sqlite").path).write { db in
            for (offset, local) in nordic.enumerated() {
                try db.execute(sql: "UPDATE customers SET email = ? WHERE id = ?", arguments: ["\(local)@Example.no", 200 + offset])
            }
        }
        let (store, counter) = try countingStore()
        _ = try store.schema()
        counter.reset()
        var requests = (1...246).filter { $0 != 5 && $0 != 6 && !(200..<210).contains($0) }.map { request("E\($0)", ["email": try! emailOf($0)]) }
        requests += nordic.enumerated().map { offset, local in
            request("N\(offset)", ["email": IdentityNormalization.foldedEmail(local.uppercased() + "@example.NO")])
        }
        let resolutions = try SubjectResolver(store: store, map: map).resolve(requests)
        #expect(counter.count == 1)
        for offset in nordic.indices { #expect(resolutions["N\(offset)"] == .found(.integer(Int64(200 + offset)))) }
        #expect(requests.allSatisfy { if case .found = resolutions[$0.id] { return true } else { return false } })
    }

    @Test func answeringABatchCostsOneQueryPerTable() throws {
        let (store, counter) = try countingStore()
        _ = try store.schema()
        counter.reset()
        let subjects = (1...200).map { StoreValue.integer(Int64($0)) }
        var rows = 0
        // The shop's tables; the consents are in the marketing store.
        let shop = map.segments[0].map
        for table in shop.tables {
            try store.forEachRow(of: table, columns: table.columns.map(\.name), subjects: subjects, in: shop) { _, _ in rows += 1 }
        }
        #expect(counter.count == shop.tables.count)
        #expect(rows > 2000)
    }

    @Test func sharedEmailNeedsReview() throws {
        let resolutions = try SubjectResolver(store: try countingStore().0, map: map).resolve([request("R", ["email": try emailOf(5)])])
        #expect(resolutions["R"] == .needsReview("identity 'email' matches 2 people; `dsr review R --identity name=value` adds one that tells them apart"))
    }

    @Test func identitiesOfDifferentPeopleNeedReview() throws {
        let resolutions = try SubjectResolver(store: try countingStore().0, map: map)
            .resolve([request("R", ["email": try emailOf(1), "customer_no": "C-000002"])])
        #expect(resolutions["R"] == .needsReview("the identities point at different people"))
    }

    @Test func oneIdentityMatchingNobodyNeedsReview() throws {
        let resolutions = try SubjectResolver(store: try countingStore().0, map: map)
            .resolve([request("R", ["email": try emailOf(1), "customer_no": "C-999999"])])
        #expect(resolutions["R"] == .needsReview("identity 'customer_no' matches no one while another identity matches a person"))
    }

    @Test func agreeingIdentitiesFindThePerson() throws {
        let resolutions = try SubjectResolver(store: try countingStore().0, map: map)
            .resolve([request("R", ["email": try emailOf(10), "customer_no": "C-000010", "phone": "+46700000010"]),
                      request("N", ["email": "nobody@example.org"])])
        #expect(resolutions["R"] == .found(.integer(10)))
        #expect(resolutions["N"] == .notFound)
    }

    @Test func storedEmailsInOtherCaseStillMatch() throws {
        // Customers whose number divides by 5 are stored with a capital letter.
        let stored = try DatabaseQueue(path: workspace.url("demo/store.sqlite").path).read { db in
            try String.fetchOne(db, sql: "SELECT email FROM customers WHERE id = 10")!
        }
        #expect(stored != stored.lowercased())
        let resolutions = try SubjectResolver(store: try countingStore().0, map: map).resolve([request("R", ["email": stored.lowercased()])])
        #expect(resolutions["R"] == .found(.integer(10)))
    }

    /// The normalised email of a demo customer.
    func emailOf(_ id: Int) throws -> String {
        try DatabaseQueue(path: workspace.url("demo/store.sqlite").path).read { db in
            try String.fetchOne(db, sql: "SELECT lower(trim(email)) FROM customers WHERE id = ?", arguments: [id])!
        }
    }
}

final class StatementCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    var count: Int { lock.withLock { value } }
    func increment() { lock.withLock { value += 1 } }
    func reset() { lock.withLock { value = 0 } }
}
