import ArgumentParser
import Foundation
import Logging

/// How log lines are written to standard error.
enum LogFormat: String, CaseIterable, ExpressibleByArgument {
    /// `text` on a terminal, `syslog` otherwise.
    case auto
    /// swift-log's own line: time, level, label, message, metadata.
    case text
    /// `<N>message key=value`: the syslog priority prefix journald reads, and no time of
    /// our own (journald and syslog add theirs).
    case syslog
    /// One JSON object a line, for log shippers: time, level, message, metadata.
    case json

    /// The format `auto` stands for here.
    var resolved: LogFormat {
        guard self == .auto else { return self }
        return isatty(STDERR_FILENO) != 0 ? .text : .syslog
    }
}

/// A log handler writing one line per event to standard error in the `syslog` or `json`
/// format (`text` is swift-log's `StreamLogHandler`). Messages and metadata never hold
/// personal data: that is the rule of every log call in dsr, not this handler's filter.
struct LineLogHandler: LogHandler {
    let format: LogFormat
    var logLevel: Logger.Level = .notice
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The syslog priority of a level (RFC 5424 severities).
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let line: String
        switch format {
        case .json:
            var object: [String: Any] = ["time": ISO8601DateFormatter().string(from: Date()), "level": event.level.rawValue,
                                         "priority": Self.priority(event.level), "message": "\(event.message)"]
            if !merged.isEmpty { object["metadata"] = merged.mapValues { "\($0)" } }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        default:
            let pairs = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            // One event, one line: a newline inside a message would start a second entry.
            line = "<\(Self.priority(event.level))>" + "\(event.message)\(pairs.isEmpty ? "" : " " + pairs)"
                .replacingOccurrences(of: "\n", with: "\\n")
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
