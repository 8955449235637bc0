/**
 * Every limit of the gateway package, in one place (like xv6's param.h). Times are milliseconds.
 */

// --- StackNode ---
export const NODE_RX_QUEUE_FRAMES = 4096; // frames a node queues between service turns (its "RX ring"); more are dropped

// --- DHCP server (RFC 2131 4.3) ---
export const DHCP_OFFER_HOLD_MS = 60_000; // an offered address is kept for its client this long awaiting the REQUEST
export const DHCP_DECLINE_QUARANTINE_MS = 600_000; // an address a client DECLINEd is not offered again for this long
export const DHCP_REPLY_QUEUE = 64; // replies queued between two polls; more are dropped (the client retransmits)

// --- Host port forwarding ---
export const FORWARD_CHUNK = 64 * 1024; // bytes moved per read in either direction
export const FORWARD_HOST_QUEUE = 256 * 1024; // bytes from the host socket held for the guest before the host is paused
export const FORWARD_TCP_BUFFER = 256 * 1024; // send and receive buffer of the gateway's TcpSocket per connection
