import DSRCore
/// A phase of the nightly run, timed into the run summary (`phase_seconds`). Phases that
/// run per batch add up; phases that run beside others overlap them.
public enum NightPhase: String, Sendable, Codable, CodingKeyRepresentable, CaseIterable {
    case intake, queue, resolve, answer, change, publish, record, recipients, sweep
    case consentHygiene = "consent-hygiene"
    case deadlines

    /// What the phase does, for a table of phases.
    public var label: String {
        switch self {
        case .answer: return "answer (access, export)"
        case .change: return "change (erasure)"
        case .consentHygiene: return "consent hygiene"
        case .deadlines: return "deadlines (report)"
        case .recipients: return "recipients (Art. 19 notices)"
        default: return rawValue
        }
    }
}

/// Wall time measured by the one clock the night's phases are timed with.
struct PhaseTimer {
    private let start = ContinuousClock.now

    /// Runs work and says how long it took.
    static func measured<T>(_ work: () -> T) -> (result: T, seconds: Double) {
        let timer = PhaseTimer()
        let result = work()
        return (result, timer.seconds)
    }

    /// Seconds since the timer was made.
    var seconds: Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

extension RunSummary {
    /// Runs a phase, adding its wall time to the summary.
    mutating func timed<T>(_ phase: NightPhase, _ work: () throws -> T) rethrows -> T {
        let timer = PhaseTimer()
        defer { phaseSeconds[phase, default: 0] += timer.seconds }
        return try work()
    }
}
