// What the daemon's handles need from it (daemon.ts implements it): the netstack socket set, the clock and
// the randomness (inputs, as netstack wants them), the UDP ports, the connects waiting for their handshake,
// and a way to serve a new socket through a pseudo pair of its own.
import type { Os } from '@cosix/libc';
import type { Ipv4Address, SocketSet, TcpSocketOptions } from '@cosix/netstack';
import type { Handle } from './channel.js';
import type { ControlSession, PendingConnect } from './control.js';
import type { UdpPorts } from './udp.js';

export interface Stack {
  readonly os: Os;
  /** The loopback's socket set (where a fresh, unbound socket waits to learn where it goes). */
  readonly sockets: SocketSet;
  /** The socket set of the interface whose routes reach `dst` (the loopback's for 127/8), or null. */
  setFor(dst: Ipv4Address): SocketSet | null;
  /** The sets a socket bound to `addr` listens in: every interface's for 0, else the one with that address. */
  setsFor(addr: Ipv4Address): SocketSet[];
  readonly rng: () => number;
  /** The options of every TCP socket the daemon makes (buffers). */
  readonly tcpOptions: TcpSocketOptions;
  readonly udp: UdpPorts;
  readonly connects: PendingConnect[];
  /** Milliseconds on the monotonic clock (the `now` netstack is driven with). */
  now(): number;
  /** The address a datagram to `dst` would leave from (by the interface setFor picks), or null. */
  sourceAddressFor(dst: Ipv4Address): Ipv4Address | null;
  /** Serves `h` as handle 0 of a new pseudo pair of `type`; returns the pseudo end (the caller hands it on). */
  serve(type: number, h: Handle): number;
  /** The interfaces (or the one named), as the control socket reports them. */
  interfaceInfo(name?: string): InterfaceInfo[];
  /** Aborts the connects a closed session was waiting for. */
  dropConnects(session: ControlSession): void;
}

export interface InterfaceInfo { name: string; mac: string | null; linkUp: boolean; addrv4: string[] }
