import DSRCore
/// The outcomes of the night's requests between their batch and the ledger: held until the
/// transaction that starts the next batch records them, counted into the summary then, and
/// watched for a fault of the machine, which stops the run.
struct OutcomeRecord {
    /// Each queued request's type, to count completions by type.
    let types: [String: RequestType]
    /// Outcomes held for the next record.
    private(set) var unrecorded: [Ledger.Transition] = []
    /// The first fault of the machine an outcome carried.
    private(set) var fault: DSRError?

    init(types: [String: RequestType]) {
        self.types = types
    }

    /// Holds a batch's outcomes for the next record.
    mutating func hold(_ transitions: [Ledger.Transition]) {
        unrecorded += transitions
        notice(transitions)
    }

    /// The outcomes held and those just published, counted into the summary, to be
    /// recorded now.
    mutating func settle(_ published: [Ledger.Transition], into summary: inout RunSummary) -> [Ledger.Transition] {
        let settled = unrecorded + published
        unrecorded = []
        notice(published)
        for transition in settled { count(transition, into: &summary) }
        return settled
    }

    private mutating func notice(_ transitions: [Ledger.Transition]) {
        fault = fault ?? transitions.lazy.compactMap(\.machineFault).first
    }

    private func count(_ transition: Ledger.Transition, into summary: inout RunSummary) {
        let entry = RunSummary.Entry(id: transition.id, reason: transition.reason ?? "")
        switch transition.state {
        case .completed:
            summary.done[types[transition.id]!.rawValue, default: 0] += 1
            if transition.subjectReference == nil { summary.noDataHeld += 1 }
        case .failed: summary.failed.append(entry)
        case .rejected: summary.rejected.append(entry)
        case .pending: summary.waiting.append(entry)
        default: break
        }
    }
}
