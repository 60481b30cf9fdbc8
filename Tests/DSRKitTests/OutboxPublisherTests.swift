@testable import DSRKit
import DSRCore
import Foundation
import Logging
import Testing

/// The publisher between the threads that write answers and the ledger: every
/// folder handed to it comes back exactly once, completed only when it is in place.
@Suite struct OutboxPublisherTests {
    struct DiskFull: Error, CustomStringConvertible {
        var description: String { "no space left on device" }
    }

    @Test func everyFolderComesBackOnceCompletedOnlyWhenInPlace() throws {
        let workspace = try TestWorkspace()
        let outbox = Outbox(root: workspace.url("outbox"))
        try DurableFile.createFolder(outbox.root)
        let failing: Set<String> = ["R-07", "R-23"]
        let publisher = OutboxPublisher(outbox: outbox, logger: Logger(label: "test")) { folders, outbox in
            // Publishing fails for two folders, as a full disk would fail their manifests.
            var failures = ClosedFolder.publish(folders.filter { !failing.contains($0.requestID) }, in: outbox)
            for folder in folders where failing.contains(folder.requestID) { failures[folder.requestID] = DiskFull() }
            return failures
        }
        let ids = (1...40).map { String(format: "R-%02d", $0) }
        // Two writers submit at once, in small chunks, while the ledger side collects.
        var collected: [Ledger.Transition] = []
        let halves = [Array(ids[..<20]), Array(ids[20...])]
        let (first, second) = concurrently({ Result { try Self.submit(halves[0], to: publisher, in: outbox) } },
                                           { Result { try Self.submit(halves[1], to: publisher, in: outbox) } })
        try first.get()
        try second.get()
        collected += publisher.collect()
        collected += publisher.finish()

        #expect(collected.map(\.id).sorted() == ids, "each folder comes back exactly once")
        for transition in collected {
            if failing.contains(transition.id) {
                #expect(transition.state == .failed && transition.reason == "no space left on device")
                #expect(!outbox.hasCompleteAnswer(for: transition.id))
            } else {
                #expect(transition.state == .completed && transition.subjectReference == "subject-\(transition.id)")
                #expect(outbox.hasCompleteAnswer(for: transition.id), "\(transition.id) is in place with its manifest")
            }
        }
        #expect(publisher.collect().isEmpty, "nothing comes back twice")
    }

    /// Stages a folder with one closed file per id and submits them four at a time.
    private static func submit(_ ids: [String], to publisher: OutboxPublisher, in outbox: Outbox) throws {
        for chunk in stride(from: 0, to: ids.count, by: 4).map({ ids[$0..<min($0 + 4, ids.count)] }) {
            let items = try chunk.map { id -> OutboxPublisher.Item in
                let folder = try StagedFolder(requestID: id, outbox: outbox)
                let file = try folder.create("answer.json")
                try file.write("{\"id\": \"\(id)\"}\n")
                try file.close(syncing: false)
                return (folder.closed(), Ledger.Transition(id: id, state: .completed, subjectReference: "subject-\(id)"))
            }
            publisher.submit(items)
        }
    }
}
