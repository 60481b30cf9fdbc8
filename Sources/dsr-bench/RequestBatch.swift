import ArgumentParser
import DSRCore
import DSRKit
import Foundation

/// The night's requests: spread over the store (customer numbers stepping by a prime, so
/// no two requests share a person), 50% access, 20% export, 30% erasure, and one in a
/// hundred naming an address nobody has.
struct RequestBatch {
    /// How the night's requests name their people.
    enum Identity: String, CaseIterable, ExpressibleByArgument {
        /// By customer number, as a shop's own forms do.
        case customerNumber = "customer-no"
        /// By phone, as a person calling in does: each number looked up in every spelling
        /// a store may hold it in.
        case phone
    }

    struct Request {
        var id: String
        var type: RequestType
        /// The customer asked about, or nil for an unknown identity.
        var customer: Int?
    }

    let requests: [Request]
    let identity: Identity

    init(customers: Int, count: Int, identity: Identity = .customerNumber) {
        self.identity = identity
        requests = (0..<count).map { index in
            let type: RequestType = index % 10 < 5 ? .access : (index % 10 < 7 ? .export : .erasure)
            let customer = index % 100 == 99 ? nil : (index * 7919) % customers + 1
            return Request(id: String(format: "B-%06d", index), type: type, customer: customer)
        }
    }

    /// One request file per request, naming its person by `identity` (or naming no one), verified.
    func writeFiles(into inbox: URL) throws {
        let yesterday = Date(timeIntervalSinceNow: -86_400)
        let received = Timestamp.format(yesterday)
        for request in requests {
            let subject: String
            switch (identity, request.customer) {
            case (.customerNumber, let customer?): subject = "customer_no: \(String(format: "C-%06d", customer))"
            // The generated store's numbers: Norwegian for odd customers, Swedish for even ones.
            case (.phone, let customer?): subject = "phone: '" + (customer % 2 == 1 ? String(format: "+479%07d", customer) : String(format: "+4670%07d", customer)) + "'"
            case (.customerNumber, nil): subject = "email: nobody-\(request.id)@example.org"
            case (.phone, nil): subject = "phone: '+4740\(request.id.suffix(6))'"
            }
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
