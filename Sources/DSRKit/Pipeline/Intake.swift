import CFileSystem
import DSRCore
import Foundation
import Logging

/// Takes the request files in the inbox: a good file becomes a ledger request and moves to
/// `inbox/accepted/`; a bad one moves to `inbox/rejected/` beside `<name>.error.txt`. No
/// file is deleted, and a file taken twice (say after a crash) is a no-op the second time.
public struct Intake: Sendable {
    public let inbox: URL
    public let parser: RequestFileParser
    public let ledger: Ledger
    public let keyring: SubjectKeyring
    public let controller: Configuration.Controller
    public let settleSeconds: Int
    public let logger: Logger

    public init(inbox: URL, parser: RequestFileParser, ledger: Ledger, keyring: SubjectKeyring,
                controller: Configuration.Controller, settleSeconds: Int, logger: Logger) {
        self.inbox = inbox
        self.parser = parser
        self.ledger = ledger
        self.keyring = keyring
        self.controller = controller
        self.settleSeconds = settleSeconds
        self.logger = logger
    }

    /// What intake did with the inbox.
    public struct Report: Sendable, Codable, Equatable {
        public var accepted: [String] = []
        public var duplicates: [String] = []
        public var rejected: [RejectedFile] = []
        /// Files changed in the last seconds: still being written, taken next run.
        public var settling: [String] = []
        /// Inbox entries that are not regular files: never followed, opened or moved.
        public var notTaken: [InboxEntry] = []
        /// Files whose modification time lies ahead of the machine's clock (copied from a
        /// machine whose clock runs ahead): no writer is at them now, so they are taken.
        public var futureDated: [String] = []

        enum CodingKeys: String, CodingKey {
            case accepted, duplicates, rejected, settling, notTaken = "not_taken", futureDated = "future_dated"
        }
    }

    /// An inbox entry dsr leaves alone, and what it is.
    public struct InboxEntry: Sendable, Codable, Equatable {
        public var name: String
        /// `symbolic link`, `folder`, `FIFO`, `socket` or `device`.
        public var kind: String
    }

    /// The inbox as intake sees it: the request files, and the entries it does not take.
    public struct Listing {
        public var files: [(url: URL, modified: Date)] = []
        public var notTaken: [InboxEntry] = []
    }

    /// What a pass took: its report, and the requests of the files it accepted by id, so
    /// the run that took them does not read them back from the ledger.
    public struct Taken: Sendable {
        public var report = Report()
        public var requests: [String: DataSubjectRequest] = [:]
    }

    public struct RejectedFile: Sendable, Codable, Equatable {
        public var file: String
        public var problems: [String]
    }

    public var acceptedFolder: URL { inbox.appendingPathComponent("accepted", isDirectory: true) }
    public var rejectedFolder: URL { inbox.appendingPathComponent("rejected", isDirectory: true) }

    /// Stops intake (78) before a file moves when `accepted/` or `rejected/` is anything but
    /// a real folder: through a symbolic link, request files (personal data) would leave
    /// the inbox for wherever the link points.
    private func refuseLinkedFolders() throws {
        for folder in [acceptedFolder, rejectedFolder] {
            var status = stat()
            guard lstat(folder.path, &status) == 0 else { continue }  // made when first needed
            guard status.st_mode & S_IFMT == S_IFDIR else {
                throw DSRError.configuration("""
                    \(folder.path) is a \(Self.kind(of: status.st_mode & S_IFMT)), not a folder: dsr moves request files only \
                    into folders inside the inbox. Replace it with a folder; nothing was moved
                    """)
            }
        }
    }

    /// How many files are recorded in one ledger transaction and moved with one sync.
    static let chunkSize = 256

    public func run(now: Date) throws -> Taken {
        try refuseLinkedFolders()
        var taken = Taken()
        let ready = try Self.readyFiles(in: inbox, settleSeconds: settleSeconds, report: &taken.report)
        if !ready.isEmpty { try DurableFile.createFolder(acceptedFolder) }
        let chunks = ready.chunked(into: Self.chunkSize)
        let reader = SubmissionReader(parser: parser, keyring: keyring)
        let read = { @Sendable (files: ArraySlice<URL>) in reader.read(files) }
        var parsed = chunks.first.map(read)
        for index in chunks.indices {
            let current = parsed!
            let next = chunks.indices.contains(index + 1) ? chunks[index + 1] : nil
            // The next chunk is read and parsed on another core while this one is recorded
            // and moved: parsing is pure, and recording stays in file order.
            let took: Result<Void, Error>
            (took, parsed) = concurrently({ Result { try take(current, now: now, into: &taken) } }, { next.map(read) })
            try took.get()
        }
        return taken
    }

    /// The inbox's request files ready to be taken, in name order; those changed in the
    /// last `settleSeconds` (still being written) and the entries that are not regular
    /// files go into `report` instead.
    static func readyFiles(in inbox: URL, settleSeconds: Int, report: inout Report) throws -> [URL] {
        // File times are the real clock's, whatever clock the run counts deadlines by.
        let settled = Date().addingTimeInterval(-Double(settleSeconds))
        var ready: [URL] = []
        let listing = try listing(of: inbox)
        report.notTaken = listing.notTaken
        // A file dated more than the settle time ahead is no file being written now: a
        // writer's clock is this machine's. Waiting for it would wait until that date.
        let ahead = Date().addingTimeInterval(Double(settleSeconds))
        for file in listing.files {
            if file.modified > ahead {
                report.futureDated.append(file.url.lastPathComponent)
                ready.append(file.url)
            } else if file.modified > settled {
                report.settling.append(file.url.lastPathComponent)
            } else {
                ready.append(file.url)
            }
        }
        return ready
    }

    /// The error of a file whose request ids are already in the ledger with other content.
    static func conflict(ids: [String], file: String) -> RequestFileError {
        RequestFileError(problems: ids.map { id in
            InputProblem(SourceLocation(file: file, field: "id"), "request id '\(id)' is already in the ledger with different content")
        })
    }

    /// Records a chunk of parsed files in one ledger transaction, then moves them: accepted
    /// ones to `accepted/`, rejected ones beside their error file in `rejected/`. Killed
    /// between the two, the next run finds the requests known and only moves the files.
    private func take(_ read: [(URL, Result<[Ledger.Submission], RequestFileError>)], now: Date, into taken: inout Taken) throws {
        let recorded = try record(files: read.compactMap { file, result in
            (try? result.get()).map { (file.lastPathComponent, $0) }
        }, now: now)
        var moves: [(file: URL, folder: URL)] = []
        var rejections = false
        for (file, result) in read {
            let name = file.lastPathComponent
            switch result.flatMap({ _ in recorded[name]! }) {
            case .success(let isNew):
                moves.append((file, acceptedFolder))
                if isNew { taken.report.accepted.append(name) } else { taken.report.duplicates.append(name) }
                for submission in (try? result.get()) ?? [] { taken.requests[submission.request.id] = submission.request }
                logger.debug("request file accepted", metadata: ["file": "\(keyring.fileReference(name))", "duplicate": "\(!isNew)"])
            case .failure(let error):
                let problems = error.problems.map(\.description)
                try writeErrorFile(for: file, problems: problems)
                rejections = true
                moves.append((file, rejectedFolder))
                taken.report.rejected.append(RejectedFile(file: name, problems: problems))
                // The log names the file as the audit trail does: a name may be personal data
                // (`kari.nordmann@example.no.yaml`), and logs are kept and shipped.
                logger.notice("request file rejected", metadata: ["file": "\(keyring.fileReference(name))", "problems": "\(problems.count)"])
            }
        }
        // Error files are durable before their request files move beside them.
        if rejections { DurableFile.barrier(for: rejectedFolder) }
        for move in moves { try Self.move(move.file, into: move.folder, syncing: false) }
        for folder in [inbox, acceptedFolder, rejectedFolder] where FileManager.default.fileExists(atPath: folder.path) {
            DurableFile.syncFolder(folder)
        }
    }

    /// The request files waiting in the inbox, in name order, with the time each was last
    /// changed. Hidden files (temporary names of files being copied in) and dsr's own
    /// folders are left alone; any other entry that is not a regular file (a symbolic link,
    /// a folder, a FIFO, a socket) is listed as not taken and never followed or opened, so
    /// a link cannot make dsr read a file outside the inbox and a FIFO cannot block a run.
    /// One `lstat` an entry: Foundation's attribute lookup also lists extended attributes.
    static func listing(of inbox: URL) throws -> Listing {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: inbox.path)
        } catch {
            throw DSRError.missingInput("\(inbox.path): the inbox folder cannot be read")
        }
        var listing = Listing()
        for name in names.sorted() where !name.hasPrefix(".") {
            let url = inbox.appendingPathComponent(name, isDirectory: false)
            var status = stat()
            guard lstat(url.path, &status) == 0 else { continue }  // gone since the listing
            switch status.st_mode & S_IFMT {
            case S_IFREG:
                let modified = Date(timeIntervalSince1970: Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9)
                listing.files.append((url, modified))
            case S_IFDIR where ownFolders.contains(name):
                continue
            case let type:
                listing.notTaken.append(InboxEntry(name: name, kind: Self.kind(of: type)))
            }
        }
        return listing
    }

    /// The folders intake keeps in the inbox.
    static let ownFolders: Set<String> = ["accepted", "rejected", RecipientCallbacks.folderName]

    private static func kind(of type: mode_t) -> String {
        switch type {
        case S_IFLNK: return "symbolic link"
        case S_IFDIR: return "folder"
        case S_IFIFO: return "FIFO"
        case S_IFSOCK: return "socket"
        default: return "device"
        }
    }

    /// Records one file's parsed requests, all or none; success says whether any is new.
    public func record(_ requests: [DataSubjectRequest], sourceFile: String, now: Date) throws -> Result<Bool, RequestFileError> {
        switch SubmissionReader(parser: parser, keyring: keyring).submissions(requests, sourceFile: sourceFile) {
        case .success(let submissions): return try record(files: [(sourceFile, submissions)], now: now)[sourceFile]!
        case .failure(let error): return .failure(error)
        }
    }

    /// Records the requests of many files in one ledger transaction; per file, success
    /// says whether any of its requests is new. A fault of the machine (the ledger's disk
    /// full) is thrown: the files are not at fault and stay in the inbox for the next run.
    func record(files: [(sourceFile: String, submissions: [Ledger.Submission])], now: Date) throws -> [String: Result<Bool, RequestFileError>] {
        do {
            // The ledger and its audit trail know a file by a keyed reference to its name: a
            // name may be a person's ("erasure from Sigrid Nordmann.yaml") and the trail is
            // kept for ever. The name itself is only in this run's summary and error file.
            var nameByReference: [String: String] = [:]
            for file in files { nameByReference[keyring.fileReference(file.sourceFile)] = file.sourceFile }
            let referenced = files.map { (sourceFile: keyring.fileReference($0.sourceFile), submissions: $0.submissions) }
            var named: [String: Result<Bool, RequestFileError>] = [:]
            for (reference, result) in try ledger.enqueue(files: referenced, controller: controller, now: now) {
                let file = nameByReference[reference]!
                if result.conflicts.isEmpty {
                    named[file] = .success(result.outcomes.contains { if case .added = $0 { return true } else { return false } })
                } else {
                    named[file] = .failure(Self.conflict(ids: result.conflicts, file: file))
                }
            }
            return named
        } catch {
            if let fault = MachineFault.of(error) { throw fault }
            return Dictionary(uniqueKeysWithValues: files.map { file in
                (file.sourceFile, .failure(RequestFileError(problems: [
                    InputProblem(SourceLocation(file: file.sourceFile), "cannot be recorded: \(error)")])))
            })
        }
    }

    /// Writes the error file the rejected request file will lie beside; killed before the
    /// file moves, the next run simply rejects it again.
    private func writeErrorFile(for file: URL, problems: [String]) throws {
        try Self.writeErrorFile(for: file, problems: problems, in: rejectedFolder, what: "request file")
    }

    /// Writes `<name>.error.txt` into `folder` (created if missing) for the file that will
    /// move there.
    static func writeErrorFile(for file: URL, problems: [String], in folder: URL, what: String) throws {
        try DurableFile.createFolder(folder)
        let destination = try move(file, into: folder, dryRun: true)
        let text = """
            dsr did not accept this \(what).
            file: \(file.lastPathComponent.escapedForDisplay)
            problems:
            \(problems.map { "  - \($0)" }.joined(separator: "\n"))

            Correct the file and drop it into the inbox again.

            """
        try DurableFile.write(Data(text.utf8), to: folder.appendingPathComponent(destination.lastPathComponent + errorSuffix, isDirectory: false))
    }

    /// What a rejected file's error file adds to its name.
    static let errorSuffix = ".error.txt"
    /// The longest file name the file systems dsr runs on take, in bytes.
    static let nameLimit = 255

    /// Moves a file into a folder (which exists) under its own name, or `name-2`, `name-3`, … if taken.
    /// The name is claimed by the rename itself (no check first): one system call per file.
    /// A name whose error file's name, or a taken name's numbered one, would pass the file
    /// system's limit is shortened (`fitting`), the same way every time.
    @discardableResult
    static func move(_ file: URL, into folder: URL, dryRun: Bool = false, syncing: Bool = true) throws -> URL {
        var counter = 1
        while true {
            let destination = folder.appendingPathComponent(fitting(counter == 1 ? file.lastPathComponent : Self.name(file, counter)),
                                                            isDirectory: false)
            if dryRun {
                if !FileManager.default.fileExists(atPath: destination.path) { return destination }
            } else if dsr_rename_noreplace(file.path, destination.path) == 0 {
                if syncing { DurableFile.syncFolder(folder) }
                return destination
            } else if errno != EEXIST {
                throw DSRError.machineFault("\(destination.path): cannot move the request file here (\(String(cString: strerror(errno))))")
            }
            counter += 1
        }
    }

    /// `name`, or when it and its error file's suffix pass `nameLimit` bytes, its stem cut at
    /// a character boundary and marked with a digest (FNV-1a) of the whole name (two long
    /// names sharing a beginning, or one and its `-2`, stay apart), its extension kept.
    static func fitting(_ name: String) -> String {
        guard name.utf8.count + errorSuffix.utf8.count > nameLimit else { return name }
        let ext = (name as NSString).pathExtension
        let mark = "~" + String(name.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }, radix: 16)
        let tail = mark + (ext.isEmpty ? "" : "." + ext)
        var stem = ""
        for character in (name as NSString).deletingPathExtension {
            guard stem.utf8.count + String(character).utf8.count + tail.utf8.count + errorSuffix.utf8.count <= nameLimit else { break }
            stem.append(character)
        }
        return stem + tail
    }

    /// `name-2.yaml` for `name.yaml` and 2.
    private static func name(_ file: URL, _ counter: Int) -> String {
        let stem = file.deletingPathExtension().lastPathComponent
        let ext = file.pathExtension
        return ext.isEmpty ? "\(stem)-\(counter)" : "\(stem)-\(counter).\(ext)"
    }
}
