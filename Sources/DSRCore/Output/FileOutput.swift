import Crypto
import Foundation

/// A new file written through a buffer, hashed (SHA-256) as it is written, and synced to
/// disk when closed. Created with mode 0600 and never over an existing file. An output
/// `inMemory()` collects its bytes instead, for pieces rendered once and copied into many
/// files.
public final class FileOutput {
    public let url: URL
    private var descriptor: Int32
    /// The bytes not yet written: raw memory rather than an array, since every value of
    /// every answer passes through here and an array's append checks cost more than the copy.
    private var buffer: UnsafeMutableRawPointer?
    private var buffered = 0
    private var capacity = 0
    private var hasher = SHA256()
    public private(set) var byteCount = 0
    /// The SHA-256 of the content in hex, once closed.
    public private(set) var sha256: String?
    private static let bufferSize = 16 * 1024

    /// The bytes of an output in memory, once closed.
    package private(set) var collected: [UInt8]?

    public init(creating url: URL) throws {
        self.url = url
        descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            // dsr's own folders: whatever stops a file being made there is the machine's.
            throw DSRError.machineFault("\(url.path): cannot create file (\(String(cString: strerror(errno))))",
                                        status: errno == ENOSPC || errno == EDQUOT || errno == EIO ? .ioError : .cannotCreate)
        }
    }

    private init() {
        url = URL(fileURLWithPath: "/dev/null", isDirectory: false)
        descriptor = -1
        collected = []
    }

    /// An output whose bytes stay in memory (`collected`); closing it syncs nothing.
    package static func inMemory() -> FileOutput { FileOutput() }

    deinit {
        if descriptor >= 0 { Foundation.close(descriptor) }
        buffer?.deallocate()
    }

    public func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    public func write(_ text: StaticString) throws {
        try write(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    public func write(_ data: Data) throws {
        try data.withUnsafeBytes { try write($0) }
    }

    /// Small writes are gathered in the buffer and hashed a buffer at a time: a hash update
    /// per value written cost more than the writing. The buffer grows with the file up to
    /// its size, so a batch of small answers held open at once stays small.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        byteCount += bytes.count
        if buffered + bytes.count > Self.bufferSize { try flush() }
        if bytes.count >= Self.bufferSize {
            hasher.update(bufferPointer: bytes)
            try writeThrough(bytes)
            return
        }
        if buffered + bytes.count > capacity { grow(toHold: buffered + bytes.count) }
        guard let base = bytes.baseAddress, let buffer else { return }
        (buffer + buffered).copyMemory(from: base, byteCount: bytes.count)
        buffered += bytes.count
    }

    /// Doubles the buffer (from 1 KiB) until it holds `count` bytes, up to its full size.
    private func grow(toHold count: Int) {
        var newCapacity = max(capacity, 1024)
        while newCapacity < count { newCapacity *= 2 }
        newCapacity = min(newCapacity, Self.bufferSize)
        let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 1)
        if let buffer {
            grown.copyMemory(from: buffer, byteCount: buffered)
            buffer.deallocate()
        }
        buffer = grown
        capacity = newCapacity
    }

    /// Flushes and closes the file, syncing it unless the caller makes a whole batch
    /// durable at once (`DurableFile.barrier(for:)`); returns its SHA-256 in hex.
    @discardableResult
    public func close(syncing: Bool = true) throws -> String {
        try flush()
        buffer?.deallocate()
        buffer = nil
        capacity = 0
        guard descriptor >= 0 else { return "" }
        if syncing { guard fsync(descriptor) == 0 else { throw ioError("cannot sync") } }
        Foundation.close(descriptor)
        descriptor = -1
        let digest = Data(hasher.finalize()).hexString
        sha256 = digest
        return digest
    }

    private func flush() throws {
        guard buffered > 0, let buffer else { return }
        let bytes = UnsafeRawBufferPointer(start: buffer, count: buffered)
        hasher.update(bufferPointer: bytes)
        try writeThrough(bytes)
        buffered = 0
    }

    private func writeThrough(_ bytes: UnsafeRawBufferPointer) throws {
        if collected != nil { return collected!.append(contentsOf: bytes) }
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw ioError("cannot write")
            }
            offset += written
        }
    }

    private func ioError(_ what: String) -> DSRError {
        DSRError.machineFault("\(url.path): \(what) (\(String(cString: strerror(errno))))")
    }
}
