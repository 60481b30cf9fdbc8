import DSRCore
/// Turns an OpenDSR 2.0 request (`subject_request_id`, `subject_request_type`,
/// `submitted_time`, `subject_identities`) into dsr's request fields. OpenDSR carries no
/// verification, so such requests wait for `dsr verify`.
enum OpenDSRReader {
    /// Whether a parsed JSON document is an OpenDSR request.
    static func recognises(_ document: DocumentNode) -> Bool {
        guard case .mapping(let entries) = document.value else { return false }
        return entries.contains { $0.key == "subject_request_id" }
    }

    private static let types = ["access": "access", "portability": "export", "erasure": "erasure"]
    /// OpenDSR fields dsr has no use for.
    private static let ignored = ["api_version", "property_id", "status_callback_urls", "extensions", "regulation",
                                  "subject_request_id_hint", "request_status", "expected_completion_time"]

    static func document(from openDSR: DocumentNode) throws(InputProblem) -> DocumentNode {
        let fields = try openDSR.fields()
        let file = openDSR.file
        var entries: [(key: String, value: DocumentNode)] = []
        entries.append(("id", try fields.required("subject_request_id")))
        let typeNode = try fields.required("subject_request_type")
        guard let type = types[try typeNode.nonEmptyString()] else {
            throw typeNode.problem("OpenDSR request type not carried out by dsr; expected access, portability or erasure")
        }
        entries.append(("type", DocumentNode(.scalar(type), line: typeNode.line, file: file)))
        entries.append(("received_at", try fields.required("submitted_time")))
        var identities: [(key: String, value: DocumentNode)] = []
        for identity in try fields.required("subject_identities").list() {
            let identityFields = try identity.fields()
            let kind = try identityFields.required("identity_type").nonEmptyString()
            let value = try identityFields.required("identity_value")
            if let formatNode = identityFields.optional("identity_format"), try formatNode.nonEmptyString() != "raw" {
                throw formatNode.problem("hashed identities cannot be matched: the data map has no hashed identity columns")
            }
            try identityFields.finish()
            identities.append((kind, value))
        }
        entries.append(("subject", DocumentNode(.mapping(identities), line: openDSR.line, file: file)))
        for name in ignored { _ = fields.optional(name) }
        try fields.finish()
        return DocumentNode(.mapping(entries), line: openDSR.line, file: file)
    }
}
