import DSRCore
/// The risk a breach poses to people's rights and freedoms, in the terms that decide the
/// duties: none likely (no notification, Art. 33(1)), a risk (notify the authority), a high
/// risk (also tell the people, Art. 34(1)).
public enum RiskLevel: String, Sendable, Codable, CaseIterable {
    case unlikely, risk, high
}

/// The risk dsr proposes from a breach's scope, with its reasons, for the DPO to confirm or
/// override.
///
/// After the ENISA methodology for breach severity, simplified: the most sensitive
/// category involved, scaled by how easily the people can be identified, raised by volume,
/// lowered when only availability was lost or the data was encrypted.
public struct RiskProposal: Sendable, Codable, Equatable {
    public var level: RiskLevel
    public var reasons: [String]

    public init(breach: Breach, measurement: ScopeMeasurement) {
        var reasons: [String] = []
        guard measurement.people > 0 else {
            level = .unlikely
            self.reasons = ["the scope covers no one in the store"]
            return
        }
        if breach.dataEncrypted && breach.types == [.confidentiality] {
            level = .unlikely
            self.reasons = ["only confidentiality was breached and the data was encrypted (Art. 34(3)(a)); check that the key was not exposed"]
            return
        }
        let categories = measurement.categories
        var severity: Double
        if !measurement.specialCategories.isEmpty {
            severity = 4
            reasons.append("special categories involved: \(measurement.specialCategories.map(\.rawValue).joined(separator: ", "))")
        } else if categories.contains(.credentials) || categories.contains(.nationalID) {
            severity = 3
            reasons.append(categories.contains(.credentials) ? "credentials involved (account takeover)" : "national identity numbers involved (identity theft)")
        } else if categories.contains(.financial) {
            severity = 3
            reasons.append("financial data involved (fraud)")
        } else if categories.contains(.location) || categories.contains(.communication) {
            severity = 2
            reasons.append("addresses or messages involved")
        } else {
            severity = 1
            reasons.append("ordinary personal data involved")
        }
        if categories.contains(.identification) || categories.contains(.contact) {
            reasons.append("the people are directly identifiable (names or contact details)")
        } else {
            severity *= 0.5
            reasons.append("the people are not directly identifiable from the data involved")
        }
        if breach.types == [.availability] {
            severity *= 0.5
            reasons.append("only availability was affected")
        }
        if measurement.people >= 100_000 {
            severity += 1
            reasons.append("\(measurement.people) people affected")
        } else if measurement.people >= 1000 {
            severity += 0.5
            reasons.append("\(measurement.people) people affected")
        }
        level = severity >= 3 ? .high : (severity >= 1 ? .risk : .unlikely)
        self.reasons = reasons
    }
}
