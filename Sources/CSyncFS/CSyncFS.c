// syncfs is a GNU extension: it is declared only with _GNU_SOURCE, which Swift's Glibc
// module does not set, so dsr reaches it through this one function.
#define _GNU_SOURCE
#include <unistd.h>
#include "CSyncFS.h"

int dsr_syncfs(int descriptor) {
#ifdef __linux__
    return syncfs(descriptor);
#else
    (void)descriptor;
    sync();
    return 0;
#endif
}
