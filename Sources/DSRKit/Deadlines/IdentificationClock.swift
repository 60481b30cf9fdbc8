import DSRCore
import Foundation

/// How a request's month runs while the person's identity is being confirmed, as the
/// configuration chooses (`controller.identification_clock`).
public enum IdentificationClock: String, Sendable, CaseIterable {
    /// EDPB Guidelines 01/2022 on the right of access (with Art. 11(2), 12(2), 12(6)): the
    /// month runs from receipt and is suspended from the day dsr asks for what it needs to
    /// confirm the identity — asked without undue delay, within the configured days of
    /// receipt — until it arrives. A later request for identification suspends nothing.
    case eea
    /// The ICO's reading (UK GDPR): the month starts when the identification is received.
    case uk
}

extension LedgerRequest {
    /// The day the answer is due as of `today`: the recorded due day, moved on by the days
    /// the clock has been paused so far; nil while the clock has not started (the UK rule,
    /// identity not yet confirmed).
    public func dueDay(today: CalendarDay, controller: Configuration.Controller) -> CalendarDay? {
        if clockNotStarted(controller: controller) { return nil }
        guard let pausedAt else { return CalendarDay(iso: dueDate) }
        var running = deadline
        running.pausedDays += max(0, CalendarDay(pausedAt, in: controller.timeZone).days(until: today))
        return running.dueDate(in: controller.deadlineCalendar)
    }

    /// Whether the month has not begun: the UK rule, identity not yet confirmed.
    public func clockNotStarted(controller: Configuration.Controller) -> Bool {
        controller.identificationClock == .uk && state == .awaitingVerification && verifiedAt == nil
    }

    /// Whether writing the verification letter now asks for identification in time to
    /// suspend the clock (the EEA rule): within the configured days of receipt, and the
    /// clock never paused before.
    func identificationAskSuspends(now: Date, controller: Configuration.Controller) -> Bool {
        guard controller.identificationClock == .eea, pausedAt == nil, pausedDays == 0, verifiedAt == nil else { return false }
        let zone = controller.timeZone
        return CalendarDay(receivedAt, in: zone).days(until: CalendarDay(now, in: zone)) <= controller.identificationAskWithinDays
    }
}
