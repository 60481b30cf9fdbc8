import DSRCore
import Foundation
import GRDB

/// Which requests of the ledger to list: `dsr status`'s filters. Every condition given
/// must hold; an empty filter lists every request.
public struct RequestFilter: Sendable, Equatable {
    /// Only this request.
    public var id: String?
    /// Only requests in one of these states (any state when empty).
    public var states: [RequestState] = []
    /// Only requests of one of these types (any type when empty).
    public var types: [RequestType] = []
    /// Only open requests past their due date.
    public var overdue = false
    /// Only open requests due from today to this many days ahead, as `dsr deadlines`
    /// counts "due soon".
    public var dueWithinDays: Int?
    /// Only requests received at or after this moment.
    public var receivedSince: Date?
    /// At most this many requests are listed, oldest receipt first; counts cover them all.
    public var limit: Int?

    public init(id: String? = nil, states: [RequestState] = [], types: [RequestType] = [], overdue: Bool = false,
                dueWithinDays: Int? = nil, receivedSince: Date? = nil, limit: Int? = nil) {
        self.id = id
        self.states = states
        self.types = types
        self.overdue = overdue
        self.dueWithinDays = dueWithinDays
        self.receivedSince = receivedSince
        self.limit = limit
    }

    /// The filter as a query on the ledger's requests, against today's date in the
    /// controller's zone; without the limit, which only the listing takes.
    func query(today: CalendarDay) -> QueryInterfaceRequest<LedgerRequest> {
        var query = LedgerRequest.all()
        let open = !RequestState.allCases.filter(\.isFinal).map(\.rawValue).contains(Column("state"))
        if let id { query = query.filter(key: id) }
        if !states.isEmpty { query = query.filter(states.map(\.rawValue).contains(Column("state"))) }
        if !types.isEmpty { query = query.filter(types.map(\.rawValue).contains(Column("type"))) }
        if overdue { query = query.filter(open && Column("due_date") < today.description) }
        if let dueWithinDays {
            query = query.filter(open && Column("due_date") >= today.description
                                 && Column("due_date") <= today.adding(days: dueWithinDays).description)
        }
        if let receivedSince { query = query.filter(Column("received_at") >= receivedSince.ledgerValue) }
        return query
    }
}

/// How many requests there are, by state and by type.
public struct RequestCounts: Sendable, Codable, Equatable {
    public var total = 0
    public var byState: [String: Int] = [:]
    public var byType: [String: Int] = [:]
    /// Requests by state, then type: the table of the status page.
    public var byStateAndType: [String: [String: Int]] = [:]

    enum CodingKeys: String, CodingKey {
        case total, byState = "by_state", byType = "by_type", byStateAndType = "by_state_and_type"
    }

    public init() {}

    /// Adds `count` requests of a state and type.
    mutating func add(_ count: Int, state: String, type: String) {
        total += count
        byState[state, default: 0] += count
        byType[type, default: 0] += count
        byStateAndType[state, default: [:]][type, default: 0] += count
    }
}

extension Ledger {
    /// The requests a filter selects, oldest receipt first and up to its limit, with the
    /// counts of all it selects.
    public func requests(matching filter: RequestFilter, today: CalendarDay) throws -> (requests: [LedgerRequest], counts: RequestCounts) {
        try read { db in
            let query = filter.query(today: today)
            var counts = RequestCounts()
            let rows = try Row.fetchAll(db, query.select(Column("state"), Column("type"), count(Column("id")).forKey("n"))
                .group(Column("state"), Column("type")))
            for row in rows { counts.add(row["n"], state: row["state"], type: row["type"]) }
            var listing = query.order(Column("received_at"), Column("id"))
            if let limit = filter.limit { listing = listing.limit(limit) }
            return (try listing.fetchAll(db), counts)
        }
    }
}
