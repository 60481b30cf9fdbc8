import DSRCore
import Foundation

/// One run at a time per ledger: an exclusive `flock` on a file beside the ledger, released
/// by the kernel when the process ends, however it ends.
public final class RunLock {
    private let descriptor: Int32

    /// Takes the lock or fails at once with exit status 75.
    public init(ledgerURL: URL) throws {
        let url = ledgerURL.deletingLastPathComponent().appendingPathComponent("dsr.lock")
        try DurableFile.createFolder(url.deletingLastPathComponent())
        descriptor = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw DSRError.cannotCreate("\(url.path): cannot open the lock file") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw DSRError(.temporaryFailure, "another dsr run holds the lock \(url.path); try again later")
        }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
