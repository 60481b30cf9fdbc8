#ifndef DSR_CSYSTEM_H
#define DSR_CSYSTEM_H

/// Flushes the file system holding the open file `descriptor` (Linux `syncfs`); returns
/// 0, or -1 with errno set. Elsewhere it falls back to `sync()`.
int dsr_syncfs(int descriptor);

#endif
