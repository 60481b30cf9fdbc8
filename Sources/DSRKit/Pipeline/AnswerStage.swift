import DSRCore
import Foundation
import Logging
import Synchronization

/// Answers resolved access and export requests. The answers of a chunk are open at once
/// and each mapped table is read with one query for the whole chunk, its rows streamed into
/// the answers of the people they belong to. Several threads can answer the same batch,
/// each through its own store connection, taking chunks from one `AnswerQueue`; the
/// finished answers go to an `OutboxPublisher`.
struct AnswerStage {
    let map: DataMap
    let outbox: Outbox
    let controller: Configuration.Controller
    let keyring: SubjectKeyring
    let letters: LetterTemplates
    let logger: Logger

    /// Writes answers for the chunks taken from `queue` until it is empty, reading through
    /// `stores`, and hands them to `publisher`. Returns the new state of each request that
    /// failed; the others are completed by the publisher.
    func answer(from queue: AnswerQueue, using stores: StoreSet, publishingWith publisher: OutboxPublisher,
                now: Date) -> [Ledger.Transition] {
        var failures: [Ledger.Transition] = []
        let fragments = JSONFragmentCache()
        while let chunk = queue.take() {
            var open: [(item: ResolvedRequest, writer: AnswerWriter)] = []
            for item in chunk {
                do {
                    var header = AnswerHeader(for: item.record, controller: controller, facts: map.facts,
                                              subjectFound: item.person != nil, generatedAt: now)
                    header.alsoAnswers = item.alsoAnswers
                    let heading = LetterHeading(kind: item.person == nil ? .noData : LetterKind(for: item.record.type),
                                                header: header, controller: controller,
                                                language: LetterHeading.language(of: item.record, controller: controller))
                    let writer = try AnswerWriter(header: header, kind: AnswerKind(for: item.record.type),
                                                  formats: item.request.formats, outbox: outbox, fragments: fragments,
                                                  letter: LetterWriter(heading: heading, templates: letters),
                                                  countryColumn: map.subject.countryColumn.map { QualifiedColumn(table: map.subject.table, column: $0) })
                    open.append((item, writer))
                } catch {
                    failures.append(failure(item, error))
                }
            }
            do {
                try streamTables(into: open.filter { $0.item.person != nil }, from: stores)
            } catch {
                logger.error("reading the store failed; the requests are retried next run", metadata: ["error": "\(error)"])
                failures += open.map { failure($0.item, error) }
                continue
            }
            var finished: [OutboxPublisher.Item] = []
            for (item, writer) in open {
                do {
                    finished.append((try writer.finish(), completion(of: item, stores: stores)))
                } catch {
                    failures.append(failure(item, error))
                }
            }
            publisher.submit(finished)
        }
        return failures
    }

    /// What the ledger records once the request's answer is in place.
    func completion(of item: ResolvedRequest, stores: StoreSet) -> Ledger.Transition {
        .completion(of: item.record, subjectReference: item.person.map { $0.reference(keyring: keyring, stores: stores) })
    }

    /// Streams every mapped table's rows of the chunk's people into their answers, segment
    /// by segment (the subject table's store first): one query per table for the chunk.
    private func streamTables(into answers: [(item: ResolvedRequest, writer: AnswerWriter)], from stores: StoreSet) throws {
        guard !answers.isEmpty else { return }
        let writers = answers.map(\.writer)
        for (index, bound) in stores.segments.enumerated() {
            var writersByKey: [String: [AnswerWriter]] = [:]
            var keys: [StoreValue] = []
            for (item, writer) in answers {
                for key in item.person!.keys[index] {
                    if writersByKey[key.canonicalText] == nil { keys.append(key) }
                    writersByKey[key.canonicalText, default: []].append(writer)
                }
            }
            for table in bound.map.tables {
                try stream(table, of: bound, keys: keys, writers: writers, writersByKey: writersByKey,
                           storeName: stores.isLinked ? bound.storeName : nil)
            }
        }
    }

    /// One table's rows of `keys` into the writers of the people they belong to; every
    /// answer of the chunk lists the table, with no rows for a person who has none.
    private func stream(_ table: MappedTable, of bound: StoreSet.Bound, keys: [StoreValue], writers: [AnswerWriter],
                        writersByKey: [String: [AnswerWriter]], storeName: String?) throws {
        let columns = table.columns + table.unlistedReferenceColumns
        // Each document kind shows some of the columns; the query reads them all once.
        var projections: [AnswerKind: (columns: [MappedColumn], indices: [Int])] = [:]
        for kind in Set(writers.map(\.kind)) {
            let shown = kind.columns(of: table)
            projections[kind] = (shown, shown.map { column in columns.firstIndex { $0.name == column.name }! })
        }
        let showing = writers.filter { !projections[$0.kind]!.columns.isEmpty }
        guard !showing.isEmpty else { return }
        for writer in showing { try writer.beginTable(table, store: storeName, columns: projections[writer.kind]!.columns) }
        try bound.store.forEachRow(of: table, columns: columns.map(\.name), subjects: keys, in: bound.map) { key, values in
            for writer in writersByKey[key.canonicalText] ?? [] {
                let projection = projections[writer.kind]!
                if projection.indices.count == values.count {
                    try writer.row(values, columns: projection.columns)
                } else if !projection.indices.isEmpty {
                    try writer.row(projection.indices.map { values[$0] }, columns: projection.columns)
                }
            }
        }
        for writer in showing { try writer.endTable(table, columns: projections[writer.kind]!.columns) }
    }

    private func failure(_ item: ResolvedRequest, _ error: Error) -> Ledger.Transition {
        logger.error("answer failed", metadata: ["request": "\(item.record.id)", "error": "\(error)"])
        return .failure(of: item.record.id, error)
    }
}

/// A batch's answers, handed out a chunk at a time to the threads that write them: a
/// thread that finishes its other work early takes more of the answers.
final class AnswerQueue: Sendable {
    private let items: [ResolvedRequest]
    private let chunkSize: Int
    private let next = Mutex(0)

    /// - Parameter chunkSize: answers per store query; small enough that the threads
    ///   finish close together, large enough that a query serves many answers.
    init(_ items: [ResolvedRequest], chunkSize: Int = 16) {
        self.items = items
        self.chunkSize = chunkSize
    }

    /// The next chunk, or nil when every answer has been taken.
    func take() -> ArraySlice<ResolvedRequest>? {
        let start = next.withLock { next in
            defer { next = min(next + chunkSize, items.count) }
            return next
        }
        guard start < items.count else { return nil }
        return items[start..<min(start + chunkSize, items.count)]
    }
}
