import DSRCore
import Foundation

/// What the officer's status page shows, read from the ledger: request ids, types, states,
/// dates and counts, never an identity.
public struct StatusFigures: Sendable {
    public var generatedAt: Date
    public var today: CalendarDay
    /// Every request in the ledger, by state and type.
    public var counts: RequestCounts
    /// Open requests past their due date, and those due in the next 7 days.
    public var deadlines: DeadlineReport
    /// Open requests by how many days they have been open.
    public var ageing: [Bucket]
    /// Open requests due on each of the next 30 days (today first).
    public var dueTimeline: [Bucket]
    /// Every breach's 72-hour clock, drafts, submitted and overdue alike.
    public var breaches: [BreachClock]
    /// The last 90 days, oldest first: what the runs of each day did.
    public var days: [RunDay]
    /// The last 12 months, oldest first: requests received, by type.
    public var months: [Month]
    /// Requests whose details the ledger's retention has deleted (their counts stay).
    public var detailsDeleted: Int
    /// When the oldest open request arrived; nil when none is open.
    public var oldestOpenReceivedAt: Date?
    /// The earliest due date of an open request.
    public var nextDueDate: CalendarDay?
    /// Art. 19 notices sent and neither acknowledged nor exempted.
    public var recipientNoticesAwaiting = 0

    /// A labelled count.
    public struct Bucket: Sendable, Equatable {
        public var label: String
        public var count: Int
    }

    /// The runs of one day.
    public struct RunDay: Sendable, Equatable {
        public var day: CalendarDay
        public var runs = 0
        /// Requests answered or carried out.
        public var requestsDone = 0
        /// Wall time of the day's runs, in seconds.
        public var seconds = 0.0
        /// Requests that failed, and runs that did not finish.
        public var failures = 0
    }

    /// Requests received in one calendar month of the controller's zone.
    public struct Month: Sendable, Equatable {
        /// `yyyy-MM`.
        public var month: String
        public var byType: [RequestType: Int]
        public var total: Int { byType.values.reduce(0, +) }
    }

    /// The days-open groups of the ageing chart, by their first day.
    static let ageingStarts = [0, 7, 14, 21, 28, 35]

    /// Reads the figures from the ledger as of `now`, days counted in the controller's zone
    /// and due days by its calendar and identification clock. Notices unacknowledged after
    /// `acknowledgementDays` count as overdue.
    public init(ledger: Ledger, now: Date, controller: Configuration.Controller, acknowledgementDays: Int = 30) throws {
        let zone = controller.timeZone
        generatedAt = now
        today = CalendarDay(now, in: zone)
        let today = today
        counts = try ledger.requests(matching: RequestFilter(), today: today).counts
        let open = try ledger.requests(in: RequestState.allCases.filter { !$0.isFinal })
        let allBreaches = try ledger.breaches()
        deadlines = DeadlineReport(records: open, today: today, withinDays: 7, controller: controller,
                                   breaches: BreachClock.open(allBreaches, now: now, zone: zone),
                                   unacknowledged: try ledger.unacknowledgedNotices(olderThan: acknowledgementDays, now: now))
        recipientNoticesAwaiting = try ledger.unacknowledgedNotices(olderThan: 0, now: now).count
        breaches = BreachClock.all(allBreaches, now: now, zone: zone)
        oldestOpenReceivedAt = open.map(\.receivedAt).min()
        nextDueDate = open.compactMap { CalendarDay(iso: $0.dueDate) }.min()

        let starts = Self.ageingStarts
        ageing = starts.enumerated().map { index, first in
            let next = index + 1 < starts.count ? starts[index + 1] : nil
            let count = open.filter { record in
                let days = CalendarDay(record.receivedAt, in: zone).days(until: today)
                return days >= first && next.map { days < $0 } ?? true
            }.count
            return Bucket(label: next.map { "\(first)–\($0 - 1)" } ?? "\(first)+", count: count)
        }
        dueTimeline = (0..<30).map { offset in
            let day = today.adding(days: offset).description
            return Bucket(label: day, count: open.filter { $0.dueDate == day }.count)
        }

        let firstDay = today.adding(days: -89)
        var days = (0..<90).map { RunDay(day: firstDay.adding(days: $0)) }
        for run in try ledger.runs(since: firstDay.start(in: zone)) {
            let index = firstDay.days(until: CalendarDay(run.startedAt, in: zone))
            guard days.indices.contains(index) else { continue }
            days[index].runs += 1
            guard let finishedAt = run.finishedAt else {
                days[index].failures += 1
                continue
            }
            days[index].requestsDone += run.requestsDone
            days[index].seconds += finishedAt.timeIntervalSince(run.startedAt)
            days[index].failures += run.requestsFailed
        }
        self.days = days

        let firstMonth = CalendarDay(year: today.year, month: today.month, day: 1).adding(months: -11)
        let boundaries = (0...12).map { firstMonth.adding(months: $0) }
        months = try zip(boundaries, ledger.receivedCounts(between: boundaries.map { $0.start(in: zone) })).map { start, byType in
            Month(month: String(start.description.prefix(7)), byType: byType)
        }
        detailsDeleted = try ledger.purgedRequestCount()
    }
}
