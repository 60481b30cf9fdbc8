import DSRCore
import Foundation
import Logging

/// Everything one configuration file points at, opened and checked: the data map, the
/// customer store, the ledger and the key. Commands start here.
public final class Installation {
    public let configuration: Configuration
    public let map: DataMap
    public let logger: Logger
    /// Whom the ledger's audit trail names for what this installation's commands change.
    public let actor: String?
    private var openedStores: StoreSet?

    /// Reads the configuration and the data map; the store and ledger open when first used.
    public init(configurationURL: URL, logger: Logger, actor: String? = nil) throws {
        configuration = try Configuration.load(from: configurationURL)
        var map = try DataMap.load(from: configuration.dataMapURL)
        map.phoneRegion = configuration.controller.defaultPhoneRegion
        self.map = map
        self.logger = logger
        self.actor = actor
    }

    /// The store of the data map's subject table.
    public func store() throws -> CustomerStore {
        try stores().primary
    }

    /// Every store the data map places tables in, bound to the map's segments.
    public func stores() throws -> StoreSet {
        if let openedStores { return openedStores }
        let stores = try StoreSet.open(configuration, map: map, keyring: try keyring(), logger: logger,
                                       seenBefore: FileManager.default.fileExists(atPath: configuration.ledgerURL.path))
        openedStores = stores
        return stores
    }

    /// The data map checked against every live store it names, and each hold's date
    /// column and each phone identity against a sample of their values.
    public func checkDataMap() throws -> DataMapCheck {
        let stores = try stores()
        var check = DataMapCheck(map: map, schemas: try stores.schemas())
        for finding in try HoldDateSample(stores: stores, zone: configuration.controller.timeZone).findings() { check.record(finding) }
        for finding in try PhoneSample(stores: stores).findings() { check.record(finding) }
        return check
    }

    /// The ledger, bound to this installation's HMAC keys (another key stops the command, 78).
    public func ledger() throws -> Ledger {
        let ledger = try Ledger(url: configuration.ledgerURL, actor: actor)
        let keyring = try keyring()
        try ledger.bind(keyFingerprints: keyring.keyFingerprints, now: Date())
        try ledger.replaceFileNames(by: keyring.fileReference)
        return ledger
    }

    /// The breach register, kept in the ledger.
    public func breachRegister() throws -> BreachRegister { try BreachRegister(installation: self) }

    public func keyring() throws -> SubjectKeyring { try SubjectKeyring(contentsOf: configuration.hmacKeyURLs) }

    /// A parser of request files against this installation's data map and, when the store
    /// can be reached, its live column types.
    public func requestParser(now: Date) -> RequestFileParser {
        RequestFileParser(map: map, now: now,
                          schema: try? stores().mappedSchema())
    }

    /// The nightly job, after the data map has passed its check against the live store: a
    /// broken map stops the run before a single row is touched.
    public func jobRun(_ job: Job = Job.builtIn["nightly"]!, clock: @escaping @Sendable () -> Date = Date.init) throws -> JobRun {
        try checkBeforeRunning()
        // The lock first: a second run must stop before it touches (or migrates) the ledger.
        let lock = try RunLock(ledgerURL: configuration.ledgerURL)
        return JobRun(context: try runContext(clock: clock), lock: lock, ledger: try ledger(), job: job)
    }

    /// The nightly job as a dry run: the same checks, the ledger opened for reading only.
    public func dryRun(clock: @escaping @Sendable () -> Date = Date.init) throws -> DryRun {
        try checkBeforeRunning()
        let ledger = try Ledger.readOnly(url: configuration.ledgerURL)
        try ledger.checkKeys(try keyring().keyFingerprints)
        return DryRun(context: try runContext(clock: clock), ledger: ledger)
    }

    /// Intake for `dsr submit`: request files recorded straight into the ledger.
    public func intake(now: Date) throws -> Intake {
        Intake(inbox: configuration.inboxURL, parser: requestParser(now: now), ledger: try ledger(), keyring: try keyring(),
               controller: configuration.controller, settleSeconds: configuration.inboxSettleSeconds, logger: logger)
    }

    private func runContext(clock: @escaping @Sendable () -> Date) throws -> RunContext {
        RunContext(configuration: configuration, map: map, stores: try stores(), keyring: try keyring(), letters: try letterTemplates(),
                   logger: logger, clock: clock)
    }

    /// Re-applies recorded erasures to a store restored from a backup.
    public func erasureReapply() throws -> ErasureReapply {
        try checkBeforeRunning()
        let lock = try RunLock(ledgerURL: configuration.ledgerURL)
        return ErasureReapply(context: try runContext(clock: Date.init), lock: lock, ledger: try ledger())
    }

    /// The subject references (under every key, the current key's first) of the one person
    /// some identities name, for commands that act on a person rather than a request
    /// (legal holds).
    public func subjectReferences(identities: [String: String]) throws -> [String] {
        let normalized = try normalizedIdentities(identities)
        let probe = DataSubjectRequest(id: "probe", type: .access, receivedAt: Date(), identities: normalized,
                                       verification: nil, formats: [], changes: [:], scope: nil, note: nil)
        let stores = try stores()
        var subject: StoreValue?
        switch try SubjectResolver(store: stores.primary, map: stores.segments[0].map).resolve([probe])["probe"] ?? .notFound {
        case .found(let found): subject = found
        case .notFound: break
        case .needsReview(let reason): throw DSRError.badInput("the identities do not name one person: \(reason)")
        }
        // Someone only a linked store holds is found there, as the night finds them.
        guard let person = try LinkResolver(stores: stores).people(of: [(probe, subject)])["probe"] else {
            throw DSRError.badInput("no one in the store matches these identities")
        }
        return person.references(keyring: try keyring(), stores: stores)
    }

    /// Lifts the Art. 18 restriction a completed restriction request set (Art. 18(3)).
    public func restrictionLift() throws -> RestrictionLift {
        try checkBeforeRunning()
        let lock = try RunLock(ledgerURL: configuration.ledgerURL)
        let ledger = try ledger()
        return RestrictionLift(context: try runContext(clock: Date.init), lock: lock, ledger: ledger,
                               notices: NoticeWriter(configuration: configuration, map: map, letters: try letterTemplates(), ledger: ledger))
    }

    /// Identities given on the command line (`--identity name=value`), normalised as a
    /// request file's are; a bad one is a usage error naming the identity, not the value.
    public func normalizedIdentities(_ identities: [String: String]) throws -> [String: String] {
        let parser = requestParser(now: Date())
        var normalized: [String: String] = [:]
        for (name, value) in identities {
            switch parser.identity(name, value) {
            case .success(let value): normalized[name] = value
            case .failure(let error): throw DSRError(.usage, "--identity \(name): \(error.reason)")
            }
        }
        return normalized
    }

    /// The letter templates: the shipped ones with the installation's overrides.
    public func letterTemplates() throws -> LetterTemplates {
        try LetterTemplates.load(overrides: configuration.templatesURL)
    }

    /// Writes the notices (extension, refusal, cancellation, verification) the requests call
    /// for and do not have yet; returns how many were written.
    @discardableResult
    public func writeNotices(for records: [LedgerRequest], now: Date) throws -> Int {
        try NoticeWriter(configuration: configuration, map: map, letters: letterTemplates(), ledger: ledger()).writeMissing(records, now: now)
    }

    /// What is wrong with the letter templates in the controller's languages: every
    /// template rendered against a sample letter; empty when all render whole.
    public func letterTemplateProblems() throws -> [String] {
        try letterTemplates().problems(languages: configuration.controller.languages, map: map, controller: configuration.controller)
    }

    private func checkBeforeRunning() throws {
        let check = try checkDataMap()
        for warning in check.warnings { logger.warning("data map: \(warning.field): \(warning.message)") }
        guard check.passed else {
            throw DSRError.configuration("\(configuration.dataMapURL.path): the data map does not fit the store; nothing was done:\n"
                                         + check.errors.map { "  \($0)" }.joined(separator: "\n"))
        }
        guard FileManager.default.fileExists(atPath: configuration.inboxURL.path) else {
            throw DSRError.configuration("\(configuration.fileURL.path): field 'inbox': folder \(configuration.inboxURL.path) does not exist")
        }
        let problems = try letterTemplateProblems()
        guard problems.isEmpty else {
            throw DSRError.configuration("the letter templates are broken; nothing was done (`dsr templates check` lists the same):\n"
                                         + problems.map { "  \($0)" }.joined(separator: "\n"))
        }
    }
}
