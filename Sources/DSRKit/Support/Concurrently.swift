import Foundation

/// Runs `second` on a thread of its own while `first` runs on the caller's, and returns
/// both results once both are done.
///
/// The two closures are not checked for `Sendable`: callers pass work that shares only
/// values nobody changes and objects that serialise their own access (the ledger's queue,
/// a logger), each side using its own store connection.
func concurrently<First, Second>(_ first: () -> First, _ second: () -> Second) -> (First, Second) {
    withoutActuallyEscaping(second) { second in
        let work = UncheckedBox<(() -> Second)?>(second)
        let result = UncheckedBox<Second?>(nil)
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread {
            result.value = work.value!()
            // Let go of the closure before the caller's frame, which owns it, can end.
            work.value = nil
            finished.signal()
        }
        // The same stack as the main thread's, so deep work does not overflow on this one.
        thread.stackSize = 8 << 20
        thread.start()
        let firstResult = first()
        finished.wait()
        return (firstResult, result.value!)
    }
}

/// A value handed to another thread without a `Sendable` check; see `concurrently`.
private final class UncheckedBox<Value>: @unchecked Sendable {
    var value: Value

    init(_ value: Value) {
        self.value = value
    }
}
