import DSRCore
import Foundation
import Testing

/// A letter as a person gets it on paper: the access letter opened in headless Chromium and
/// printed to PDF (A4, by the letter's print stylesheet). The PDF and a screenshot are kept
/// in `.build/test-artifacts/` for a person to look at.
@Suite struct LetterPrintTests {
    let workspace: TestWorkspace

    init() throws {
        workspace = try TestWorkspace()
    }

    @Test func anAccessLetterPrintsToPDFInChromium() throws {
        let configuration = try workspace.demo()
        try workspace.runNightly(configuration, at: "2026-11-22T03:00:00Z")
        let letter = workspace.url("demo/outbox/REQ-DEMO-0001/letter.html")
        let artifacts = ExternalTools.packageRoot.appendingPathComponent(".build/test-artifacts", isDirectory: true)
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let pdf = artifacts.appendingPathComponent("access-letter.pdf")
        let screenshot = artifacts.appendingPathComponent("access-letter.png")
        for file in [pdf, screenshot] { try? FileManager.default.removeItem(at: file) }

        let chromium = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--user-data-dir=\(workspace.url("chromium-profile").path)"]
        let printed = try ExternalTools.run(URL(fileURLWithPath: "/usr/bin/env"),
                                            ["chromium"] + chromium + ["--no-pdf-header-footer", "--print-to-pdf=\(pdf.path)", letter.absoluteString])
        #expect(printed.status == 0, "\(printed.stderr)")
        let shot = try ExternalTools.run(URL(fileURLWithPath: "/usr/bin/env"),
                                         ["chromium"] + chromium + ["--window-size=1240,1754", "--screenshot=\(screenshot.path)", letter.absoluteString])
        #expect(shot.status == 0, "\(shot.stderr)")

        // pypdf reads the PDF: at least one A4 page, and the letter's words and the person's
        // own values are on them (a blank page has no text).
        let read = try ExternalTools.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", """
            import json, sys, pypdf
            reader = pypdf.PdfReader(sys.argv[1])
            print(json.dumps({"pages": len(reader.pages), "width": float(reader.pages[0].mediabox.width),
                              "text": " ".join(page.extract_text() for page in reader.pages)}))
            """, pdf.path])
        #expect(read.status == 0, "\(read.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as? [String: Any])
        #expect((document["pages"] as? Int ?? 0) >= 1)
        #expect(abs((document["width"] as? Double ?? 0) - 595.3) < 2, "A4 is 595 points wide")
        let text = (document["text"] as? String ?? "").split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let email = try workspace.storeRows(configuration, "SELECT email FROM customers WHERE id = 1")[0][0]
        #expect(text.contains("Dine personopplysninger") && text.contains(email) && text.contains("Kundekontoen din"))
        let size = try FileManager.default.attributesOfItem(atPath: screenshot.path)[.size] as? Int ?? 0
        #expect(size > 20_000, "the screenshot shows the page")
    }
}
