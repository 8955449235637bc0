/**
 * @cosix/netstack - a TCP/IP stack as a library, layered like smoltcp: wire -> iface -> socket.
 * It imports no other @cosix package: time (`now`, milliseconds) and randomness (`rng`, uint32s) are inputs,
 * and the physical layer is any `Device`.
 *
 * Table of contents
 *   wire/     packet views and representations; the parsing guarantee is stated in wire/index.ts
 *   iface/    Interface (ARP, routing, reassembly, ICMP), devices, loopback
 *   socket/   SocketSet (the contract transport sockets implement), UDP sockets, TCP sockets (socket/tcp.ts)
 *   dhcp/     the DHCP client
 *   params    every limit, in one place
 */
export * from './wire/index.js';
export * from './params.js';

export { type Device, type Medium, LoopbackDevice, QueueDevice } from './iface/device.js';
export { Interface, type InterfaceConfig } from './iface/interface.js';
export { loopbackInterface } from './iface/loopback.js';
export { RoutingTable, type Route } from './iface/route.js';
export { ArpCache, type ArpLimits, DEFAULT_ARP_LIMITS } from './iface/arp_cache.js';
export {
  DEFAULT_REASSEMBLY_LIMITS, type ExpiredAssembly, Reassembler, type ReassemblyLimits, fragmentDatagram,
} from './iface/fragment.js';

export {
  type Egress, type Endpoint, type IpMeta, type IpTx, type SegmentOf, SocketSet, type TransportError,
  type TransportProtocol, type TransportSocket, type TxResult,
} from './socket/set.js';
export {
  type UdpBindResult, type UdpDatagram, type UdpSendResult, UdpSocket, type UdpSocketOptions,
} from './socket/udp.js';

export {
  type KeepaliveConfig as TcpKeepaliveConfig, State as TcpState, type TcpConnectResult, type TcpError, type TcpListenResult,
  TcpSocket, type TcpSocketOptions,
} from './socket/tcp.js';

export { DhcpClient, type DhcpClientOptions, type DhcpEvent, type DhcpLease, type DhcpState } from './dhcp/client.js';
