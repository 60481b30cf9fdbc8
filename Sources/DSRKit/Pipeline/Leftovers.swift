import Foundation

/// What a run killed half way leaves behind that no later step would remove: temporary
/// files of error files in `inbox/rejected/` (`.name.UUID.tmp`) and staging folders of
/// answers and receipts in `outbox/.staging/`. Swept at the start of a run, under its lock:
/// no other run writes them then, and a request in progress is restaged from scratch.
enum Leftovers {
    /// Removes them; returns how many entries went.
    static func sweep(rejected: URL, outbox: URL) -> Int {
        var removed = 0
        let files = FileManager.default
        for name in (try? files.contentsOfDirectory(atPath: rejected.path)) ?? [] where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            if unlink(rejected.appendingPathComponent(name).path) == 0 { removed += 1 }
        }
        let staging = outbox.appendingPathComponent(".staging", isDirectory: true)
        for name in (try? files.contentsOfDirectory(atPath: staging.path)) ?? [] {
            if (try? files.removeItem(at: staging.appendingPathComponent(name))) != nil { removed += 1 }
        }
        return removed
    }
}
