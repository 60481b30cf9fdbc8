import DSRCore
import Foundation
import Logging

/// What every job over the store needs: the configuration, the data map, the store, the
/// key for subject references, a logger and the clock (injected by tests).
public struct RunContext: Sendable {
    public let configuration: Configuration
    public let map: DataMap
    public let store: CustomerStore
    public let keyring: SubjectKeyring
    public let logger: Logger
    public let clock: @Sendable () -> Date
    /// The templates and phrases of the letters to people.
    public let letters: LetterTemplates

    public init(configuration: Configuration, map: DataMap, store: CustomerStore, keyring: SubjectKeyring,
                letters: LetterTemplates, logger: Logger, clock: @escaping @Sendable () -> Date = Date.init) {
        self.configuration = configuration
        self.map = map
        self.store = store
        self.keyring = keyring
        self.letters = letters
        self.logger = logger
        self.clock = clock
    }

    /// The parser of the inbox's request files, checking values against the live store.
    func requestParser(now: Date) throws -> RequestFileParser {
        RequestFileParser(map: map, defaultPhoneRegion: configuration.controller.defaultPhoneRegion, now: now,
                          schema: try store.schema())
    }

    /// The controller's calendar day at `date`.
    func today(at date: Date) -> CalendarDay { CalendarDay(date, in: configuration.controller.timeZone) }

    /// The store change that carries out a request of `type` (access and export are
    /// answered instead, and have none).
    func storeChange(for type: RequestType, now: Date) throws -> StoreChange? {
        switch type {
        case .erasure:
            return ErasurePlanner(map: map, today: today(at: now), fiscalYearEnd: configuration.controller.fiscalYearEnd)
        case .rectification:
            return Rectification(map: map, schema: try store.schema(),
                                 holds: HoldClock(today: today(at: now), fiscalYearEnd: configuration.controller.fiscalYearEnd))
        case .restriction: return Restriction(map: map)
        case .objection, .consentWithdrawal: return ConsentWithdrawal(map: map, now: now)
        case .access, .export: return nil
        }
    }
}

/// A request of the batch with the person resolving it found (nil: no personal data held).
struct ResolvedRequest: Sendable {
    var record: LedgerRequest
    var request: DataSubjectRequest
    var subject: StoreValue?
}
