// Every limit of the netstack daemon, in one place.

/**
 * IP MTU of the daemon's loopback (Linux's lo had 16436 for years). Much less than netstack's 65535 so that
 * a window holds several segments: with one 64 KiB segment per window, Nagle on the sender and the
 * delayed ACK on the receiver would wait for each other (40 ms per window).
 */
export const NETD_LOOPBACK_MTU = 16384;
export const NETD_TCP_BUFFER = 256 * 1024;   // send and receive buffer of every TCP connection
export const NETD_LOOP_QUEUE = 4096;         // datagrams the loopback holds between two interface polls
export const NETD_POLL_ROUNDS = 256;         // interface polls per turn at most, while the loopback has datagrams
export const NETD_DEFAULT_BACKLOG = 128;     // connections a listener queues for accept() unless told otherwise
export const NETD_UDP_QUEUE = 256;           // datagrams queued per UDP socket before newer ones are dropped
export const NETD_READ_FDS = 64;             // descriptors one read of a reverse end takes (clients' SOCK_SENDs)
export const NETD_SESSION_REPLIES = 64;      // replies a control session holds unread before requests wait (EAGAIN)
export const NETD_NIC_DRAIN = 512;           // frames one turn takes from a NIC (its RX queue's size, NIC_RX_QUEUE)
