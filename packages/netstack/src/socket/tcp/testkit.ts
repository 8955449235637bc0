/**
 * A rig for TCP unit tests (not exported from index.ts): one socket in a SocketSet, segments from a
 * hand-driven peer built with tcpRepr(), and everything the set dispatches captured as TcpReprs.
 * With rng() fixed at 1000 our ISS is 1000 + 250 * now (RFC 6528's 4 us clock) and TSval is 1000 + now.
 */
import { ipv4 } from '../../wire/address.js';
import { TcpFlags, type TcpRepr, tcpRepr } from '../../wire/tcp.js';
import { type Egress, type Endpoint, SocketSet, type TransportProtocol, type TxResult } from '../set.js';
import { TcpSocket, type TcpSocketOptions } from '../tcp.js';

export const { SYN, ACK, RST, FIN, PSH } = TcpFlags;
export const US: Endpoint = { addr: ipv4('10.0.0.1'), port: 4000 };
export const PEER: Endpoint = { addr: ipv4('10.0.0.2'), port: 80 };
/** Our ISS when connect() runs at now = 0, and the peer's ISS in these tests. */
export const ISS = 1000;
export const PEER_ISS = 5000;

export class CaptureEgress implements Egress {
  sent: TcpRepr[] = [];
  constructor(readonly mtu = 1500) {}
  send<P extends TransportProtocol>(_p: P, _ip: unknown, seg: unknown): TxResult {
    const s = seg as TcpRepr;
    this.sent.push({ ...s, payload: s.payload.slice(), sackBlocks: [...s.sackBlocks] });
    return 'sent';
  }
  sourceAddressFor(): number { return US.addr; }
}

export type SegFields = Partial<TcpRepr> & { seq: number; flags: number };

export class Rig {
  readonly set = new SocketSet(() => 7);
  readonly egress: CaptureEgress;
  readonly sock: TcpSocket;

  constructor(opts: Partial<TcpSocketOptions> = {}, mtu = 1500) {
    this.egress = new CaptureEgress(mtu);
    this.sock = new TcpSocket(this.set, { rng: () => ISS, ...opts });
  }

  /** The peer sends a segment: looked up like the interface does, processed, its socket notified. */
  deliver(now: number, f: SegFields, from: Endpoint = PEER, to: Endpoint = US): void {
    const { seq, ...rest } = f;
    const seg = tcpRepr({ srcPort: from.port, dstPort: to.port, seqNumber: seq >>> 0, ...rest });
    const s = this.set.lookup('tcp', to, from);
    if (s === undefined) throw new Error('Rig.deliver: no socket for the segment');
    s.process(now, { src: from.addr, dst: to.addr, ttl: 64, dscpEcn: 0 }, seg);
    this.set.notify(s);
  }

  /** Runs the set's dispatch at `now` and returns what was sent. */
  out(now: number): TcpRepr[] {
    this.set.dispatch(now, this.egress);
    const s = this.egress.sent;
    this.egress.sent = [];
    return s;
  }

  /** When the set next wants to run. */
  pollAt(now: number): number | null { return this.set.pollAt(now); }
}

/** [seq, ack, flags, payload length] of each segment: the compact form most expectations use. */
export function brief(segs: TcpRepr[]): [number, number, number, number][] {
  return segs.map((s) => [s.seqNumber, s.ackNumber, s.flags, s.payload.length]);
}

export function filled(n: number, start = 0): Uint8Array {
  return new Uint8Array(n).map((_, i) => (start + i) & 0xff);
}

export interface EstablishedOptions {
  opts?: Partial<TcpSocketOptions>;
  /** The peer's SYN-ACK options; none by default. */
  peer?: Partial<TcpRepr>;
  /** SYN-ACK arrival time (the first RTT sample). */
  rttMs?: number;
}

/** An actively opened connection: SYN at 0, SYN-ACK at rttMs, our ACK. Returns the rig and the SYN sent. */
export function established(o: EstablishedOptions = {}): { rig: Rig; syn: TcpRepr } {
  const rig = new Rig(o.opts);
  rig.sock.connect(US, PEER, 0);
  const [syn] = rig.out(0);
  const t = o.rttMs ?? 10;
  rig.deliver(t, { seq: PEER_ISS, ackNumber: ISS + 1, flags: SYN | ACK, windowLen: 65535, maxSegSize: 1460, ...o.peer });
  rig.out(t);
  return { rig, syn: syn! };
}
