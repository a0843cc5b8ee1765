#ifndef CProcess_SHIM_H
#define CProcess_SHIM_H
#include <spawn.h>

/* glibc declares these only under _GNU_SOURCE, which the C library's module is not built with (as dlinfo in
   CEspeak). Both are in glibc since 2.34 (Debian bookworm has 2.36). */

/// Closes every descriptor from `from` up in the child, so a spawned engine inherits none of Respite's.
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
/// A pipe whose ends are close-on-exec from the start (no window in which another thread's spawn inherits them).
extern int pipe2(int ends[2], int flags);

#include <sys/socket.h>
#include <sys/types.h>

/* struct ucred is declared only under _GNU_SOURCE too. The kernel's layout (pid, uid, gid, each 32 bits) is
   fixed ABI, so the clinic's control socket reads it into a struct of its own. */
struct respite_peer { int pid; unsigned int uid; unsigned int gid; };

#ifndef SO_PEERCRED
#define SO_PEERCRED 17
#endif

/// Who is at the other end of a connected Unix socket: 0, or -1 with errno.
static inline int respite_peer_credentials(int socket, struct respite_peer *peer) {
    socklen_t length = sizeof *peer;
    return getsockopt(socket, SOL_SOCKET, SO_PEERCRED, peer, &length);
}
#endif
