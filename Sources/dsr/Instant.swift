import ArgumentParser
import DSRCore
import DSRKit
import Foundation

/// A point in time given on the command line: ISO 8601 with its UTC offset, so that a time
/// written in Oslo is not read as UTC.
struct Instant: ExpressibleByArgument {
    let date: Date

    init?(argument: String) {
        guard let date = Timestamp.parse(argument) else { return nil }
        self.date = date
    }
}
