// syncfs and renameat2 are GNU extensions: they are declared only with _GNU_SOURCE, which
// Swift's Glibc module does not set, so dsr reaches them through these functions.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include "CFileSystem.h"

int dsr_syncfs(int descriptor) {
#ifdef __linux__
    return syncfs(descriptor);
#else
    (void)descriptor;
    sync();
    return 0;
#endif
}

int dsr_rename_noreplace(const char *from, const char *to) {
#ifdef __linux__
    int result = renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
    if (result == 0 || errno != EINVAL) return result;
    // A file system without RENAME_NOREPLACE: link, which refuses an existing name, then unlink.
#endif
    if (link(from, to) != 0) return -1;
    return unlink(from);
}
