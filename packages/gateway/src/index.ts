/**
 * @cosix/gateway - glue between the simulated hardware (@cosix/hw) and the TCP/IP stack (@cosix/netstack),
 * and the gateway node of the simulated LAN, like QEMU's user-mode network.
 *
 * Table of contents
 *   node.ts      StackNode: a netstack Interface on an hw Port, serviced on an hw NetScheduler
 *   dhcpd.ts     DhcpServer: RFC 2131 server side (OFFER/ACK/NAK) with a pool, router, DNS and lease options
 *   forward.ts   HostForward: a host TCP port relayed to a guest address:port through a netstack TcpSocket
 *   gateway.ts   Gateway: the three together on one LAN port, with QEMU's slirp defaults
 *   params.ts    every limit, in one place
 */
export * from './params.js';
export { StackNode, type StackNodeOptions, type ServiceHook, macNumber } from './node.js';
export { type Binding, DhcpServer, type DhcpServerConfig } from './dhcpd.js';
export { type ForwardOptions, type ForwardStats, HostForward } from './forward.js';
export { Gateway, type GatewayOptions } from './gateway.js';
