import DSRCore
import Foundation

/// A night of many requests run by the `dsr` binary, for tests that interrupt one part way
/// (a signal, a lost store) and check that the next run finishes the rest once.
struct BulkNight {
    let workspace: TestWorkspace
    let configuration: URL
    let process = Process()
    let output: URL

    /// Leaves only `rows` (request CSV lines after the header) in the demo's inbox, with
    /// batches of 20 so that the run is stopped between batches, and starts the night.
    init(workspace: TestWorkspace, configuration: URL, rows: [String]) throws {
        self.workspace = workspace
        self.configuration = configuration
        let text = try String(contentsOf: configuration, encoding: .utf8)
        try (text + "\nbatch_size: 20\nrepeat_window_days: 0\n").write(to: configuration, atomically: true, encoding: .utf8)
        for name in try FileManager.default.contentsOfDirectory(atPath: workspace.url("demo/inbox").path) {
            try FileManager.default.removeItem(at: workspace.url("demo/inbox/\(name)"))
        }
        let header = "id,type,received_at,subject.customer_no,verification.method,verification.verified_at\n"
        try workspace.write(header + rows.joined(separator: "\n") + "\n", to: "demo/inbox/bulk.csv")

        output = workspace.url("night.out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        process.executableURL = ExternalTools.dsrBinary
        process.arguments = ["run", "nightly", "--config", configuration.path]
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: output)
        try process.run()
    }

    /// A request line of the bulk file, received and verified the day before the night.
    static func row(_ id: String, _ type: String, customer: Int) -> String {
        "\(id),\(type),2026-11-21T10:00:00+01:00,C-\(String(format: "%06d", customer)),bankid,2026-11-21T10:05:00+01:00"
    }

    /// Waits (two minutes at most) until `count` answers of the night are in the outbox.
    func waitForAnswers(_ count: Int, prefix: String) {
        let outbox = workspace.url("demo/outbox")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, ((try? FileManager.default.contentsOfDirectory(atPath: outbox.path)) ?? [])
            .filter({ $0.hasPrefix(prefix) }).count < count {
            usleep(20_000)
        }
    }

    /// Waits for the night to end; its exit status and what it printed.
    func finish() throws -> (status: Int32, printed: String) {
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOf: output, encoding: .utf8))
    }
}
