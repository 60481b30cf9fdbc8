import DSRCore
/// One format (JSON or XML) of an answer document, written as the data streams past.
protocol AnswerFormatWriter: AnyObject {
    /// The file being written.
    var output: FileOutput { get }
    func begin(_ header: AnswerHeader) throws
    func beginTable(_ table: MappedTable, columns: [MappedColumn]) throws
    func row(_ values: [StoreValue], columns: [MappedColumn]) throws
    func endTable() throws
    func finish() throws
}
