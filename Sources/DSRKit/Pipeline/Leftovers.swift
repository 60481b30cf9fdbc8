import DSRCore
import Foundation

/// What a run killed half way leaves behind that no later step would remove: the
/// temporary files `DurableFile` writes beside their targets (`.UUID.tmp`) — error
/// files in `inbox/rejected/`, recipient batches in `outbox/recipients/*/` (customer
/// numbers, erasure notices), breach letters in `outbox/breaches/*/`, the status page, the
/// metrics file — and staging folders of answers and receipts in `outbox/.staging/`.
/// Swept at the start of a run, under its lock: no other run writes them then, and a
/// request in progress is restaged from scratch.
enum Leftovers {
    /// Removes them from `rejected`, the outbox's folders and `files`' folders; returns how
    /// many entries went.
    static func sweep(rejected: URL, outbox: URL, files: [URL]) -> Int {
        let manager = FileManager.default
        var folders = [rejected] + files.map { $0.deletingLastPathComponent() }
        for parent in [RecipientBatchWriter.folderName, "breaches"] {
            let folder = outbox.appendingPathComponent(parent, isDirectory: true)
            folders += ((try? manager.contentsOfDirectory(atPath: folder.path)) ?? []).map { folder.appendingPathComponent($0, isDirectory: true) }
        }
        var removed = 0
        for folder in Set(folders.map(\.standardizedFileURL)) {
            for name in (try? manager.contentsOfDirectory(atPath: folder.path)) ?? [] where isTemporary(name) {
                if unlink(folder.appendingPathComponent(name).path) == 0 { removed += 1 }
            }
        }
        let staging = outbox.appendingPathComponent(".staging", isDirectory: true)
        for name in (try? manager.contentsOfDirectory(atPath: staging.path)) ?? [] {
            if (try? manager.removeItem(at: staging.appendingPathComponent(name))) != nil { removed += 1 }
        }
        return removed
    }

    /// Whether a name is one `DurableFile` gives a file before its rename: `.`, a UUID,
    /// `.tmp` (earlier versions put the target's name before the UUID). Nothing else in
    /// those folders is touched.
    static func isTemporary(_ name: String) -> Bool {
        guard name.hasPrefix("."), name.hasSuffix(".tmp") else { return false }
        let stem = name.dropLast(4)
        guard let dot = stem.lastIndex(of: ".") else { return false }
        return UUID(uuidString: String(stem[stem.index(after: dot)...])) != nil
    }
}
