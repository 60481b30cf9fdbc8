import Synchronization

/// How many store rows a store and its concurrent readers have read and written, counted
/// across their threads: the run reports the night's figures, the benchmark prints them.
///
/// A row is read each time a statement returns it (a person's order read to answer and
/// again to erase counts twice) and written each time an update or delete changes it and
/// the change is kept: writes rolled back are taken back (`keepingWrites`).
public final class StoreTally: Sendable {
    private let rows = Mutex<(read: Int, written: Int)>((0, 0))

    public init() {}

    /// The counts so far.
    public var counts: (read: Int, written: Int) {
        rows.withLock { $0 }
    }

    /// Runs `work`, which writes through this tally's store; when it throws (and its changes
    /// are rolled back), the writes it counted are taken back. A store has one writer, so no
    /// other writes are counted meanwhile.
    package func keepingWrites<T>(_ work: () throws -> T) throws -> T {
        let before = counts.written
        do {
            return try work()
        } catch {
            rows.withLock { $0.written = before }
            throw error
        }
    }

    /// Adds rows to the counts; called once per statement, not per row.
    package func count(read: Int = 0, written: Int = 0) {
        guard read > 0 || written > 0 else { return }
        rows.withLock {
            $0.read += read
            $0.written += written
        }
    }
}
