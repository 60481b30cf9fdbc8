import CFileSystem
import Foundation

/// Small files written so that a crash leaves either the old file or the new one, never a
/// torn one: a temporary name, fsync, rename, fsync of the folder. Files are 0600.
public enum DurableFile {
    /// Writes `data` to `url` atomically. With `replacing: false` an existing file is an error.
    /// `permissions` other than 0600 are for files that hold no personal data and another
    /// user must read (the metrics file).
    public static func write(_ data: Data, to url: URL, replacing: Bool = true, permissions: mode_t = 0o600) throws {
        try write(to: url, replacing: replacing, permissions: permissions) { try $0.write(data) }
    }

    /// Writes a file through `body` (streaming) and renames it into place atomically;
    /// returns its SHA-256.
    @discardableResult
    public static func write(to url: URL, replacing: Bool = true, permissions: mode_t = 0o600,
                             _ body: (FileOutput) throws -> Void) throws -> String {
        let folder = url.deletingLastPathComponent()
        if !replacing && FileManager.default.fileExists(atPath: url.path) {
            throw DSRError.cannotCreate("\(url.path): already exists")
        }
        // A name of its own length, whatever the target's: a target name near the file
        // system's 255-byte limit must not push its temporary file past it.
        let temporary = folder.appendingPathComponent(".\(UUID().uuidString).tmp", isDirectory: false)
        let output = try FileOutput(creating: temporary)
        do {
            try body(output)
            let digest = try output.close()
            if permissions != 0o600 { chmod(temporary.path, permissions) }
            try rename(temporary, to: url)
            return digest
        } catch {
            unlink(temporary.path)
            throw error
        }
    }

    /// Renames within one file system; durable at once unless `syncing` is false (the
    /// caller then syncs the folder once for a whole batch of renames).
    public static func rename(_ source: URL, to destination: URL, syncing: Bool = true) throws {
        guard Foundation.rename(source.path, destination.path) == 0 else {
            throw DSRError.machineFault("\(destination.path): cannot rename into place (\(String(cString: strerror(errno))))")
        }
        if syncing { syncFolder(destination.deletingLastPathComponent()) }
    }

    /// Makes everything written so far on the file system holding `folder` durable, once
    /// for a whole batch of files instead of an fsync per file (Linux `syncfs`: other file
    /// systems' pending writes are not waited for).
    public static func barrier(for folder: URL) {
        let descriptor = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0, dsr_syncfs(descriptor) == 0 else {
            if descriptor >= 0 { close(descriptor) }
            sync()
            return
        }
        close(descriptor)
    }

    /// Makes a folder's entries (new names, renames) durable.
    public static func syncFolder(_ folder: URL) {
        let descriptor = open(folder.path, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    /// Creates a folder (and its parents) with mode 0700, or checks an existing one.
    public static func createFolder(_ folder: URL) throws {
        // The common cases by one system call; FileManager only for missing parents.
        if mkdir(folder.path, 0o700) == 0 { return }
        var isFolder: ObjCBool = false
        if errno == EEXIST, FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue { return }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw DSRError.machineFault("\(folder.path): cannot create folder (\(String(cString: strerror(errno))))", status: .cannotCreate)
        }
    }
}
