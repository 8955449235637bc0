// @cosix/netd: the netstack daemon's glue. netstack (a library that knows no kernel) provides the
// interfaces and sockets; this package serves them to programs as pseudo sockets (abi/pseudo.ts) and answers
// the control protocol (control.ts; docs/network.md, "The netstack daemon").
//   addr      "a.b.c.d:port" and the ABI's sockaddr/sockstat
//   channel   one reverse end: reading requests, writing answers and readiness EVENTs
//   tcp, udp  socket handles over netstack's TcpSocket and UdpSocket
//   control   the control socket: requests for sockets, replies with descriptors
//   daemon    the event loop: the interfaces' clock, the poll syscall, the channels
export { Netd, type NetdOptions } from './daemon.js';
export { ControlSession } from './control.js';
export { parseEndpoint, formatEndpoint, encodeSockstat, AF_INET } from './addr.js';
