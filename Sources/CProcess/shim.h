#ifndef CProcess_SHIM_H
#define CProcess_SHIM_H
#include <spawn.h>

/* glibc declares these only under _GNU_SOURCE, which the C library's module is not built with (as dlinfo in
   CEspeak). Both are in glibc since 2.34 (Debian bookworm has 2.36). */

/// Closes every descriptor from `from` up in the child, so a spawned engine inherits none of Respite's.
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
/// A pipe whose ends are close-on-exec from the start (no window in which another thread's spawn inherits them).
extern int pipe2(int ends[2], int flags);

#endif
