/**
 * Every limit of the netstack, in one place (like xv6's param.h).
 * Times are in milliseconds of the caller's clock (`now` is always an input).
 */

// --- Interface ---
export const DEFAULT_MTU = 1500; // IP MTU of an Ethernet interface (RFC 894)
export const DEFAULT_TTL = 64; // TTL of datagrams we originate (RFC 1700 recommends 64)
export const LOOPBACK_MTU = 65535; // IP MTU of the loopback interface
export const RX_BUDGET_PER_POLL = 256; // frames poll() pulls from a pull-style device before it moves on
export const LOCAL_QUEUE_MAX = 256; // datagrams an interface may hold addressed to itself, before poll() drains them

// --- ICMP (RFC 1122 3.2.2: the rate of error messages SHOULD be limited) ---
export const ICMP_ERROR_BURST = 10; // ICMP errors sendable back to back (token bucket depth)
export const ICMP_ERROR_INTERVAL_MS = 100; // one more ICMP error token every this many ms

// --- ARP (RFC 826, RFC 1122 2.3.2) ---
export const ARP_CACHE_SIZE = 512; // resolved neighbours kept; the entry expiring soonest is evicted when full
export const ARP_ENTRY_TTL_MS = 60_000; // lifetime of a resolved entry before it must be re-learned
export const ARP_RETRY_INTERVAL_MS = 1_000; // time between ARP requests for one unresolved address
export const ARP_MAX_REQUESTS = 3; // requests sent for one address before its pending packets are dropped
export const ARP_PENDING_PER_ADDR = 64; // frames queued per unresolved address (a 64 KiB datagram is 45 fragments); oldest dropped (RFC 1122 2.3.2.2)
export const ARP_PENDING_ADDRS = 32; // unresolved addresses tracked at once; new ones are refused when full

// --- IPv4 fragment reassembly (RFC 791 3.2, RFC 815) ---
export const REASM_MAX_DATAGRAMS = 16; // datagrams being reassembled at once; the oldest is evicted when full
export const REASM_TIMEOUT_MS = 30_000; // lifetime of an incomplete datagram (RFC 791 suggests 15 s; Linux uses 30 s)
export const REASM_MAX_SIZE = 65535; // largest reassembled datagram, header included (RFC 791 total length)
export const REASM_MAX_FRAGMENTS = 128; // distinct fragments accepted per datagram (bounds tiny-fragment floods)

// --- Routing ---
export const ROUTE_TABLE_SIZE = 64; // routes in one routing table

// --- Sockets ---
export const EPHEMERAL_PORT_FIRST = 49152; // first port of the dynamic range (RFC 6335 6)
export const EPHEMERAL_PORT_LAST = 65535; // last port of the dynamic range
export const UDP_RX_QUEUE_DATAGRAMS = 64; // datagrams a UDP socket holds for recvFrom(); later ones are dropped
export const UDP_TX_QUEUE_DATAGRAMS = 64; // datagrams a UDP socket holds for the next poll(); sendTo() then fails
export const UDP_QUEUE_BYTES = 256 * 1024; // payload bytes per UDP socket queue, each direction

// --- DHCP client (RFC 2131) ---
export const DHCP_INITIAL_TIMEOUT_MS = 4_000; // first retransmission timeout (RFC 2131 4.1)
export const DHCP_MAX_TIMEOUT_MS = 64_000; // retransmission timeout cap (RFC 2131 4.1)
export const DHCP_REQUEST_RETRIES = 4; // REQUESTs sent in REQUESTING before restarting from INIT
export const DHCP_MIN_RENEW_RETRY_MS = 60_000; // floor on RENEWING/REBINDING retransmission (RFC 2131 4.4.5)
export const DHCP_RESTART_DELAY_MS = 10_000; // pause in INIT after a NAK before DISCOVER (RFC 2131 3.1 step 5)
export const DHCP_DEFAULT_LEASE_S = 3600; // lease assumed when an ACK carries no lease time

// --- TCP (RFC 9293; socket/tcp.ts) ---
export const TCP_RX_BUFFER = 64 * 1024; // receive buffer per connection: the largest window we advertise
export const TCP_TX_BUFFER = 64 * 1024; // send buffer per connection: unacknowledged plus unsent bytes send() accepts
export const TCP_DEFAULT_MSS = 536; // send MSS when the peer's SYN has no MSS option (RFC 9293 3.7.1)
export const TCP_INITIAL_RTO_MS = 1_000; // RTO before the first RTT sample (RFC 6298 2.1)
export const TCP_MIN_RTO_MS = 200; // RTO floor: RFC 6298 2.4 says 1 s; 200 ms as Linux, for LAN-scale RTTs
export const TCP_MAX_RTO_MS = 60_000; // RTO ceiling (RFC 6298 2.5: a maximum of at least 60 s)
export const TCP_MAX_RETRIES = 12; // consecutive timeouts before an established connection is dropped (RFC 1122 4.2.3.5 R2)
export const TCP_SYN_RETRIES = 5; // SYN or SYN-ACK retransmissions before a handshake is abandoned
export const TCP_DELAYED_ACK_MS = 40; // delayed-ACK timer (RFC 1122 4.2.3.2: < 0.5 s; Linux's minimum)
export const TCP_MSL_MS = 30_000; // maximum segment lifetime; TIME-WAIT lasts 2 * MSL (RFC 9293 3.4.2)
export const TCP_SYN_BACKLOG = 128; // half-open (SYN-RECEIVED) children per listener; further SYNs are dropped
export const TCP_MAX_BACKLOG = 4096; // cap on listen()'s backlog of connections awaiting accept()
export const TCP_REASSEMBLY_RANGES = 32; // out-of-order ranges held per connection; a segment needing more is dropped
export const TCP_KEEPALIVE_IDLE_MS = 7_200_000; // idle time before the first keepalive (RFC 1122 4.2.3.6: >= 2 h)
export const TCP_KEEPALIVE_INTERVAL_MS = 75_000; // time between unanswered keepalive probes
export const TCP_KEEPALIVE_PROBES = 9; // unanswered keepalive probes before the connection is dropped
export const TCP_CHALLENGE_ACKS_PER_SEC = 10; // challenge ACKs per second per connection (RFC 5961 7)
export const TCP_PERSIST_MAX_MS = 60_000; // ceiling of the zero-window probe interval (RFC 1122 4.2.2.17)
