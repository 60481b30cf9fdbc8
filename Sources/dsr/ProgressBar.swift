import DSRCore
import Foundation

/// A one-line progress bar on standard error, for runs watched on a terminal (never when
/// the output goes to a pipe or a log).
enum ProgressBar {
    static let width = 30

    @Sendable static func draw(done: Int, total: Int) {
        guard total > 0 else { return }
        let filled = width * min(done, total) / total
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total) requests".utf8))
    }

    static func clear() {
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
