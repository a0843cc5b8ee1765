#ifndef RESPITE_SOCKET_H
#define RESPITE_SOCKET_H

/* Two socket calls the clinic's control socket needs that glibc declares only under _GNU_SOURCE: accept4 and the
   peer's credentials (SO_PEERCRED, struct ucred). A C file of their own, and a header that includes no system
   header, so the socket declarations stay Glibc's in every Swift file. */

/// The peer's process id, user id and group id, as the kernel vouches for them.
struct respite_peer {
    int pid;
    unsigned int uid;
    unsigned int gid;
};

/// Fills `peer` for the connected Unix socket `socket`: 0, or -1 with errno set.
int respite_peer_credentials(int socket, struct respite_peer *peer);

/// Accepts a connection on `listener` with close-on-exec set from the start: the descriptor, or -1 with errno.
int respite_accept_cloexec(int listener);

#endif
