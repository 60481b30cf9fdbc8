import DSRCore
import Foundation
import Logging

/// The night's Art. 19 step, after the requests: reads the recipients' callbacks, puts the
/// notices of the requests completed so far into one new batch per recipient, and writes
/// every batch not yet written (tonight's, and any a stopped run left).
public struct RecipientNoticeStage {
    let configuration: Configuration
    let map: DataMap
    let ledger: Ledger
    let logger: Logger

    /// What the step did, for the run summary.
    public struct Report: Sendable, Codable, Equatable {
        /// The batch files written, as `<recipient>/<file>`.
        public var batches: [String] = []
        /// Notices those batches carry.
        public var notices = 0
        /// Notices an OpenDSR callback acknowledged.
        public var acknowledged = 0
        /// Callback files moved to `inbox/recipients/rejected/`.
        public var rejectedCallbacks: [String] = []

        enum CodingKeys: String, CodingKey {
            case batches, notices, acknowledged, rejectedCallbacks = "rejected_callbacks"
        }
    }

    func run(night: CalendarDay, now: Date) throws -> Report {
        var report = Report()
        let callbacks = try RecipientCallbacks(inbox: configuration.inboxURL, ledger: ledger,
                                               settleSeconds: configuration.inboxSettleSeconds, logger: logger).run(now: now)
        report.acknowledged = callbacks.acknowledged
        report.rejectedCallbacks = callbacks.rejected
        try ledger.batchNotices(night: night, formats: Dictionary(uniqueKeysWithValues: map.recipients.map { ($0.id, $0.format) }), now: now)
        let writer = RecipientBatchWriter(outboxURL: configuration.outboxURL, controller: configuration.controller, map: map)
        for batch in try ledger.unwrittenBatches() {
            let notices = try ledger.notices(in: batch)
            try writer.write(batch, notices: notices)
            try ledger.markWritten(batch, now: now)
            report.batches.append("\(batch.recipient)/\(batch.fileName)")
            report.notices += notices.count
            logger.info("recipient notices written", metadata: ["recipient": "\(batch.recipient)", "batch": "\(batch.fileName)",
                                                                "notices": "\(notices.count)"])
        }
        return report
    }
}
