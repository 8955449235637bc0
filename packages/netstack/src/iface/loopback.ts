/**
 * The loopback interface (RFC 1122 3.2.1.3 (g): 127.0.0.0/8 never leaves the host): an 'ip'-medium
 * interface over a LoopbackDevice, so every datagram it transmits is received by its next poll().
 * It accepts datagrams for its configured address (127.0.0.1 by default).
 */
import { LOCAL_QUEUE_MAX, LOOPBACK_MTU } from '../params.js';
import type { SocketSet } from '../socket/set.js';
import { type Ipv4Cidr, ipv4 } from '../wire/address.js';
import { LoopbackDevice } from './device.js';
import { Interface } from './interface.js';

export function loopbackInterface(
  rng: () => number, sockets?: SocketSet, address: Ipv4Cidr = { address: ipv4('127.0.0.1'), prefixLen: 8 },
): Interface {
  return new Interface({
    medium: 'ip', device: new LoopbackDevice(LOCAL_QUEUE_MAX), rng, mtu: LOOPBACK_MTU, addresses: [address],
    ...(sockets !== undefined && { sockets }),
  });
}
