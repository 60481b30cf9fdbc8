import DSRCore
import DSRKit
import Foundation

/// The night's requests: spread over the store (customer numbers stepping by a prime, so
/// no two requests share a person), 50% access, 20% export, 30% erasure, and one in a
/// hundred naming an address nobody has.
struct RequestBatch {
    struct Request {
        var id: String
        var type: RequestType
        /// The customer asked about, or nil for an unknown identity.
        var customer: Int?
    }

    let requests: [Request]

    init(customers: Int, count: Int) {
        requests = (0..<count).map { index in
            let type: RequestType = index % 10 < 5 ? .access : (index % 10 < 7 ? .export : .erasure)
            let customer = index % 100 == 99 ? nil : (index * 7919) % customers + 1
            return Request(id: String(format: "B-%06d", index), type: type, customer: customer)
        }
    }

    /// One request file per request, by customer number (or an unknown email), verified.
    func writeFiles(into inbox: URL) throws {
        let yesterday = Date(timeIntervalSinceNow: -86_400)
        let received = Timestamp.format(yesterday)
        for request in requests {
            let subject = request.customer.map { "customer_no: \(String(format: "C-%06d", $0))" } ?? "email: nobody-\(request.id)@example.org"
            let text = """
                id: \(request.id)
                type: \(request.type.rawValue)
                received_at: \(received)
                subject: {\(subject)}
                verification: {method: bankid, verified_at: \(received)}

                """
            let url = inbox.appendingPathComponent("\(request.id).yaml")
            try Data(text.utf8).write(to: url)
            try FileTimes.setModified(url, to: yesterday)
        }
    }
}
