import DSRCore
import Foundation

/// The settings of one dsr installation, read from `dsr.yaml`.
///
/// Paths in the file are relative to the file's folder, so a configuration and its data
/// can move together.
public struct Configuration: Sendable {
    /// The file the configuration was read from.
    public var fileURL: URL
    /// Who the controller is; appears in every report.
    public var controller: Controller
    /// Where the customer data lives: each store by name, in the file's order (`stores:`;
    /// a single `store:` is one store named `default`). The data map says which table is in
    /// which; tables it does not place are in the first.
    public var stores: [NamedStore]
    /// The data map describing the store.
    public var dataMapURL: URL
    /// Where request files arrive.
    public var inboxURL: URL
    /// Where per-request output folders are written.
    public var outboxURL: URL
    /// The ledger database: dsr's own state, never inside the customer store.
    public var ledgerURL: URL
    /// The secret keys for pseudonymous subject references in the ledger: the current key
    /// first, then keys it replaced (`hmac_keys:`), which lookups still try.
    public var hmacKeyURLs: [URL]
    /// How many requests are resolved and answered together.
    public var batchSize: Int
    /// An inbox file changed more recently than this is still being written and waits.
    public var inboxSettleSeconds: Int
    /// Art. 12(5): a request of the same type for a person who had one completed within
    /// this many days goes to review (0: never).
    public var repeatWindowDays: Int = 30
    /// Art. 19: a notice no recipient acknowledged this many days after it was sent is
    /// listed by `dsr deadlines` and the run summary.
    public var recipientAcknowledgementDays = 30
    /// The installation's letter templates, overriding the shipped ones of the same name;
    /// `templates/` beside the configuration file unless `templates:` names another folder.
    public var templatesURL: URL
    /// The status page a job's `status-page` step writes (`status_page:`, else
    /// `report/index.html` beside the configuration file).
    public var statusPageURL: URL
    /// Where every run writes its Prometheus metrics (`metrics_file:`); none when not set.
    public var metricsFileURL: URL?
    /// How many years after a request closed the ledger keeps its details
    /// (`ledger_retention: {closed_requests_years: N}`); its id, type, dates and outcome stay.
    public var closedRequestRetentionYears = 3

    /// The controller named in reports.
    public struct Controller: Sendable {
        public var name: String
        public var dpoContact: String
        public var timeZone: TimeZone
        /// The ISO 3166 region used to read phone numbers written without a country code.
        public var defaultPhoneRegion: String?
        /// The last day of the fiscal year, for bookkeeping holds.
        public var fiscalYearEnd: MonthDay
        /// The controller's working days, for Art. 12(3) due dates.
        public var deadlineCalendar: DeadlineCalendar
        /// The lead supervisory authority, name and address, as letters name it.
        public var supervisoryAuthority: String? = nil
        /// The controller's organisation number (Brønnøysund, Bolagsverket, Companies House).
        public var organisationNumber: String? = nil
        /// The ISO 3166 country of the lead supervisory authority (`country:`, else the
        /// default phone region): a letter names a person's own country's authority beside
        /// it only when that is another.
        public var country: String? = nil
        /// Whether the controller is under UK GDPR (`uk_gdpr: true`): only then do letters
        /// name the ICO for a person in the United Kingdom.
        public var ukGDPR = false
        /// How the month runs while identity is confirmed (`identification_clock`).
        public var identificationClock = IdentificationClock.eea
        /// Within how many days of receipt asking for identification suspends the clock
        /// under the EEA rule (`identification_ask_within_days`); a later ask is undue delay.
        public var identificationAskWithinDays = 7
        /// The languages letters are written in, the default first; a request may ask for
        /// any of them.
        public var languages: [Language] = [.en]
    }

    /// The kind and place of the customer store.
    public enum StoreLocation: Sendable {
        case sqlite(URL)
        case postgres(PostgresLocation)
    }

    /// A customer store and the name the data map places tables in it by.
    public struct NamedStore: Sendable {
        public var name: String
        public var location: StoreLocation
    }

    /// The name of the store the data map's unplaced tables are in.
    public var firstStoreName: String { stores[0].name }

    /// The configuration file name looked for when none is given.
    public static let defaultFileName = "dsr.yaml"

    /// The file to read: the explicit one, else `$DSR_CONFIG`, else `./dsr.yaml`.
    public static func resolveFile(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let path = explicit ?? environment["DSR_CONFIG"] ?? defaultFileName
        return URL(fileURLWithPath: path).standardizedFileURL
    }

    /// Reads and checks a configuration file; every problem is a configuration error (78)
    /// that names the file and the field.
    public static func load(from url: URL) throws -> Configuration {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DSRError.configuration("\(url.path): configuration file not found (give --config FILE or set DSR_CONFIG)")
        }
        do {
            return try parse(try DocumentNode.load(contentsOf: url), fileURL: url)
        } catch let problem as InputProblem {
            throw DSRError.configuration(problem.description)
        } catch let error as DSRError {
            throw DSRError.configuration(error.message)
        }
    }

    static func parse(_ root: DocumentNode, fileURL: URL) throws(InputProblem) -> Configuration {
        let base = fileURL.deletingLastPathComponent()
        func path(_ node: DocumentNode) throws(InputProblem) -> URL {
            let text = try node.nonEmptyString()
            return URL(fileURLWithPath: text, relativeTo: base).standardizedFileURL
        }
        let fields = try root.fields()

        let controllerFields = try fields.required("controller").fields()
        let zoneNode = try controllerFields.required("time_zone")
        guard let zone = TimeZone(identifier: try zoneNode.nonEmptyString()) else {
            throw zoneNode.problem("unknown time zone; use an IANA name such as Europe/Oslo")
        }
        var phoneRegion: String?
        if let regionNode = controllerFields.optional("default_phone_region") {
            let region = try regionNode.nonEmptyString().uppercased()
            guard PhoneNumber.callingCode(forRegion: region) != nil else {
                throw regionNode.problem("unknown phone region; use an ISO 3166 code such as NO or SE")
            }
            phoneRegion = region
        }
        var fiscalYearEnd = MonthDay.december31
        if let fiscalNode = controllerFields.optional("fiscal_year_end") {
            guard let parsed = MonthDay(try fiscalNode.nonEmptyString()) else {
                throw fiscalNode.problem("must be the fiscal year's last day as MM-DD, e.g. 06-30")
            }
            fiscalYearEnd = parsed
        }
        var holidays = HolidayCalendar.none
        if let holidayNode = controllerFields.optional("holidays") {
            guard let calendar = HolidayCalendar(rawValue: try holidayNode.nonEmptyString()) else {
                throw holidayNode.problem("unknown holiday calendar; expected \(HolidayCalendar.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            holidays = calendar
        }
        var extraHolidays: Set<CalendarDay> = []
        if let extraNode = controllerFields.optional("extra_holidays") {
            for element in try extraNode.list() {
                guard let day = CalendarDay(iso: try element.nonEmptyString()) else { throw element.problem("must be a date, YYYY-MM-DD") }
                extraHolidays.insert(day)
            }
        }
        var controller = Controller(
            name: try controllerFields.required("name").nonEmptyString(),
            dpoContact: try controllerFields.required("dpo_contact").nonEmptyString(),
            timeZone: zone,
            defaultPhoneRegion: phoneRegion,
            fiscalYearEnd: fiscalYearEnd,
            deadlineCalendar: DeadlineCalendar(holidays: holidays, extraHolidays: extraHolidays))
        controller.supervisoryAuthority = try controllerFields.optional("supervisory_authority")?.nonEmptyString()
        controller.organisationNumber = try controllerFields.optional("organisation_number")?.nonEmptyString()
        controller.country = try controllerFields.optional("country")?.nonEmptyString().uppercased() ?? phoneRegion
        controller.ukGDPR = try controllerFields.optional("uk_gdpr")?.bool() ?? false
        if let clockNode = controllerFields.optional("identification_clock") {
            guard let clock = IdentificationClock(rawValue: try clockNode.nonEmptyString()) else {
                throw clockNode.problem("unknown identification clock; expected \(IdentificationClock.allCases.map(\.rawValue).joined(separator: " or "))")
            }
            controller.identificationClock = clock
        }
        if let daysNode = controllerFields.optional("identification_ask_within_days") {
            let days = try daysNode.integer()
            guard (0...30).contains(days) else { throw daysNode.problem("must be 0 to 30 days") }
            controller.identificationAskWithinDays = days
        }
        if let languagesNode = controllerFields.optional("languages") {
            controller.languages = try languagesNode.list().map { node throws(InputProblem) in try Language.parse(node) }
            guard !controller.languages.isEmpty, Set(controller.languages).count == controller.languages.count else {
                throw languagesNode.problem("must name each language once, the default first")
            }
        }
        try controllerFields.finish()

        let stores: [NamedStore]
        switch (fields.optional("store"), fields.optional("stores")) {
        case (let storeNode?, nil): stores = [NamedStore(name: "default", location: try storeLocation(storeNode, path: path))]
        case (nil, let storesNode?):
            stores = try storesNode.entries().map { name, node throws(InputProblem) in
                NamedStore(name: name, location: try storeLocation(node, path: path))
            }
            guard !stores.isEmpty else { throw storesNode.problem("name at least one store") }
        case (_?, let storesNode?): throw storesNode.problem("give store or stores, not both")
        case (nil, nil):
            throw InputProblem(SourceLocation(file: root.file, field: "store", line: root.line), "is required (or stores:, each store by name)")
        }

        var batchSize = 256
        if let batchNode = fields.optional("batch_size") {
            batchSize = try batchNode.integer()
            guard (1...10_000).contains(batchSize) else { throw batchNode.problem("must be between 1 and 10000") }
        }
        var settle = 2
        if let settleNode = fields.optional("inbox_settle_seconds") {
            settle = try settleNode.integer()
            guard (0...3600).contains(settle) else { throw settleNode.problem("must be between 0 and 3600") }
        }
        var repeatWindow = 30
        if let windowNode = fields.optional("repeat_window_days") {
            repeatWindow = try windowNode.integer()
            guard (0...3650).contains(repeatWindow) else { throw windowNode.problem("must be between 0 and 3650") }
        }
        var acknowledgementDays = 30
        if let daysNode = fields.optional("recipient_acknowledgement_days") {
            acknowledgementDays = try daysNode.integer()
            guard (1...365).contains(acknowledgementDays) else { throw daysNode.problem("must be between 1 and 365") }
        }
        var retentionYears = 3
        if let retentionFields = try fields.optional("ledger_retention")?.fields() {
            if let yearsNode = retentionFields.optional("closed_requests_years") {
                retentionYears = try yearsNode.integer()
                guard (1...100).contains(retentionYears) else { throw yearsNode.problem("must be between 1 and 100") }
            }
            try retentionFields.finish()
        }
        func keyFiles() throws(InputProblem) -> [URL] {
            let fileNode = fields.optional("hmac_key_file")
            let listNode = fields.optional("hmac_keys")
            switch (fileNode, listNode) {
            case (let fileNode?, nil): return [try path(fileNode)]
            case (nil, let listNode?):
                let files = try listNode.list().map { (node) throws(InputProblem) in (node, try path(node)) }
                guard !files.isEmpty else { throw listNode.problem("must list at least the current key file") }
                var seen: Set<String> = []
                for (node, url) in files where !seen.insert(url.path).inserted {
                    throw node.problem("lists the same key file twice")
                }
                return files.map(\.1)
            case (_?, let listNode?): throw listNode.problem("give hmac_key_file or hmac_keys, not both")
            case (nil, nil): throw root.problem("hmac_key_file (or hmac_keys, the current key first) is required")
            }
        }
        var configuration = Configuration(
            fileURL: fileURL,
            controller: controller,
            stores: stores,
            dataMapURL: try path(try fields.required("datamap")),
            inboxURL: try path(try fields.required("inbox")),
            outboxURL: try path(try fields.required("outbox")),
            ledgerURL: try path(try fields.required("ledger")),
            hmacKeyURLs: try keyFiles(),
            batchSize: batchSize,
            inboxSettleSeconds: settle,
            templatesURL: try fields.optional("templates").map { node throws(InputProblem) in try path(node) }
                ?? base.appendingPathComponent("templates", isDirectory: true),
            statusPageURL: try fields.optional("status_page").map { node throws(InputProblem) in try path(node) }
                ?? base.appendingPathComponent("report/index.html"))
        configuration.repeatWindowDays = repeatWindow
        configuration.recipientAcknowledgementDays = acknowledgementDays
        configuration.metricsFileURL = try fields.optional("metrics_file").map { node throws(InputProblem) in try path(node) }
        configuration.closedRequestRetentionYears = retentionYears
        try fields.finish()
        return configuration
    }

    /// One store's `type` and place: `{type: sqlite, path: …}` or `{type: postgres, url: …,
    /// password_env | password_file | password_credential: …, tls: …}`.
    private static func storeLocation(_ node: DocumentNode, path: (DocumentNode) throws(InputProblem) -> URL) throws(InputProblem) -> StoreLocation {
        let storeFields = try node.fields()
        let typeNode = try storeFields.required("type")
        let location: StoreLocation
        switch try typeNode.nonEmptyString() {
        case "sqlite": location = .sqlite(try path(try storeFields.required("path")))
        case "postgres":
            let urlNode = try storeFields.required("url")
            var postgres = try PostgresLocation(url: try urlNode.nonEmptyString(), node: urlNode)
            let sources = ["password_env", "password_file", "password_credential"].compactMap { name in
                storeFields.optional(name).map { (name, $0) }
            }
            if sources.count > 1 { throw sources[1].1.problem("give one of password_env, password_file and password_credential") }
            switch sources.first {
            case ("password_env", let node)?: postgres.passwordSource = .environment(try node.nonEmptyString())
            case ("password_file", let node)?: postgres.passwordSource = .file(try path(node))
            case (_, let node)?:
                let name = try node.nonEmptyString()
                guard !name.contains("/") else { throw node.problem("a credential's name, as LoadCredential= gives it, without a slash") }
                postgres.passwordSource = .credential(name)
            case nil: break
            }
            if let tlsNode = storeFields.optional("tls") {
                guard let mode = PostgresLocation.TLSMode(rawValue: try tlsNode.nonEmptyString()) else {
                    throw tlsNode.problem("expected \(PostgresLocation.TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                postgres.tls = mode
            }
            location = .postgres(postgres)
        default: throw typeNode.problem("unknown store type; expected sqlite or postgres")
        }
        try storeFields.finish()
        return location
    }
}
