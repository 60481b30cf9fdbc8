import DSRCore
import Foundation

/// The phases of an Art. 33 notification: Art. 33(4) lets it come in stages.
public enum BreachReportPhase: String, Sendable, Codable, CaseIterable {
    case initial, followUp = "follow-up", final
}

/// How the people were told (Art. 34), or which Art. 34(3) exception applied instead.
public enum BreachCommunication: String, Sendable, Codable, CaseIterable {
    /// One letter per affected person.
    case letters
    /// (a) the data was unintelligible to anyone without the key.
    case encrypted
    /// (b) measures since make the high risk no longer likely.
    case riskNoLongerLikely = "risk-no-longer-likely"
    /// (c) telling each person would take disproportionate effort: a public notice instead.
    case disproportionateEffort = "disproportionate-effort"
}

/// A breach in the register: its current facts and measurement, the DPO's assessment,
/// and what was reported and communicated.
public struct BreachRecord: Sendable, Codable, Equatable {
    public var breach: Breach
    public var version: Int
    public var registeredAt: Date
    public var measurement: ScopeMeasurement
    public var proposal: RiskProposal
    public var assessedRisk: RiskLevel?
    public var assessmentReason: String?
    public var assessedAt: Date?
    /// When the authority received the initial notification (`breach submitted`): what
    /// stops the 72-hour clock. Writing the document does not.
    public var notifiedAt: Date?
    public var notifiedLate: Bool
    /// When the authority received the final notification; the breach is closed after it.
    public var finalAt: Date?
    public var communication: BreachCommunication?
    public var communicationDetail: String?
    public var communicatedAt: Date?
    public var letters: Int?
    public var reports: [Report]
    /// The phases the authority received.
    public var submissions: [Submission] = []

    /// A phase the authority received: when, by which channel, under which case reference.
    public struct Submission: Sendable, Codable, Equatable {
        public var phase: BreachReportPhase
        public var submittedAt: Date
        public var channel: String?
        public var reference: String?
        /// The initial phase after the 72 hours (a later phase is late when the initial was).
        public var late: Bool
    }

    /// The authority's case reference, once a submission recorded one.
    public var authorityReference: String? { submissions.compactMap(\.reference).first }

    /// The submission of a phase, if the authority received it.
    public func submission(_ phase: BreachReportPhase) -> Submission? { submissions.first { $0.phase == phase } }

    /// One notification document written.
    public struct Report: Sendable, Codable, Equatable {
        public var phase: BreachReportPhase
        public var version: Int
        public var format: OutputFormat
        public var writtenAt: Date
        public var late: Bool
        public var file: String
        public var sha256: String
    }

    /// Whether the 72 hours passed without the authority being notified, when it should be.
    public func isOverdue(at now: Date) -> Bool {
        breach.notifyAuthority && notifiedAt == nil && now > breach.notificationDueAt
    }
}
