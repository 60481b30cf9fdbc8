import Foundation

/// A file's modification time, set directly.
///
/// Foundation's `setAttributes([.modificationDate:])` on Linux failed once in a clean-clone
/// test run with EINVAL from the system call; it also writes back the access time it read,
/// converted through `Date`. Here the access time is left alone (`UTIME_OMIT`) and the
/// modification time is whole seconds, which the call always accepts.
public enum FileTimes {
    /// `UTIME_OMIT` of `<sys/stat.h>` (`(1 << 30) - 2`), which Swift does not import.
    private static let omit = (1 << 30) - 2

    /// Sets the modification time of the file at `url` to `date` (to the second below).
    public static func setModified(_ url: URL, to date: Date) throws {
        var times = [timespec(tv_sec: 0, tv_nsec: omit),
                     timespec(tv_sec: time_t(date.timeIntervalSince1970.rounded(.down)), tv_nsec: 0)]
        guard utimensat(AT_FDCWD, url.path, &times, 0) == 0 else {
            throw DSRError.machineFault("\(url.path): cannot set its modification time (\(String(cString: strerror(errno))))")
        }
    }
}
