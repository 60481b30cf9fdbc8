import Foundation
import Synchronization

/// Runs `second` on a thread of its own while `first` runs on the caller's, and returns
/// both results once both are done. `second` shares only `Sendable` values with the caller;
/// `first` may use anything the caller has.
package func concurrently<First, Second: Sendable>(_ first: () -> First, _ second: @Sendable () -> Second) -> (First, Second) {
    withoutActuallyEscaping(second) { second in
        let handoff = Handoff(second)
        let thread = Thread { handoff.run() }
        // The same stack as the main thread's, so deep work does not overflow on this one.
        thread.stackSize = 8 << 20
        thread.start()
        let firstResult = first()
        return (firstResult, handoff.wait())
    }
}

/// The work `concurrently` hands to its thread, and the result the thread hands back.
private final class Handoff<Result: Sendable>: Sendable {
    private let work: Mutex<(@Sendable () -> Result)?>
    private let result = Mutex<Result?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () -> Result) {
        self.work = Mutex(work)
    }

    /// Runs the work on the calling thread. The work is let go of before the result is
    /// handed back: it belongs to the caller's frame, which may end as soon as `wait` returns.
    func run() {
        let outcome = takeWork()()
        result.withLock { $0 = outcome }
        finished.signal()
    }

    /// Waits for `run` to finish and returns its result.
    func wait() -> Result {
        finished.wait()
        return result.withLock { $0.take()! }
    }

    private func takeWork() -> @Sendable () -> Result {
        work.withLock { $0.take()! }
    }
}
