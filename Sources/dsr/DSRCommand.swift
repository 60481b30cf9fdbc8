import ArgumentParser
import DSRKit

/// The `dsr` command: GDPR data-subject requests and breaches, in batches.
@main
struct DSRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dsr",
        abstract: "Carries out GDPR data-subject requests against a customer store, in nightly batches.",
        discussion: """
            Exit codes: 0 done · 1 some requests failed, need review or are overdue, or files were rejected · \
            64 usage · 65 bad input data · 66 missing input file · 70 an error nothing expected (a defect) · \
            73 cannot create output · 74 I/O error or another fault of the machine (full disk, store unreachable: \
            the requests wait untouched, the next run finishes them) · 75 another run holds the lock · 78 bad configuration · \
            143 (130) a run stopped by SIGTERM (SIGINT) after the batch in hand.
            """,
        version: "dsr \(BuildInfo.version) (\(BuildInfo.commit))",
        subcommands: [Demo.self, Run.self, Submit.self, Validate.self, Status.self, DataMapCommand.self, ErasureCommand.self, RestrictionCommand.self, LegalHoldCommand.self, RecipientsCommand.self, KeyCommand.self,
                      Verify.self, Cancel.self, Review.self, Extend.self, Pause.self, Resume.self, Deadlines.self, Audit.self, Report.self, BreachCommand.self, ConsentCommand.self, TemplatesCommand.self])
}
