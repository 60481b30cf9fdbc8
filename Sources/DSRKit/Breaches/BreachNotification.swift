import DSRCore
import Foundation

/// The notification to the supervisory authority (Art. 33(3)) as a document tree, for one
/// phase. Its fields cover what the Norwegian (Datatilsynet), Swedish (IMY) and UK (ICO)
/// forms ask, so an officer can copy from it.
public struct BreachNotification {
    public static let rootElement = "breachNotification"
    public static let namespace = "urn:dsr:breach-notification:1"
    public static let schemaVersion = 1

    public var record: BreachRecord
    public var phase: BreachReportPhase
    public var writtenAt: Date
    /// Whether this notification comes after the 72 hours (for follow-ups: whether the
    /// initial one did).
    public var late: Bool
    /// What changed since the version the last report was made from (follow-up, final).
    public var changes: [BreachChange]
    public var controller: Configuration.Controller

    public var tree: ReportTree {
        let breach = record.breach
        let zone = controller.timeZone
        let time = { (date: Date) in ReportTree.text(Timestamp.format(date, in: zone)) }
        let measurement = record.measurement
        // When the authority received the initial notification: unknown while it is a draft.
        let firstNotified = record.notifiedAt
        return .object([
            ("document", .text("dsr.breach-notification")),
            ("schema_version", .integer(Self.schemaVersion)),
            ("phase", .text(phase.rawValue)),
            ("breach_id", .text(breach.id)),
            ("version", .integer(record.version)),
            ("written_at", time(writtenAt)),
            ("title", .text(breach.title)),
            ("controller", .object([
                ("name", .text(controller.name)),
                ("organisation_number", controller.organisationNumber.map(ReportTree.text)),
                ("dpo_contact", .text(controller.dpoContact)),
                ("contact_person", breach.contactPerson.map(ReportTree.text)),
                ("time_zone", .text(zone.identifier)),
                ("reporter", breach.reporter.map(ReportTree.text)),
            ])),
            ("timeline", .object([
                ("occurred_from", breach.occurredFrom.map(time)),
                ("occurred_to", breach.occurredTo.map(time)),
                ("ongoing", .bool(breach.isOngoing)),
                ("aware_at", time(breach.awareAt)),
                ("notification_due_at", time(breach.notificationDueAt)),
                ("first_notified_at", firstNotified.map(time)),
                ("authority_case_reference", record.authorityReference.map(ReportTree.text)),
                ("hours_after_awareness", .integer(Int(writtenAt.timeIntervalSince(breach.awareAt) / 3600))),
                ("late", .bool(late)),
                ("reasons_for_delay", late ? breach.reasonsForDelay.map(ReportTree.text) : nil),
            ])),
            ("nature", .object([
                ("types", .texts("type", breach.types.map(\.rawValue))),
                ("cause", .text(breach.cause.rawValue)),
                ("description", .text(breach.description)),
                ("discovered_how", breach.discoveredHow.map(ReportTree.text)),
                ("cyber_incident", breach.cyberIncident.map(ReportTree.bool)),
            ])),
            ("affected", .object([
                ("people_approximate", .integer(measurement.people)),
                ("records_approximate", .integer(measurement.records)),
                ("subject_categories", .texts("category", breach.subjectCategories)),
                ("vulnerable_groups", breach.vulnerableGroups.map { .texts("group", $0.map(\.rawValue)) }),
                ("data_categories", .texts("category", measurement.categories.map(\.rawValue))),
                ("special_categories_involved", .bool(!measurement.specialCategories.isEmpty)),
                ("special_categories", .texts("category", measurement.specialCategories.map(\.rawValue))),
                ("data_encrypted", .bool(breach.dataEncrypted)),
                ("tables", .list(item: "table", measurement.tables.map { table in
                    .object([
                        ("table", .text(table.table)),
                        ("records", .integer(table.records)),
                        ("people", .integer(table.people)),
                        ("columns", .texts("column", table.columns)),
                        ("categories", .texts("category", table.categories.map(\.rawValue))),
                    ])
                })),
                ("identities_listed", measurement.identitiesListed > 0 ? .integer(measurement.identitiesListed) : nil),
                ("identities_unmatched", measurement.identitiesListed > 0 ? .integer(measurement.identitiesUnmatched) : nil),
                ("measured_at", time(measurement.measuredAt)),
            ])),
            ("likely_consequences", .text(breach.likelyConsequences)),
            ("risk", .object([
                ("proposed", .text(record.proposal.level.rawValue)),
                ("proposal_reasons", .texts("reason", record.proposal.reasons)),
                ("assessed", record.assessedRisk.map { .text($0.rawValue) }),
                ("assessment_reason", record.assessmentReason.map(ReportTree.text)),
            ])),
            ("measures", .object([
                ("taken", .text(breach.measuresTaken)),
                ("proposed", .text(breach.measuresProposed)),
            ])),
            ("communication_to_individuals", communication),
            ("cross_border", .object([
                ("member_states_affected", .texts("state", breach.memberStatesAffected)),
            ])),
            ("other_notifications", breach.otherNotifications.map(ReportTree.text)),
            ("changes", phase == .initial ? nil : .list(item: "change", changes.map { change in
                .object([
                    ("field", .text(change.field)),
                    ("previous", change.previous.map(ReportTree.text)),
                    ("current", change.current.map(ReportTree.text)),
                ])
            })),
            ("final", .bool(phase == .final)),
        ])
    }

    /// Whether and how the people are told (Art. 34).
    private var communication: ReportTree {
        if let kind = record.communication {
            return .object([
                // Letters written are not letters delivered: "told" waits for a recorded delivery.
                ("status", .text(kind == .letters ? "letters-prepared" : "exception")),
                ("method", .text(kind.rawValue)),
                ("at", record.communicatedAt.map { .text(Timestamp.format($0, in: controller.timeZone)) }),
                ("letters", record.letters.map(ReportTree.integer)),
                ("detail", record.communicationDetail.map(ReportTree.text)),
            ])
        }
        let risk = record.assessedRisk ?? record.proposal.level
        return .object([("status", .text(risk == .high ? "planned" : "not-required"))])
    }
}

/// One fact that differs between two versions of a breach.
public struct BreachChange: Sendable, Equatable {
    public var field: String
    public var previous: String?
    public var current: String?

    /// The facts that differ from `old` to `new`, field by field, numbers included.
    public static func between(_ old: (breach: Breach, measurement: ScopeMeasurement),
                               _ new: (breach: Breach, measurement: ScopeMeasurement)) -> [BreachChange] {
        let before = Dictionary(uniqueKeysWithValues: facts(old.breach, old.measurement))
        return facts(new.breach, new.measurement).compactMap { field, value in
            before[field] == value ? nil : BreachChange(field: field, previous: before[field] ?? nil, current: value)
        }
    }

    /// The comparable facts of a version, as texts.
    private static func facts(_ breach: Breach, _ measurement: ScopeMeasurement) -> [(String, String?)] {
        let time = { (date: Date?) in date.map { Timestamp.format($0) } }
        let scope = breach.scope.map { entry in
            "\(entry.table)(\(entry.columns.joined(separator: ",")))"
        }.joined(separator: "; ")
        return [
            ("title", breach.title), ("aware_at", time(breach.awareAt)), ("occurred_from", time(breach.occurredFrom)),
            ("occurred_to", time(breach.occurredTo)), ("types", breach.types.map(\.rawValue).joined(separator: ", ")),
            ("description", breach.description), ("discovered_how", breach.discoveredHow), ("cause", breach.cause.rawValue),
            ("scope", scope), ("subject_categories", breach.subjectCategories.joined(separator: ", ")),
            ("data_encrypted", String(breach.dataEncrypted)), ("likely_consequences", breach.likelyConsequences),
            ("measures_taken", breach.measuresTaken), ("measures_proposed", breach.measuresProposed),
            ("member_states_affected", breach.memberStatesAffected.joined(separator: ", ")),
            ("other_notifications", breach.otherNotifications), ("reasons_for_delay", breach.reasonsForDelay),
            ("contact_person", breach.contactPerson), ("cyber_incident", breach.cyberIncident.map { String($0) }),
            ("vulnerable_groups", breach.vulnerableGroups?.map(\.rawValue).joined(separator: ", ")),
            ("people_approximate", String(measurement.people)), ("records_approximate", String(measurement.records)),
            ("data_categories", measurement.categories.map(\.rawValue).joined(separator: ", ")),
        ]
    }
}
