import DSRCore
import Foundation
import Logging

/// What every job over the store needs: the configuration, the data map, the store, the
/// key for subject references, a logger and the clock (injected by tests).
public struct RunContext: Sendable {
    public let configuration: Configuration
    public let map: DataMap
    /// The customer stores, bound to the data map's segments.
    public let stores: StoreSet
    public let keyring: SubjectKeyring
    public let logger: Logger
    public let clock: @Sendable () -> Date
    /// The templates and phrases of the letters to people.
    public let letters: LetterTemplates

    public init(configuration: Configuration, map: DataMap, stores: StoreSet, keyring: SubjectKeyring,
                letters: LetterTemplates, logger: Logger, clock: @escaping @Sendable () -> Date = Date.init) {
        self.configuration = configuration
        self.map = map
        self.stores = stores
        self.keyring = keyring
        self.letters = letters
        self.logger = logger
        self.clock = clock
    }

    /// The subject table's store.
    public var store: CustomerStore { stores.primary }

    /// The parser of the inbox's request files, checking values against the live store.
    func requestParser(now: Date) throws -> RequestFileParser {
        RequestFileParser(map: map, now: now,
                          schema: try stores.mappedSchema())
    }

    /// The controller's calendar day at `date`.
    func today(at date: Date) -> CalendarDay { CalendarDay(date, in: configuration.controller.timeZone) }

    /// The store changes that carry out a request of `type`, one per segment of the data
    /// map in `StoreSet.segments` order (access and export are answered instead, and have
    /// none). A change the whole map cannot make is a configuration error.
    func storeChanges(for type: RequestType, now: Date) throws -> [StoreChange]? {
        switch type {
        case .restriction where !map.tables.contains(where: { $0.restrictionFlag != nil }):
            throw DSRError.configuration("the data map names no restriction_flag, so processing cannot be restricted")
        case .objection where map.consents == nil, .consentWithdrawal where map.consents == nil:
            throw DSRError.configuration("the data map names no consents table, so consents cannot be withdrawn")
        case .access, .export: return nil
        default: break
        }
        let holds = HoldClock(today: today(at: now), fiscalYearEnd: configuration.controller.fiscalYearEnd, zone: configuration.controller.timeZone)
        let schema = type == .rectification ? try stores.mappedSchema() : StoreSchema(tables: [:])
        return stores.segments.map { bound -> StoreChange in
            switch type {
            case .erasure: return ErasurePlanner(map: bound.map, holds: holds, now: now)
            case .rectification: return Rectification(map: bound.map, schema: schema, holds: holds)
            case .restriction: return Restriction(map: bound.map)
            case .objection, .consentWithdrawal, .access, .export: return ConsentWithdrawal(map: bound.map, now: now)
            }
        }
    }
}

/// A request of the batch with the person resolving it found (nil: no personal data held).
struct ResolvedRequest: Sendable {
    var record: LedgerRequest
    var request: DataSubjectRequest
    var person: Person?
    /// The same person's requests of the same type from the same night this one answers too.
    var alsoAnswers: [String] = []
}
