import Foundation

/// How many store rows a store and its concurrent readers have read and written, counted
/// across their threads: the run reports the night's figures, the benchmark prints them.
///
/// A row is read each time a statement returns it (a person's order read to answer and
/// again to erase counts twice) and written each time an update or delete changes it and
/// the change is kept: writes rolled back are taken back (`keepingWrites`).
public final class StoreTally: @unchecked Sendable {
    private let lock = NSLock()
    private var read = 0
    private var written = 0

    public init() {}

    /// The counts so far.
    public var counts: (read: Int, written: Int) {
        lock.withLock { (read, written) }
    }

    /// Runs `work`, which writes through this tally's store; when it throws (and its changes
    /// are rolled back), the writes it counted are taken back. A store has one writer, so no
    /// other writes are counted meanwhile.
    func keepingWrites<T>(_ work: () throws -> T) throws -> T {
        let before = counts.written
        do {
            return try work()
        } catch {
            lock.withLock { written = before }
            throw error
        }
    }

    /// Adds rows to the counts; called once per statement, not per row.
    func count(read rows: Int = 0, written changed: Int = 0) {
        guard rows > 0 || changed > 0 else { return }
        lock.withLock {
            read += rows
            written += changed
        }
    }
}
