import { expect } from 'chai';
import fc from 'fast-check';
import { type Host, host, pump, seededRng } from '../testing.js';
import { UdpSocket } from '../socket/udp.js';
import type { IcmpRepr } from '../wire/icmp.js';
import { EthernetRepr, EthernetType } from '../wire/ethernet.js';
import { ArpOperation, ArpRepr } from '../wire/arp.js';
import { IpProtocol, Ipv4Repr, ipv4Repr } from '../wire/ipv4.js';
import { TcpFlags, TcpRepr, tcpRepr } from '../wire/tcp.js';
import { ipv4 } from '../wire/address.js';
import { loopbackInterface } from './loopback.js';

const A = ipv4('10.0.0.1');
const B = ipv4('10.0.0.2');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);

function udpOn(h: Host, port: number): UdpSocket {
  const s = new UdpSocket(h.iface.sockets);
  expect(s.bind({ addr: 0, port })).to.equal('ok');
  return s;
}

/** Records ICMP messages the interface hands to the application. */
function icmpLog(n: number): { h: Host; seen: IcmpRepr[] } {
  const seen: IcmpRepr[] = [];
  return { h: host(n, { onIcmp: (_now, _ip, repr) => seen.push(repr) }), seen };
}

function frameKinds(frames: Uint8Array[]): string[] {
  return frames.map((f) => {
    const eth = EthernetRepr.parse(f);
    if (!eth.ok) return 'bad';
    if (eth.value.ethertype === EthernetType.Arp) {
      const arp = ArpRepr.parse(eth.value.payload);
      return arp.ok && arp.value.operation === ArpOperation.Request ? 'arp-request' : 'arp-reply';
    }
    const ip = Ipv4Repr.parse(eth.value.payload);
    return ip.ok ? `ip-${ip.value.protocol}` : 'bad';
  });
}

describe('iface/interface', () => {
  describe('ARP', () => {
    it('queues datagrams while resolving, sends one request, then flushes them in order', () => {
      const a = host(1);
      const b = host(2);
      const tx = new UdpSocket(a.iface.sockets);
      const rx = udpOn(b, 7);
      for (const m of ['one', 'two', 'three']) tx.sendTo(text(m), { addr: B, port: 7 });
      a.iface.poll(0);
      expect(frameKinds(a.device.drain())).to.deep.equal(['arp-request']);
      expect(a.iface.arp.pendingAddrs).to.equal(1);
      pump([a, b], 0); // the request was drained above; the next retry is due at 1000 ms
      a.iface.poll(1000);
      pump([a, b], 1000);
      expect([rx.recvFrom(), rx.recvFrom(), rx.recvFrom()].map((d) => str(d?.payload))).to.deep.equal(['one', 'two', 'three']);
      expect(a.iface.arp.lookup(B, 1000)).to.not.equal(null);
      expect(b.iface.arp.lookup(A, 1000)).to.not.equal(null); // B learned A from the request aimed at it
    });

    it('keeps only the newest datagrams of a full pending queue (RFC 1122 2.3.2.2)', () => {
      const a = host(1, { arp: { pendingPerAddr: 2 } });
      const b = host(2);
      const tx = new UdpSocket(a.iface.sockets);
      const rx = udpOn(b, 7);
      for (const m of ['1', '2', '3', '4']) tx.sendTo(text(m), { addr: B, port: 7 });
      pump([a, b], 0);
      const got: string[] = [];
      for (let d = rx.recvFrom(); d; d = rx.recvFrom()) got.push(str(d.payload));
      expect(got).to.deep.equal(['3', '4']);
      expect(a.iface.arp.stats.pendingDropped).to.equal(2);
    });

    it('retries, then gives up and reports host unreachable to the sending socket', () => {
      const a = host(1);
      const tx = new UdpSocket(a.iface.sockets);
      tx.sendTo(text('x'), { addr: ipv4('10.0.0.99'), port: 9 });
      const sent: string[] = [];
      for (const t of [0, 1000, 2000, 3000]) {
        a.iface.poll(t);
        sent.push(...frameKinds(a.device.drain()));
      }
      expect(sent).to.deep.equal(['arp-request', 'arp-request', 'arp-request']);
      expect(tx.lastError).to.include({ kind: 'unreachable', code: 1, localOrigin: true });
      expect(a.iface.stats.drops['arp-unresolved']).to.equal(1);
      expect(a.iface.pollAt(3000)).to.equal(null);
    });

    it('answers requests for its address only and does not learn from probes', () => {
      const a = host(1);
      const probe = (tpa: number, spa: number): Uint8Array => {
        const arp: ArpRepr = { operation: ArpOperation.Request, senderHardwareAddr: 0x020000000099, senderProtocolAddr: spa, targetHardwareAddr: 0, targetProtocolAddr: tpa };
        const payload = new Uint8Array(28);
        ArpRepr.emit(arp, payload);
        const f = new Uint8Array(42);
        EthernetRepr.emit({ dst: 0xffffffffffff, src: 0x020000000099, ethertype: EthernetType.Arp, payload }, f);
        return f;
      };
      a.iface.receive(probe(ipv4('10.0.0.7'), ipv4('10.0.0.99')), 0);
      expect(a.device.drain()).to.have.length(0);
      a.iface.receive(probe(A, 0), 0); // RFC 5227 probe: answered, not learned
      expect(frameKinds(a.device.drain())).to.deep.equal(['arp-reply']);
      expect(a.iface.arp.has(0)).to.equal(false);
    });
  });

  describe('ICMP', () => {
    it('answers a ping with the same identifier, sequence number and data', () => {
      const { h: a, seen } = icmpLog(1);
      const b = host(2);
      a.iface.sendIcmp(B, { type: 'echoRequest', ident: 0x1234, seqNo: 7, data: text('hello') }, 0);
      pump([a, b], 0);
      expect(seen).to.have.length(1);
      expect(seen[0]).to.deep.include({ type: 'echoReply', ident: 0x1234, seqNo: 7 });
      expect(str((seen[0] as { data: Uint8Array }).data)).to.equal('hello');
    });

    it('pings through the default gateway, resolving the gateway rather than the destination', () => {
      const { h: a, seen } = icmpLog(1);
      a.iface.routes.setDefaultGateway(ipv4('10.0.0.254'));
      const gw = host(254, { addresses: [{ address: ipv4('10.0.0.254'), prefixLen: 24 }, { address: ipv4('8.8.8.8'), prefixLen: 32 }] });
      a.iface.sendIcmp(ipv4('8.8.8.8'), { type: 'echoRequest', ident: 1, seqNo: 1, data: text('x') }, 0);
      pump([a, gw], 0);
      expect(a.iface.arp.has(ipv4('10.0.0.254'))).to.equal(true);
      expect(a.iface.arp.has(ipv4('8.8.8.8'))).to.equal(false);
      expect(seen.map((m) => m.type)).to.deep.equal(['echoReply']);
      expect(a.iface.sendIcmp(ipv4('8.8.8.8'), { type: 'echoRequest', ident: 1, seqNo: 2, data: text('x') }, 0)).to.equal('sent');
      a.iface.routes.setDefaultGateway(null);
      expect(a.iface.sendIcmp(ipv4('8.8.8.8'), { type: 'echoRequest', ident: 1, seqNo: 3, data: text('x') }, 0)).to.equal('no-route');
    });

    it('ignores pings to a broadcast address (RFC 1122 3.2.2.6)', () => {
      const { h: a, seen } = icmpLog(1);
      const b = host(2);
      a.iface.sendIcmp(ipv4('10.0.0.255'), { type: 'echoRequest', ident: 1, seqNo: 1, data: text('x') }, 0);
      pump([a, b], 0);
      expect(seen).to.have.length(0);
      expect(b.iface.stats.drops['icmp-echo-broadcast']).to.equal(1);
    });

    it('sends port unreachable for UDP to a closed port, and the sender socket hears of it', () => {
      const { h: a, seen } = icmpLog(1);
      const b = host(2);
      const tx = udpOn(a, 5000);
      tx.sendTo(text('anyone?'), { addr: B, port: 9 });
      pump([a, b], 0);
      expect(seen).to.have.length(1);
      expect(seen[0]).to.deep.include({ type: 'destUnreachable', code: 3 });
      // The quote is the invoking header (20 bytes) and the first 8 bytes of the UDP datagram.
      expect((seen[0] as { data: Uint8Array }).data.length).to.equal(28);
      expect(tx.lastError).to.deep.equal({
        kind: 'unreachable', code: 3, nextHopMtu: 0, localOrigin: false,
        local: { addr: A, port: 5000 }, remote: { addr: B, port: 9 },
      });
    });

    it('does not send port unreachable for a broadcast datagram (RFC 1122 3.2.2)', () => {
      const a = host(1);
      const b = host(2);
      new UdpSocket(a.iface.sockets).sendTo(text('hi'), { addr: ipv4('255.255.255.255'), port: 9 });
      pump([a, b], 0);
      expect(b.iface.stats.drops['udp-no-socket']).to.equal(1);
      expect(a.iface.stats.rxFrames).to.equal(0);
    });

    it('rate-limits ICMP errors with a token bucket (RFC 1122 3.2.2)', () => {
      const { h: a, seen } = icmpLog(1);
      const b = host(2);
      const tx = udpOn(a, 5000);
      for (let i = 0; i < 15; i++) tx.sendTo(text('x'), { addr: B, port: 9 });
      pump([a, b], 0);
      expect(seen).to.have.length(10);
      expect(b.iface.stats.drops['icmp-rate-limited']).to.equal(5);
      for (let i = 0; i < 5; i++) tx.sendTo(text('x'), { addr: B, port: 9 });
      pump([a, b], 300); // three tokens earned
      expect(seen).to.have.length(13);
    });

    it('sends no port unreachable for a unicast datagram that came as a link-layer broadcast', () => {
      const a = host(1);
      const b = host(2);
      const ip = ipv4Repr({ src: A, dst: B, protocol: IpProtocol.Udp, payload: new Uint8Array(0) });
      const udp = new Uint8Array(8);
      udp.set([0, 1, 0, 9, 0, 8, 0, 0]); // checksum 0: none
      const bytes = new Uint8Array(14 + 28);
      Ipv4Repr.emit({ ...ip, payload: udp }, bytes.subarray(14));
      EthernetRepr.emit({ dst: 0xffffffffffff, src: a.iface.hardwareAddr, ethertype: EthernetType.Ipv4, payload: bytes.subarray(14) }, bytes);
      b.iface.receive(bytes, 0);
      expect(b.iface.stats.drops['udp-no-socket']).to.equal(1);
      expect(b.device.pending).to.equal(0);
      bytes.set([0x02, 0, 0, 0, 0, 2], 0); // the same datagram unicast to b's MAC is answered
      b.iface.receive(bytes, 0);
      b.iface.arp.fill(A, a.iface.hardwareAddr, 0);
      b.iface.receive(bytes, 0);
      expect(frameKinds(b.device.drain())).to.deep.equal(['arp-request', 'ip-1']);
    });

    it('sends protocol unreachable for an unknown transport', () => {
      const { h: a, seen } = icmpLog(1);
      const b = host(2);
      a.iface.sendDatagram(ipv4Repr({ src: A, dst: B, protocol: 99, payload: text('?') }));
      pump([a, b], 0);
      expect(seen.map((m) => m.type === 'destUnreachable' && m.code)).to.deep.equal([2]);
    });

    it('sends time exceeded (reassembly) when fragment zero arrived but the datagram never completed', () => {
      const { h: a, seen } = icmpLog(1);
      const b = host(2, { reassembly: { timeoutMs: 5000 } });
      const big = ipv4Repr({ src: A, dst: B, protocol: IpProtocol.Udp, payload: new Uint8Array(3000), ident: 77 });
      let n = 0;
      a.iface.sendDatagram(big);
      pump([a, b], 0, (frame) => !(frameKinds([frame])[0] === 'ip-17' && ++n === 2)); // lose the middle fragment
      expect(b.iface.reassembler.inProgress).to.equal(1);
      pump([a, b], 5000);
      expect(seen.map((m) => m.type === 'timeExceeded' && m.code)).to.deep.equal([1]);
    });
  });

  describe('TCP without a socket', () => {
    function rstFor(seg: TcpRepr): TcpRepr | null {
      const a = host(1);
      const b = host(2);
      b.iface.arp.fill(A, a.iface.hardwareAddr, 0);
      a.iface.arp.fill(B, b.iface.hardwareAddr, 0);
      a.iface.send('tcp', { src: A, dst: B }, seg);
      for (const f of a.device.drain()) b.iface.receive(f, 0);
      const out = b.device.drain();
      if (out.length === 0) return null;
      const eth = EthernetRepr.parse(out[0]!);
      const ip = eth.ok ? Ipv4Repr.parse(eth.value.payload) : null;
      const tcp = ip?.ok ? TcpRepr.parse(ip.value.payload, B, A) : null;
      return tcp?.ok ? tcp.value : null;
    }

    it('answers a SYN to a closed port with RST+ACK acknowledging it (RFC 9293 3.10.7.1)', () => {
      const rst = rstFor(tcpRepr({ srcPort: 40000, dstPort: 81, seqNumber: 1000, flags: TcpFlags.SYN, maxSegSize: 1460 }));
      expect(rst).to.deep.include({ srcPort: 81, dstPort: 40000, seqNumber: 0, ackNumber: 1001, flags: TcpFlags.RST | TcpFlags.ACK });
    });

    it('answers an ACK segment with a RST whose sequence number is the ACK number', () => {
      const rst = rstFor(tcpRepr({ srcPort: 40000, dstPort: 81, seqNumber: 5, ackNumber: 0xfffffff0, flags: TcpFlags.ACK, payload: text('abc') }));
      expect(rst).to.deep.include({ seqNumber: 0xfffffff0, flags: TcpFlags.RST });
    });

    it('never answers a RST', () => {
      expect(rstFor(tcpRepr({ srcPort: 40000, dstPort: 81, seqNumber: 5, flags: TcpFlags.RST }))).to.equal(null);
    });
  });

  describe('UDP', () => {
    it('exchanges datagrams between two interfaces wired back to back', () => {
      const a = host(1);
      const b = host(2);
      const client = new UdpSocket(a.iface.sockets);
      const server = udpOn(b, 7);
      expect(client.sendTo(text('ping'), { addr: B, port: 7 })).to.equal('ok');
      pump([a, b], 0);
      const req = server.recvFrom();
      expect(str(req?.payload)).to.equal('ping');
      expect(req?.remote.addr).to.equal(A);
      expect(req?.localAddr).to.equal(B);
      server.sendTo(text('pong'), req!.remote);
      pump([a, b], 0);
      const rep = client.recvFrom();
      expect(str(rep?.payload)).to.equal('pong');
      expect(rep?.remote).to.deep.equal({ addr: B, port: 7 });
    });

    it('fragments a large datagram and reassembles it on the other side', () => {
      const a = host(1);
      const b = host(2);
      const server = udpOn(b, 7);
      const big = Uint8Array.from({ length: 9000 }, (_, i) => i % 251);
      new UdpSocket(a.iface.sockets).sendTo(big, { addr: B, port: 7 });
      let ipFrames = 0;
      pump([a, b], 0, (f) => { if (frameKinds([f])[0] === 'ip-17') ipFrames++; return true; });
      expect(ipFrames).to.equal(7); // 9008 bytes of UDP in 1480-byte fragments
      expect(Array.from(server.recvFrom()?.payload ?? [])).to.deep.equal(Array.from(big));
    });

    it('bounds the receive queue and counts what it drops', () => {
      const a = host(1);
      const b = host(2);
      const server = new UdpSocket(b.iface.sockets, { rxDatagrams: 2 });
      server.bind({ addr: B, port: 7 });
      const client = new UdpSocket(a.iface.sockets);
      for (let i = 0; i < 5; i++) client.sendTo(text(`${i}`), { addr: B, port: 7 });
      pump([a, b], 0);
      expect(server.stats.rxDropped).to.equal(3);
      expect([server.recvFrom(), server.recvFrom(), server.recvFrom()].map((d) => d && str(d.payload))).to.deep.equal(['0', '1', null]);
    });

    it('delivers datagrams an Ethernet interface sends to its own address', () => {
      const a = host(1);
      const s = udpOn(a, 9);
      new UdpSocket(a.iface.sockets).sendTo(text('me'), { addr: A, port: 9 });
      a.iface.poll(0);
      expect(a.device.drain()).to.have.length(0);
      expect(str(s.recvFrom()?.payload)).to.equal('me');
    });
  });

  describe('fragments over a faulty wire (property)', () => {
    it('delivers only exact datagrams whatever the wire drops, duplicates or reorders', () => {
      fc.assert(fc.property(
        fc.array(fc.integer({ min: 1, max: 6000 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.constantFrom('pass', 'drop', 'dup', 'hold'), { minLength: 1, maxLength: 64 }),
        (sizes, fate) => {
          const a = host(1);
          const b = host(2);
          a.iface.arp.fill(B, b.iface.hardwareAddr, 0);
          b.iface.arp.fill(A, a.iface.hardwareAddr, 0);
          const server = udpOn(b, 7);
          const client = new UdpSocket(a.iface.sockets);
          const sent = sizes.map((n, k) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + k) & 0xff));
          for (const d of sent) client.sendTo(d, { addr: B, port: 7 });
          a.iface.poll(0);
          const held: Uint8Array[] = [];
          a.device.drain().forEach((f, i) => {
            const what = fate[i % fate.length];
            if (what === 'drop') return;
            if (what === 'hold') { held.push(f); return; }
            b.iface.receive(f, 0);
            if (what === 'dup') b.iface.receive(f, 0);
          });
          for (const f of held.reverse()) b.iface.receive(f, 0);
          const lossless = !fate.includes('drop');
          const got: string[] = [];
          for (let d = server.recvFrom(); d; d = server.recvFrom()) got.push(Buffer.from(d.payload).toString('hex'));
          const want = sent.map((d) => Buffer.from(d).toString('hex'));
          for (const g of got) expect(want).to.include(g);
          // Without loss every datagram arrives (a duplicated unfragmented one twice: UDP does not deduplicate).
          if (lossless) for (const w of want) expect(got).to.include(w);
        }), { numRuns: 150, seed: 11 });
    });
  });

  describe('loopback', () => {
    it('carries UDP and answers pings on 127.0.0.1 through its device', () => {
      const lo = loopbackInterface(seededRng(9));
      const server = new UdpSocket(lo.sockets);
      server.bind({ addr: 0, port: 53 });
      new UdpSocket(lo.sockets).sendTo(text('q'), { addr: ipv4('127.0.0.1'), port: 53 });
      lo.poll(0); // the client dispatches into the loopback device
      expect(server.canRecv).to.equal(false);
      lo.poll(0); // the device hands it back
      expect(str(server.recvFrom()?.payload)).to.equal('q');
      expect(lo.sendIcmp(ipv4('127.0.0.1'), { type: 'echoRequest', ident: 1, seqNo: 1, data: text('x') }, 0)).to.equal('sent');
      lo.poll(1); // request received, reply transmitted
      lo.poll(1); // reply received
      expect(lo.stats.rxFrames).to.equal(3);
      expect(lo.stats.txFrames).to.equal(3);
      expect(lo.stats.drops).to.deep.equal({});
    });
  });

  describe('timers', () => {
    it('pollAt reports the next ARP retry and reassembly timeout', () => {
      const a = host(1, { reassembly: { timeoutMs: 700 } });
      expect(a.iface.pollAt(0)).to.equal(null);
      a.iface.sendIcmp(ipv4('10.0.0.9'), { type: 'echoRequest', ident: 1, seqNo: 1, data: text('x') }, 10);
      expect(a.iface.pollAt(10)).to.equal(1010);
      const frag = ipv4Repr({ src: B, dst: A, protocol: IpProtocol.Udp, moreFragments: true, payload: new Uint8Array(8) });
      const bytes = new Uint8Array(Ipv4Repr.bufferLen(frag) + 14);
      Ipv4Repr.emit(frag, bytes.subarray(14));
      EthernetRepr.emit({ dst: a.iface.hardwareAddr, src: 5, ethertype: EthernetType.Ipv4, payload: bytes.subarray(14) }, bytes);
      a.iface.receive(bytes, 20);
      expect(a.iface.pollAt(20)).to.equal(720);
    });
  });

  describe('untrusted frames', () => {
    it('drops datagrams from broadcast sources and for other hosts (RFC 1122 3.2.1.3, 3.3.4)', () => {
      const b = host(2);
      const send = (src: number, dst: number): void => {
        const ip = ipv4Repr({ src, dst, protocol: IpProtocol.Udp, payload: new Uint8Array(8) });
        const f = new Uint8Array(14 + Ipv4Repr.bufferLen(ip));
        Ipv4Repr.emit(ip, f.subarray(14));
        EthernetRepr.emit({ dst: b.iface.hardwareAddr, src: 5, ethertype: EthernetType.Ipv4, payload: f.subarray(14) }, f);
        b.iface.receive(f, 0);
      };
      send(ipv4('10.0.0.255'), B);
      send(ipv4('224.0.0.1'), B);
      send(A, ipv4('10.0.0.3'));
      expect(b.iface.stats.drops).to.deep.equal({ 'bad-source': 2, 'not-our-address': 1 });
      expect(b.device.pending).to.equal(0);
    });

    it('drops malformed frames, counting why, and never throws', () => {
      const b = host(2);
      b.iface.receive(new Uint8Array(10), 0);
      const badIp = new Uint8Array(34);
      EthernetRepr.emit({ dst: b.iface.hardwareAddr, src: 1, ethertype: EthernetType.Ipv4, payload: new Uint8Array(20) }, badIp);
      b.iface.receive(badIp, 0);
      expect(b.iface.stats.drops).to.deep.equal({ 'ethernet-truncated': 1, 'ipv4-malformed': 1 });
      fc.assert(fc.property(fc.uint8Array({ minLength: 14, maxLength: 200 }), fc.boolean(), (f, arp) => {
        f.set([0x02, 0, 0, 0, 0, 2], 0);
        f[12] = 0x08; f[13] = arp ? 0x06 : 0x00;
        b.iface.receive(f, 0);
        b.iface.poll(0);
        b.device.drain();
      }), { numRuns: 500, seed: 4 });
    });
  });
});
