/**
 * The socket-set contract from the point of view of a transport the interface knows nothing about:
 * a minimal TCP-like socket built only on set.ts and wire/tcp.ts, as socket/tcp.ts will be.
 */
import { expect } from 'chai';
import { host, pump } from '../testing.js';
import { ipv4 } from '../wire/address.js';
import { TcpFlags, type TcpRepr, tcpRepr } from '../wire/tcp.js';
import type { Egress, Endpoint, IpMeta, SocketSet, TransportError, TransportSocket } from './set.js';

class ToyTcp implements TransportSocket<'tcp'> {
  readonly protocol = 'tcp' as const;
  readonly got: TcpRepr[] = [];
  readonly errors: TransportError[] = [];
  private outbox: TcpRepr[] = [];
  results: string[] = [];

  constructor(private readonly set: SocketSet, readonly local: Endpoint, readonly remote: Endpoint | null) {
    expect(set.bind(this, local, remote)).to.equal('ok');
  }

  queue(seg: TcpRepr): void {
    this.outbox.push(seg);
    this.set.notify(this);
  }
  process(_now: number, _ip: IpMeta, seg: TcpRepr): void { this.got.push({ ...seg, payload: seg.payload.slice() }); }
  pollAt(now: number): number | null { return this.outbox.length > 0 ? now : null; }
  transportError(_now: number, e: TransportError): void { this.errors.push(e); }

  dispatch(_now: number, egress: Egress): void {
    for (const seg of this.outbox) this.results.push(egress.send('tcp', { src: this.local.addr, dst: this.remote!.addr }, seg));
    this.outbox = [];
  }

  close(): void { this.set.remove(this); }
}

describe('socket set: plugging in a transport', () => {
  const A = ipv4('10.0.0.1');
  const B = ipv4('10.0.0.2');

  it('carries segments from a connected socket to a listener, with options intact', () => {
    const a = host(1);
    const b = host(2);
    const listener = new ToyTcp(b.iface.sockets, { addr: 0, port: 80 }, null);
    const client = new ToyTcp(a.iface.sockets, { addr: A, port: 40000 }, { addr: B, port: 80 });
    client.queue(tcpRepr({ srcPort: 40000, dstPort: 80, seqNumber: 1, flags: TcpFlags.SYN, maxSegSize: 1460, windowScale: 7, sackPermitted: true }));
    pump([a, b], 0);
    expect(client.results).to.deep.equal(['queued']); // ARP had to resolve first
    expect(listener.got).to.have.length(1);
    expect(listener.got[0]).to.deep.include({ seqNumber: 1, flags: TcpFlags.SYN, maxSegSize: 1460, windowScale: 7, sackPermitted: true });
    // A connection socket bound to the 4-tuple now takes precedence over the listener.
    const accepted = new ToyTcp(b.iface.sockets, { addr: B, port: 80 }, { addr: A, port: 40000 });
    accepted.queue(tcpRepr({ srcPort: 80, dstPort: 40000, seqNumber: 9, ackNumber: 2, flags: TcpFlags.SYN | TcpFlags.ACK }));
    client.queue(tcpRepr({ srcPort: 40000, dstPort: 80, seqNumber: 2, ackNumber: 10, flags: TcpFlags.ACK }));
    pump([a, b], 1);
    expect(accepted.got.map((s) => s.flags)).to.deep.equal([TcpFlags.ACK]);
    expect(listener.got).to.have.length(1);
    expect(client.got.map((s) => s.flags)).to.deep.equal([TcpFlags.SYN | TcpFlags.ACK]);
    expect(accepted.results).to.deep.equal(['sent']);
  });

  it('hears ICMP errors about its segments and gets a RST once it has gone', () => {
    const a = host(1);
    const b = host(2);
    const client = new ToyTcp(a.iface.sockets, { addr: A, port: 40000 }, { addr: B, port: 80 });
    b.iface.sendIcmp(A, {
      type: 'destUnreachable', code: 4, nextHopMtu: 1280,
      data: Uint8Array.of(0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0x9c, 0x40, 0, 80),
    }, 0);
    pump([a, b], 0);
    expect(client.errors).to.deep.equal([{
      kind: 'unreachable', code: 4, nextHopMtu: 1280, localOrigin: false,
      local: { addr: A, port: 40000 }, remote: { addr: B, port: 80 },
    }]);
    const server = new ToyTcp(b.iface.sockets, { addr: B, port: 80 }, { addr: A, port: 40000 });
    client.close();
    server.queue(tcpRepr({ srcPort: 80, dstPort: 40000, seqNumber: 100, ackNumber: 7, flags: TcpFlags.ACK, payload: Uint8Array.of(1, 2) }));
    pump([a, b], 1);
    expect(server.got.map((s) => [s.flags, s.seqNumber])).to.deep.equal([[TcpFlags.RST, 7]]);
  });
});
