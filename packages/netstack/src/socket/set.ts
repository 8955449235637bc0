/**
 * The socket set: the contract between the interface and transport sockets (UDP here, TCP in socket/tcp.ts).
 *
 *   ingress  The interface parses and checksum-verifies a segment, then asks lookup() for the socket bound to
 *            its 4-tuple and calls socket.process(). Most specific binding wins:
 *              (local addr, local port, remote addr, remote port)   a connected socket
 *              (local addr, local port, *)                          bound to one address
 *              (any,        local port, remote addr, remote port)
 *              (any,        local port, *)                          bound to the wildcard address
 *   egress   interface.poll(now) calls set.dispatch(now, egress), which calls socket.dispatch() for the sockets
 *            that are due; a socket emits what it has to send through the Egress it is given.
 *   timers   socket.pollAt(now) says when the socket next needs dispatch() without new input. The set asks
 *            after every dispatch() and keeps the answers in a heap, so poll() costs O(due sockets), not
 *            O(all sockets) - what 10,000 connections need.
 *
 * Sockets register bindings here; the interface never looks inside a socket.
 *
 * Rules for implementers (socket/udp.ts is the small example; socket/tcp.ts the big one):
 *   - A socket is dispatched when added, after each process(), when its pollAt() time comes, and when it
 *     calls set.notify(this). Call notify() whenever the application changes what dispatch() would do
 *     (data queued to send, close requested, receive window reopened).
 *   - process() never transmits: it records what must be sent, and dispatch() sends it during the next
 *     poll(). A driver calls poll() after each batch of receive(), so replies leave without a timer.
 *   - Payloads handed to process() are views into the driver's frame buffer: copy what you keep.
 *   - Segments handed to Egress.send() are emitted (copied) before send() returns.
 *   - Time is the `now` argument (ms); never read a clock. Randomness comes from whoever built the socket.
 */
import type { Ipv4Address } from '../wire/address.js';
import type { TcpRepr } from '../wire/tcp.js';
import type { UdpRepr } from '../wire/udp.js';
import { EPHEMERAL_PORT_FIRST, EPHEMERAL_PORT_LAST } from '../params.js';
import { DispatchSchedule } from './schedule.js';

export type TransportProtocol = 'tcp' | 'udp';

/** Segment type handed to process() and to Egress, per protocol. */
export interface SegmentOf {
  tcp: TcpRepr;
  udp: UdpRepr;
}

/** An address and port; address 0 (IPV4_UNSPECIFIED) means "any local address" in a binding. */
export interface Endpoint {
  addr: Ipv4Address;
  port: number;
}

/** IP-layer facts of a received datagram. */
export interface IpMeta {
  src: Ipv4Address;
  dst: Ipv4Address;
  ttl: number;
  dscpEcn: number;
}

/** IP-layer choices for an outgoing datagram. `src` 0 lets the interface choose by route. */
export interface IpTx {
  src: Ipv4Address;
  dst: Ipv4Address;
  ttl?: number;
  dscpEcn?: number;
  dontFragment?: boolean;
}

/**
 *   sent      handed to the device
 *   queued    waiting for ARP resolution (may still be dropped if resolution fails)
 *   no-route  no interface address or route reaches dst
 *   too-big   larger than the MTU with dontFragment set
 *   dropped   the ARP pending queue refused it
 */
export type TxResult = 'sent' | 'queued' | 'no-route' | 'too-big' | 'dropped';

/** What a socket may do in dispatch(). Implemented by the interface. */
export interface Egress {
  send<P extends TransportProtocol>(protocol: P, ip: IpTx, segment: SegmentOf[P]): TxResult;
  /** The source address the interface would use to reach dst, or null when unreachable. */
  sourceAddressFor(dst: Ipv4Address): Ipv4Address | null;
  /** The IP MTU (TCP derives its MSS from it: RFC 9293 3.7.1, MTU - 40). */
  readonly mtu: number;
}

/** An ICMP error (or a local delivery failure) concerning a datagram this socket sent (RFC 1122 4.2.3.9). */
export interface TransportError {
  kind: 'unreachable' | 'timeExceeded';
  /** The ICMP code (UnreachableCode / TimeExceededCode in wire/icmp.ts). */
  code: number;
  /** From fragmentation-needed (RFC 1191); 0 otherwise. */
  nextHopMtu: number;
  local: Endpoint;
  remote: Endpoint;
  /** True when generated locally (e.g. ARP resolution failed) rather than received. */
  localOrigin: boolean;
}

export interface TransportSocket<P extends TransportProtocol = TransportProtocol> {
  readonly protocol: P;
  /** Ingress: a segment that lookup() routed to this socket, checksum already verified. */
  process(now: number, ip: IpMeta, segment: SegmentOf[P]): void;
  /** Egress: emit whatever is due through `egress`. */
  dispatch(now: number, egress: Egress): void;
  /** The earliest time dispatch() has work to do; `now` or earlier for "immediately", null for never. */
  pollAt(now: number): number | null;
  /** Optional: told about ICMP errors concerning datagrams it sent. */
  transportError?(now: number, error: TransportError): void;
}

function key(p: TransportProtocol, local: Endpoint, remote: Endpoint | null): string {
  return remote === null ? `${p}|${local.addr}|${local.port}` : `${p}|${local.addr}|${local.port}|${remote.addr}|${remote.port}`;
}

export class SocketSet {
  private readonly all = new Set<TransportSocket>();
  private readonly bindings = new Map<string, TransportSocket>();
  private readonly owned = new Map<TransportSocket, Set<string>>();
  private readonly portUse = new Map<string, number>();
  private readonly schedule = new DispatchSchedule<TransportSocket>();

  /** `rng` returns uniformly distributed uint32s; it picks ephemeral ports (RFC 6056 3.3.1). */
  constructor(private readonly rng: () => number) {}

  get size(): number { return this.all.size; }

  /** Adds a socket (idempotent); it is dispatched at the next poll. */
  add(socket: TransportSocket): void {
    if (this.all.has(socket)) return;
    this.all.add(socket);
    this.schedule.notify(socket);
  }

  /** Forgets the socket and all its bindings. */
  remove(socket: TransportSocket): void {
    for (const k of this.owned.get(socket) ?? []) this.dropKey(k);
    this.owned.delete(socket);
    this.all.delete(socket);
    this.schedule.forget(socket);
  }

  /** The socket has new egress work: dispatch it at the next poll. */
  notify(socket: TransportSocket): void {
    if (this.all.has(socket)) this.schedule.notify(socket);
  }

  /** Registers a binding; `remote` null is a wildcard. Only an identical binding conflicts. */
  bind(socket: TransportSocket, local: Endpoint, remote: Endpoint | null = null): 'ok' | 'in-use' {
    const k = key(socket.protocol, local, remote);
    if (this.bindings.has(k)) return 'in-use';
    this.add(socket);
    this.bindings.set(k, socket);
    let mine = this.owned.get(socket);
    if (!mine) this.owned.set(socket, (mine = new Set()));
    mine.add(k);
    const pk = `${socket.protocol}|${local.port}`;
    this.portUse.set(pk, (this.portUse.get(pk) ?? 0) + 1);
    return 'ok';
  }

  unbind(socket: TransportSocket, local: Endpoint, remote: Endpoint | null = null): void {
    const k = key(socket.protocol, local, remote);
    if (this.bindings.get(k) !== socket) return;
    this.dropKey(k);
    this.owned.get(socket)?.delete(k);
  }

  private dropKey(k: string): void {
    if (!this.bindings.delete(k)) return;
    const [p, , port] = k.split('|');
    const pk = `${p}|${port}`;
    const n = (this.portUse.get(pk) ?? 1) - 1;
    if (n === 0) this.portUse.delete(pk);
    else this.portUse.set(pk, n);
  }

  /** Ingress demultiplexing; see the order at the top of this file. */
  lookup<P extends TransportProtocol>(protocol: P, local: Endpoint, remote: Endpoint): TransportSocket<P> | undefined {
    const any = { addr: 0, port: local.port };
    const found = this.bindings.get(key(protocol, local, remote)) ?? this.bindings.get(key(protocol, local, null))
      ?? this.bindings.get(key(protocol, any, remote)) ?? this.bindings.get(key(protocol, any, null));
    return found as TransportSocket<P> | undefined;
  }

  /** True when some socket has a binding on this local port. */
  portInUse(protocol: TransportProtocol, port: number): boolean {
    return this.portUse.has(`${protocol}|${port}`);
  }

  /** A free port of the dynamic range, probing from a random start (RFC 6056 3.3.1); null when all are taken. */
  ephemeralPort(protocol: TransportProtocol): number | null {
    const count = EPHEMERAL_PORT_LAST - EPHEMERAL_PORT_FIRST + 1;
    const start = this.rng() % count;
    for (let i = 0; i < count; i++) {
      const port = EPHEMERAL_PORT_FIRST + ((start + i) % count);
      if (!this.portInUse(protocol, port)) return port;
    }
    return null;
  }

  [Symbol.iterator](): IterableIterator<TransportSocket> {
    return this.all.values();
  }

  /** Dispatches the sockets that are due, then records when each next wants to be. */
  dispatch(now: number, egress: Egress): void {
    for (const s of this.schedule.takeDue(now)) {
      if (!this.all.has(s)) continue;
      s.dispatch(now, egress);
      if (this.all.has(s)) this.schedule.schedule(s, s.pollAt(now));
    }
  }

  /** When dispatch() next has work: `now` if a socket is waiting, else the earliest pollAt(), else null. */
  pollAt(now: number): number | null {
    return this.schedule.next(now);
  }
}
