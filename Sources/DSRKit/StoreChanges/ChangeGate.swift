import DSRCore
import Foundation

/// Whether a request may change its subject tonight: the one rule the night and its dry run
/// share, so that the preview never promises what the night will not do.
struct ChangeGate {
    let ledger: Ledger

    /// Why the request must wait, or nil when it may go ahead. An erasure waits while a
    /// legal-claims hold stands on the person (Art. 17(3)(e)), found by the person's
    /// reference under every key.
    func waitingReason(for type: RequestType, references: [String]) throws -> String? {
        guard type == .erasure else { return nil }
        guard let hold = try ledger.standingLegalHold(subjectReferences: references) else { return nil }
        return "waits for the legal-claims hold placed \(Timestamp.format(hold.placedAt)) to be lifted (Art. 17(3)(e))"
    }
}
