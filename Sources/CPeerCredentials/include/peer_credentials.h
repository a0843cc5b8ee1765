#ifndef RESPITE_PEER_CREDENTIALS_H
#define RESPITE_PEER_CREDENTIALS_H

/* Who is at the other end of a connected Unix socket (SO_PEERCRED): the clinic's control socket logs it with
   every command. A C file of its own, because struct ucred is declared only under _GNU_SOURCE, and a header
   that includes no system header, so the socket declarations stay Glibc's in every Swift file. */

/// The peer's process id, user id and group id, as the kernel vouches for them.
struct respite_peer {
    int pid;
    unsigned int uid;
    unsigned int gid;
};

/// Fills `peer` for the connected Unix socket `socket`: 0, or -1 with errno set.
int respite_peer_credentials(int socket, struct respite_peer *peer);

#endif
