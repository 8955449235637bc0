/**
 * UDP sockets (RFC 768, RFC 1122 4.1) with bounded queues in both directions.
 * sendTo() queues; the datagram leaves on the next interface poll(). recvFrom() pops what process() queued.
 */
import { UDP_QUEUE_BYTES, UDP_RX_QUEUE_DATAGRAMS, UDP_TX_QUEUE_DATAGRAMS } from '../params.js';
import type { Ipv4Address } from '../wire/address.js';
import type { UdpRepr } from '../wire/udp.js';
import type { Egress, Endpoint, IpMeta, SocketSet, TransportError, TransportSocket } from './set.js';

export interface UdpDatagram {
  payload: Uint8Array;
  remote: Endpoint;
  /** The destination address it was sent to (ours, or a broadcast address). */
  localAddr: Ipv4Address;
}

export interface UdpSocketOptions {
  rxDatagrams?: number;
  txDatagrams?: number;
  queueBytes?: number;
}

export type UdpSendResult = 'ok' | 'would-block' | 'too-big' | 'no-port' | 'closed';
export type UdpBindResult = 'ok' | 'in-use' | 'already-bound' | 'no-port' | 'closed';

// RFC 768: the length field is 16 bits and covers the 8-byte header; IPv4 takes 20 more.
const MAX_UDP_PAYLOAD = 65535 - 8 - 20;

/** A bounded FIFO of datagrams limited in count and in payload bytes. */
class DatagramQueue {
  private readonly items: UdpDatagram[] = [];
  private bytes = 0;
  constructor(private readonly maxItems: number, private readonly maxBytes: number) {}
  get length(): number { return this.items.length; }
  canHold(size: number): boolean {
    return this.items.length < this.maxItems && this.bytes + size <= this.maxBytes;
  }
  push(d: UdpDatagram): void { this.items.push(d); this.bytes += d.payload.length; }
  shift(): UdpDatagram | undefined {
    const d = this.items.shift();
    if (d) this.bytes -= d.payload.length;
    return d;
  }
  clear(): void { this.items.length = 0; this.bytes = 0; }
}

export class UdpSocket implements TransportSocket<'udp'> {
  readonly protocol = 'udp' as const;
  private local: Endpoint | null = null;
  private closed = false;
  private readonly rx: DatagramQueue;
  private readonly tx: DatagramQueue;
  /** The last ICMP error reported for a datagram we sent (RFC 1122 4.1.3.3: pass it to the application). */
  lastError: TransportError | null = null;
  readonly stats = { rxDropped: 0, txDropped: 0 };

  constructor(private readonly set: SocketSet, options: UdpSocketOptions = {}) {
    const bytes = options.queueBytes ?? UDP_QUEUE_BYTES;
    this.rx = new DatagramQueue(options.rxDatagrams ?? UDP_RX_QUEUE_DATAGRAMS, bytes);
    this.tx = new DatagramQueue(options.txDatagrams ?? UDP_TX_QUEUE_DATAGRAMS, bytes);
    set.add(this);
  }

  get localEndpoint(): Endpoint | null { return this.local; }
  get canRecv(): boolean { return this.rx.length > 0; }
  get canSend(): boolean { return !this.closed && this.tx.canHold(0); }

  /** Binds to `local`; port 0 picks an ephemeral port, address 0 receives on every local address. */
  bind(local: Endpoint): UdpBindResult {
    if (this.closed) return 'closed';
    if (this.local !== null) return 'already-bound';
    const port = local.port === 0 ? this.set.ephemeralPort('udp') : local.port;
    if (port === null) return 'no-port';
    const endpoint = { addr: local.addr, port };
    const r = this.set.bind(this, endpoint);
    if (r !== 'ok') return r;
    this.local = endpoint;
    return 'ok';
  }

  /** Queues `payload` (copied) for `remote`; an unbound socket is bound to an ephemeral port first. */
  sendTo(payload: Uint8Array, remote: Endpoint): UdpSendResult {
    if (this.closed) return 'closed';
    if (payload.length > MAX_UDP_PAYLOAD) return 'too-big';
    if (this.local === null && this.bind({ addr: 0, port: 0 }) !== 'ok') return 'no-port';
    if (!this.tx.canHold(payload.length)) return 'would-block';
    this.tx.push({ payload: payload.slice(), remote: { ...remote }, localAddr: this.local!.addr });
    this.set.notify(this);
    return 'ok';
  }

  recvFrom(): UdpDatagram | null {
    return this.rx.shift() ?? null;
  }

  /** Unbinds and drops both queues. */
  close(): void {
    this.closed = true;
    this.local = null;
    this.rx.clear();
    this.tx.clear();
    this.set.remove(this);
  }

  process(_now: number, ip: IpMeta, segment: UdpRepr): void {
    if (!this.rx.canHold(segment.payload.length)) {
      this.stats.rxDropped++;
      return;
    }
    // Copy: the payload is a view into the driver's frame buffer.
    const remote = { addr: ip.src, port: segment.srcPort };
    this.rx.push({ payload: segment.payload.slice(), remote, localAddr: ip.dst });
  }

  dispatch(_now: number, egress: Egress): void {
    if (this.local === null) return;
    for (let d = this.tx.shift(); d !== undefined; d = this.tx.shift()) {
      const repr = { srcPort: this.local.port, dstPort: d.remote.port, payload: d.payload };
      const r = egress.send('udp', { src: d.localAddr, dst: d.remote.addr }, repr);
      // UDP is unreliable: a datagram that cannot leave is dropped, not retried (RFC 768).
      if (r !== 'sent' && r !== 'queued') this.stats.txDropped++;
    }
  }

  pollAt(now: number): number | null {
    return this.tx.length > 0 ? now : null;
  }

  transportError(_now: number, error: TransportError): void {
    this.lastError = error;
  }
}
