import DSRCore
import DSRKit
import Foundation
import GRDB
import Testing

/// Art. 12(3) deadlines: one month, rolled to a working day, extended, paused.
@Suite struct DeadlineTests {
    let oslo = TimeZone(identifier: "Europe/Oslo")!
    let norway = DeadlineCalendar(holidays: .norway)

    func due(_ received: String, calendar: DeadlineCalendar? = nil, extended: Bool = false, pausedDays: Int = 0) -> String {
        var deadline = RequestDeadline(receivedAt: Timestamp.parse(received)!, in: oslo)
        deadline.extended = extended
        deadline.pausedDays = pausedDays
        return deadline.dueDate(in: calendar ?? norway).description
    }

    @Test func easterIsComputed() {
        #expect(HolidayCalendar.easterSunday(2025).description == "2025-04-20")
        #expect(HolidayCalendar.easterSunday(2026).description == "2026-04-05")
        #expect(HolidayCalendar.easterSunday(2027).description == "2027-03-28")
        #expect(HolidayCalendar.easterSunday(2038).description == "2038-04-25")
    }

    @Test func oneCalendarMonthOnWorkingDays() {
        #expect(due("2027-03-05T10:00:00+01:00") == "2027-04-05")  // a Monday
        #expect(due("2027-01-31T10:00:00+01:00", calendar: DeadlineCalendar(holidays: .none)) == "2027-03-01")  // 28 Feb is a Sunday
        #expect(due("2028-01-31T10:00:00+01:00") == "2028-02-29")
        #expect(due("2026-08-31T10:00:00+02:00") == "2026-09-30")
    }

    @Test func weekendsAndHolidaysRollOn() {
        #expect(due("2026-10-21T10:00:00+02:00") == "2026-11-23")  // 21 November 2026 is a Saturday
        #expect(due("2026-03-06T10:00:00+01:00") == "2026-04-07")  // 6 April 2026 is Easter Monday in Norway
        #expect(due("2027-04-17T10:00:00+02:00") == "2027-05-18")  // 17 May 2027 is a Monday
        #expect(due("2026-11-25T10:00:00+01:00") == "2026-12-28")  // 25 Dec Friday, weekend, 28 Dec Monday
        let sweden = DeadlineCalendar(holidays: .sweden)
        #expect(due("2026-05-19T10:00:00+02:00", calendar: sweden) == "2026-06-22")  // midsummer eve 19 June, then the weekend
        let extra = DeadlineCalendar(holidays: .norway, extraHolidays: [CalendarDay(iso: "2027-04-05")!])
        #expect(due("2027-03-05T10:00:00+01:00", calendar: extra) == "2027-04-06")
    }

    @Test func extensionAddsTwoMonthsToTheUnrolledDate() {
        // Received 31 January 2026: one month is Saturday 28 February (due Monday 2 March);
        // extended, 28 February + 2 months = Tuesday 28 April.
        #expect(due("2026-01-31T10:00:00+01:00") == "2026-03-02")
        #expect(due("2026-01-31T10:00:00+01:00", extended: true) == "2026-04-28")
    }

    @Test func pausedDaysMoveTheDueDate() {
        #expect(due("2027-03-05T10:00:00+01:00", pausedDays: 3) == "2027-04-08")
    }

    @Test func receiptLateOnTheLastDayOfAMonthCountsInTheControllersZone() {
        // 23:30 UTC on 31 October 2026 is 00:30 on 1 November in Oslo.
        #expect(due("2026-10-31T23:30:00Z") == "2026-12-01")
    }
}

/// The request lifecycle in the ledger, with its audit trail.
@Suite struct LifecycleTests {
    let workspace: TestWorkspace
    let configuration: URL
    let ledger: Ledger
    let controller: DSRKit.Configuration.Controller

    init() throws {
        workspace = try TestWorkspace()
        configuration = try workspace.demo()
        try workspace.runNightly(configuration, at: "2026-11-22T03:00:00Z")
        ledger = try Ledger(url: workspace.url("demo/ledger/ledger.sqlite"))
        controller = try DSRKit.Configuration.load(from: configuration).controller
    }

    func at(_ text: String) -> Date { Timestamp.parse(text)! }

    @Test func verifyingAnAwaitingRequestLetsTheNextRunAnswerIt() throws {
        let verified = try ledger.verify("REQ-DEMO-0003", method: "bankid", now: at("2026-11-22T08:00:00Z"), controller: controller)
        #expect(verified.state == .pending && verified.verificationMethod == "bankid")
        let summary = try workspace.runNightly(configuration, at: "2026-11-23T03:00:00Z")
        #expect(summary.done == ["access": 1])
        #expect(Manifest.verified(in: workspace.url("demo/outbox/REQ-DEMO-0003")) != nil)
    }

    /// The night's verification letter asked for identification the day after receipt, so
    /// under the EEA rule (the default) the clock is suspended from the letter's day.
    @Test func pauseAndResumeMoveTheDueDateByTheWholeDaysPaused() throws {
        let before = try ledger.requests(id: "REQ-DEMO-0003")[0]
        #expect(before.dueDate == "2026-12-21" && before.pausedAt == at("2026-11-22T03:00:00Z"))
        #expect(throws: DSRError.self) { try ledger.pause("REQ-DEMO-0003", now: at("2026-11-22T10:00:00Z")) }
        let resumed = try ledger.resume("REQ-DEMO-0003", now: at("2026-11-25T16:00:00Z"), controller: controller)
        #expect(resumed.pausedDays == 3)
        #expect(resumed.dueDate == "2026-12-24")  // 21 Dec + 3 days; Christmas Eve is a working day in Norway
    }

    @Test func extensionOnlyBeforeTheDueDate() throws {
        let extended = try ledger.extend("REQ-DEMO-0003", reason: "many requests this month", now: at("2026-12-01T09:00:00Z"), controller: controller)
        #expect(extended.dueDate == "2027-02-22")  // base 21 Dec + 2 months = 21 Feb 2027, a Sunday
        #expect(throws: DSRError.self) {
            try ledger.extend("REQ-DEMO-0003", reason: "again", now: at("2026-12-02T09:00:00Z"), controller: controller)
        }
        do {
            _ = try ledger.extend("REQ-DEMO-0005", reason: "late", now: at("2026-12-22T09:00:00Z"), controller: controller)
            Issue.record("extended after the due date")
        } catch let error as DSRError {
            #expect(error.status == .dataError && error.message.contains("only before the due date"))
        }
    }

    @Test func reviewRetriesOrRejects() throws {
        #expect(try ledger.review("REQ-DEMO-0007", retry: false, reason: "the family address cannot tell who asked", now: Date()).state == .rejected)
        #expect(try ledger.review("REQ-DEMO-0005", retry: true, reason: nil, now: Date()).state == .pending)
        #expect(try ledger.cancel("REQ-DEMO-0003", reason: "withdrawn by the person", now: Date()).state == .cancelled)
        #expect(try ledger.requests(id: "REQ-DEMO-0003")[0].payload == nil)
    }

    @Test func deadlinesReportOverdueAndExitNonZero() throws {
        let records = try ledger.requests()
        // REQ-DEMO-0003 waits for identification, its clock suspended since 22 November: not due.
        let report = DeadlineReport(records: records, today: CalendarDay(iso: "2026-12-22")!, withinDays: 7, controller: controller)
        #expect(report.overdue.map(\.id) == ["REQ-DEMO-0005", "REQ-DEMO-0007"])
        #expect(report.exitStatus == .attentionNeeded)
        let early = DeadlineReport(records: records, today: CalendarDay(iso: "2026-12-15")!, withinDays: 7, controller: controller)
        #expect(early.overdue.isEmpty && early.dueSoon.map(\.id) == ["REQ-DEMO-0005", "REQ-DEMO-0007"])
        // The command line on a clock set to 25 November 2026 (faketime, whatever clock the
        // tests run under), never on today's date.
        let onTime = try ExternalTools.run(URL(fileURLWithPath: "/usr/bin/env"),
                                           ["-u", "FAKETIME", "-u", "LD_PRELOAD", "-u", "FAKETIME_SHARED", "NO_FAKE_STAT=1", "faketime", "2026-11-25 12:00:00", ExternalTools.dsrBinary.path,
                                            "deadlines", "--config", configuration.path, "--json"])
        #expect(onTime.status == 0, "\(onTime.stderr)")
        let late = try ExternalTools.run(URL(fileURLWithPath: "/usr/bin/env"),
                                         ["-u", "FAKETIME", "-u", "LD_PRELOAD", "-u", "FAKETIME_SHARED", "NO_FAKE_STAT=1", "faketime", "2026-12-22 12:00:00", ExternalTools.dsrBinary.path,
                                          "deadlines", "--config", configuration.path, "--json"])
        #expect(late.status == 1, "overdue on 22 December")
    }

    @Test func auditTrailChainsEveryChangeAndNamesTheFirstBrokenEntry() throws {
        _ = try ledger.verify("REQ-DEMO-0003", method: "bankid", now: Date(), controller: controller)
        let intact = try ledger.verifyAudit()
        #expect(intact.firstBrokenEntry == nil && intact.entries > 20)
        let trail = try ledger.auditEntries(requestID: "REQ-DEMO-0001").map(\.action)
        #expect(trail == ["received", "state", "state"])  // received → in-progress → completed
        let raw = try String(contentsOf: workspace.url("demo/ledger/ledger.sqlite"), encoding: .isoLatin1)
        #expect(!raw.contains("kari.nordmann1@example.no"))

        // The database refuses edits; a byte flipped in the file is caught by the chain.
        #expect(throws: (any Error).self) {
            try DatabaseQueue(path: workspace.url("demo/ledger/ledger.sqlite").path).write { db in
                try db.execute(sql: "UPDATE audit SET detail = 'nothing happened' WHERE id = 5")
            }
        }
        let url = workspace.url("demo/ledger/ledger.sqlite")
        try DatabaseQueue(path: url.path).writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        var bytes = try Data(contentsOf: url)
        let marker = Data("request from".utf8)  // only audit entries hold these words
        let range = try #require(bytes.range(of: marker))
        bytes[range.lowerBound] = UInt8(ascii: "X")
        try bytes.write(to: url)
        let output = try ExternalTools.dsr(["audit", "verify", "--config", configuration.path])
        #expect(output.status == 65)
        #expect(output.stdout.contains("audit trail broken at entry"))
    }
}
