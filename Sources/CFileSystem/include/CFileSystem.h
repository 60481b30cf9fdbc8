#ifndef DSR_CFILESYSTEM_H
#define DSR_CFILESYSTEM_H

/// Flushes the file system holding the open file `descriptor` (Linux `syncfs`); returns
/// 0, or -1 with errno set. Elsewhere it falls back to `sync()`.
int dsr_syncfs(int descriptor);

/// Renames a file unless `to` exists (then -1 with errno EEXIST): one system call where
/// a check and a rename would be two, and no window in which another file could be
/// replaced.
int dsr_rename_noreplace(const char *from, const char *to);

#endif
