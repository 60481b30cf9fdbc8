import Crypto
import DSRCore
import Foundation

/// Writes a recipient's notice batch, `outbox/recipients/<recipient>/<night>-<seq>.<ext>`,
/// and its manifest beside it, each renamed into place. The content comes from the ledger
/// and the batch's own creation time, so a batch written again after a crash is the same
/// file byte for byte.
struct RecipientBatchWriter {
    let outboxURL: URL
    let controller: Configuration.Controller
    let map: DataMap

    static let folderName = "recipients"

    /// The folder of a recipient's batches.
    func folder(of recipient: String) -> URL {
        outboxURL.appendingPathComponent(Self.folderName, isDirectory: true).appendingPathComponent(recipient, isDirectory: true)
    }

    func write(_ batch: Ledger.NoticeBatch, notices: [RecipientNotice]) throws {
        let folder = folder(of: batch.recipient)
        try DurableFile.createFolder(folder)
        let data: Data = switch batch.format {
        case .opendsr: try Self.json(notices.map { openDSRRequest($0) })
        case .json: try Self.json(document(batch, notices: notices))
        case .csv: Data(csv(notices).utf8)
        }
        let url = folder.appendingPathComponent(batch.fileName, isDirectory: false)
        try DurableFile.write(data, to: url)
        let manifest = BatchManifest(recipient: batch.recipient, batch: batch.fileName, notices: notices.count,
                                     generatedAt: Timestamp.format(batch.createdAt),
                                     files: [.init(name: batch.fileName, sha256: Data(SHA256.hash(data: data)).hexString, bytes: data.count)])
        try DurableFile.write(try Self.json(manifest), to: folder.appendingPathComponent(batch.manifestName, isDirectory: false))
    }

    private static func json<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value) + Data("\n".utf8)
    }

    // MARK: OpenDSR

    /// An OpenDSR 2.0 request (section 7.1.1) as a processor takes it.
    struct OpenDSRRequest: Encodable {
        var regulation = "gdpr"
        var subjectRequestID: String
        var subjectRequestType: String
        var submittedTime: String
        var subjectIdentities: [Identity]
        var apiVersion = "2.0"

        struct Identity: Encodable {
            var identityType: String
            var identityValue: String
            var identityFormat = "raw"

            enum CodingKeys: String, CodingKey {
                case identityType = "identity_type", identityValue = "identity_value", identityFormat = "identity_format"
            }
        }

        enum CodingKeys: String, CodingKey {
            case regulation, subjectRequestID = "subject_request_id", subjectRequestType = "subject_request_type"
            case submittedTime = "submitted_time", subjectIdentities = "subject_identities", apiVersion = "api_version"
        }
    }

    private func openDSRRequest(_ notice: RecipientNotice) -> OpenDSRRequest {
        let type = map.identities[notice.content.identity]?.normalization == .email ? "email" : "controller_customer_id"
        return OpenDSRRequest(subjectRequestID: notice.noticeID, subjectRequestType: notice.type.rawValue,
                              submittedTime: Timestamp.format(notice.content.submittedAt),
                              subjectIdentities: notice.content.identityValues.map { .init(identityType: type, identityValue: $0) })
    }

    // MARK: JSON

    /// dsr's own notice batch, for recipients without OpenDSR.
    struct Document: Encodable {
        var document = "dsr.recipient-notices"
        var schemaVersion = 1
        var batch: String
        var generatedAt: String
        var controller: Controller
        var recipient: Named
        var notices: [Entry]

        struct Controller: Encodable {
            var name: String
            var dpoContact: String
            enum CodingKeys: String, CodingKey { case name, dpoContact = "dpo_contact" }
        }

        struct Named: Encodable {
            var id: String
            var name: String
        }

        struct Entry: Encodable {
            var requestID: String
            var noticeID: String
            var type: String
            var submittedTime: String
            var identity: Identity
            var corrections: [Correction]

            enum CodingKeys: String, CodingKey {
                case requestID = "request_id", noticeID = "notice_id", type, submittedTime = "submitted_time", identity, corrections
            }
        }

        struct Identity: Encodable {
            var type: String
            var values: [String]
        }

        struct Correction: Encodable {
            var table: String
            var column: String
            var value: String
        }

        enum CodingKeys: String, CodingKey {
            case document, schemaVersion = "schema_version", batch, generatedAt = "generated_at", controller, recipient, notices
        }
    }

    private func document(_ batch: Ledger.NoticeBatch, notices: [RecipientNotice]) -> Document {
        Document(batch: batch.fileName, generatedAt: Timestamp.format(batch.createdAt),
                 controller: .init(name: controller.name, dpoContact: controller.dpoContact),
                 recipient: .init(id: batch.recipient, name: map.recipient(id: batch.recipient)?.name ?? batch.recipient),
                 notices: notices.map { notice in
                     Document.Entry(requestID: notice.requestID, noticeID: notice.noticeID, type: notice.type.rawValue,
                                    submittedTime: Timestamp.format(notice.content.submittedAt),
                                    identity: .init(type: notice.content.identity, values: notice.content.identityValues),
                                    corrections: Self.corrections(notice).map { .init(table: $0.table, column: $0.column, value: $0.value) })
                 })
    }

    /// The corrections in `table.column` order; the planner kept only qualified names.
    private static func corrections(_ notice: RecipientNotice) -> [(table: String, column: String, value: String)] {
        notice.content.corrections.sorted { $0.key < $1.key }.compactMap { target, value in
            QualifiedColumn(target).map { ($0.table, $0.column, value) }
        }
    }

    // MARK: CSV

    static let csvHeader = ["request_id", "notice_id", "type", "submitted_time", "identity_type", "identity_value",
                            "table", "column", "corrected_value"]

    /// RFC 4180 CSV as every CSV dsr writes (`CSVRecord`: quoted, line breaks kept inside
    /// the quotes, formulas neutralised): one row per identity value and corrected column
    /// (one per identity value for an erasure or restriction).
    private func csv(_ notices: [RecipientNotice]) -> String {
        var lines = [CSVRecord.line(Self.csvHeader)]
        for notice in notices {
            let corrections = Self.corrections(notice)
            for value in notice.content.identityValues {
                let head = [notice.requestID, notice.noticeID, notice.type.rawValue, Timestamp.format(notice.content.submittedAt),
                            notice.content.identity, value]
                for correction in corrections.isEmpty ? [nil] : corrections.map(Optional.some) {
                    let tail = correction.map { [$0.table, $0.column, $0.value] } ?? ["", "", ""]
                    lines.append(CSVRecord.line(head + tail))
                }
            }
        }
        return lines.joined()
    }

    /// The manifest beside a batch: what it carries and the SHA-256 of the batch file.
    struct BatchManifest: Encodable {
        var document = "dsr.recipient-batch-manifest"
        var schemaVersion = 1
        var recipient: String
        var batch: String
        var notices: Int
        var generatedAt: String
        var files: [Manifest.Entry]

        enum CodingKeys: String, CodingKey {
            case document, schemaVersion = "schema_version", recipient, batch, notices, generatedAt = "generated_at", files
        }
    }
}
