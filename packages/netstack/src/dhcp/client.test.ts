import { expect } from 'chai';
import { type Host, host, pump, seededRng } from '../testing.js';
import { UdpSocket } from '../socket/udp.js';
import { IPV4_BROADCAST, type Ipv4Address, ipv4 } from '../wire/address.js';
import { DhcpMessageType, DhcpRepr, dhcpRepr } from '../wire/dhcp.js';
import { DhcpClient, type DhcpEvent } from './client.js';

const SERVER = ipv4('10.0.0.1');
const LEASED = ipv4('10.0.0.50');
const S = 1000; // ms per second

interface Seen { type: number; src: Ipv4Address; dst: Ipv4Address; msg: DhcpRepr; at: number }

/** A tiny DHCP server (RFC 2131 4.3) leasing one address, with switches to misbehave. */
class TinyServer {
  readonly seen: Seen[] = [];
  answer = true;
  answerRequests = true;
  nak = false;
  leaseS = 3600;
  private readonly socket: UdpSocket;

  constructor(readonly h: Host) {
    this.socket = new UdpSocket(h.iface.sockets);
    this.socket.bind({ addr: 0, port: 67 });
  }

  /** Answers everything received; returns how many messages it handled. */
  serve(now: number): number {
    let n = 0;
    for (let d = this.socket.recvFrom(); d; d = this.socket.recvFrom(), n++) {
      const r = DhcpRepr.parse(d.payload);
      if (!r.ok) continue;
      this.seen.push({ type: r.value.messageType, src: d.remote.addr, dst: d.localAddr, msg: r.value, at: now });
      if (this.answer) this.reply(r.value);
    }
    return n;
  }

  private reply(req: DhcpRepr): void {
    if (req.messageType === DhcpMessageType.Request && !this.answerRequests) return;
    if (req.messageType === DhcpMessageType.Request && req.serverIdentifier !== null && req.serverIdentifier !== SERVER) return;
    const type = req.messageType === DhcpMessageType.Discover ? DhcpMessageType.Offer : this.nak ? DhcpMessageType.Nak : DhcpMessageType.Ack;
    const out = dhcpRepr({
      messageType: type, transactionId: req.transactionId, clientHwAddr: req.clientHwAddr, broadcast: req.broadcast,
      yourIp: type === DhcpMessageType.Nak ? 0 : LEASED, serverIdentifier: SERVER,
      ...(type !== DhcpMessageType.Nak && {
        subnetMask: ipv4('255.255.255.0'), routers: [ipv4('10.0.0.254')], dnsServers: [ipv4('10.0.0.3'), ipv4('10.0.0.4')],
        leaseTime: this.leaseS,
      }),
    });
    const payload = new Uint8Array(DhcpRepr.bufferLen(out));
    DhcpRepr.emit(out, payload);
    // RFC 2131 4.1: unicast to ciaddr when set, else broadcast (we do not unicast to an unconfigured client).
    this.socket.sendTo(payload, { addr: req.clientIp !== 0 ? req.clientIp : IPV4_BROADCAST, port: 68 });
  }
}

interface World { client: Host; server: TinyServer; dhcp: DhcpClient; events: DhcpEvent[]; run(until: number): void }

/** Client and server on one wire; run() advances simulated time event by event. */
function world(): World {
  const client = host(2, { addresses: [] });
  const server = new TinyServer(host(1));
  const events: DhcpEvent[] = [];
  const dhcp = new DhcpClient(client.iface, seededRng(77), { onEvent: (e) => events.push(e) });
  let now = 0;
  const run = (until: number): void => {
    while (now <= until) {
      for (let moved = 1, rounds = 0; moved > 0; rounds++) {
        if (rounds > 50) throw new Error(`run: no quiet moment at ${now} ms`);
        moved = pump([client, server.h], now) + server.serve(now);
      }
      const next = [client.iface.pollAt(now), server.h.iface.pollAt(now)].filter((t): t is number => t !== null && t > now);
      now = Math.min(until + 1, ...next);
    }
    now = until + 1;
  };
  return { client, server, dhcp, events, run };
}

describe('dhcp/client', () => {
  describe('INIT -> SELECTING -> REQUESTING -> BOUND', () => {
    it('acquires a lease and configures address, gateway and DNS', () => {
      const w = world();
      w.run(0);
      expect(w.server.seen.map((s) => s.type)).to.deep.equal([DhcpMessageType.Discover, DhcpMessageType.Request]);
      const [discover, request] = w.server.seen;
      expect(discover!.src).to.equal(0);
      expect(discover!.dst).to.equal(IPV4_BROADCAST);
      expect(discover!.msg.broadcast).to.equal(true);
      expect(Array.from(discover!.msg.clientIdentifier ?? [])).to.deep.equal([1, 2, 0, 0, 0, 0, 2]);
      // RFC 2131 4.3.2: a REQUEST in SELECTING names the server and the offered address, ciaddr 0.
      expect(request!.msg).to.include({ serverIdentifier: SERVER, requestedIp: LEASED, clientIp: 0 });
      expect(request!.msg.transactionId).to.equal(discover!.msg.transactionId);
      expect(w.dhcp.state).to.equal('bound');
      expect(w.client.iface.addresses).to.deep.equal([{ address: LEASED, prefixLen: 24 }]);
      expect(w.client.iface.routes.defaultGateway).to.equal(ipv4('10.0.0.254'));
      expect(w.client.iface.dnsServers).to.deep.equal([ipv4('10.0.0.3'), ipv4('10.0.0.4')]);
      expect(w.dhcp.lease).to.include({ renewAt: 1800 * S, rebindAt: 3150 * S, expiresAt: 3600 * S });
      expect(w.events.map((e) => e.type)).to.deep.equal(['bound']);
    });

    it('retransmits DISCOVER at 4, 8, 16... seconds, each +-1 s (RFC 2131 4.1)', () => {
      const w = world();
      w.server.answer = false;
      w.run(200 * S);
      const times = w.server.seen.map((s) => s.at);
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      const expected = [4, 8, 16, 32, 64, 64].map((s) => s * S);
      expect(gaps.slice(0, 6)).to.have.length(6);
      gaps.slice(0, 6).forEach((g, i) => expect(g).to.be.within(expected[i]! - S, expected[i]! + S));
      expect(new Set(w.server.seen.map((s) => s.type))).to.deep.equal(new Set([DhcpMessageType.Discover]));
    });

    it('starts over on NAK, after a 10 s pause', () => {
      const w = world();
      w.server.nak = true;
      w.run(0);
      expect(w.dhcp.state).to.equal('init');
      expect(w.client.iface.addresses).to.deep.equal([]);
      w.server.nak = false;
      w.run(10 * S - 1);
      expect(w.server.seen).to.have.length(2);
      w.run(10 * S);
      expect(w.server.seen.map((s) => s.at)).to.deep.equal([0, 0, 10 * S, 10 * S]);
      expect(w.dhcp.state).to.equal('bound');
    });

    it('gives up REQUESTING after 4 unanswered REQUESTs and discovers again', () => {
      const w = world();
      w.server.answerRequests = false;
      w.run(70 * S); // REQUESTs at 0, ~4, ~12, ~28 s; the fifth would be due at ~60 s
      const types = w.server.seen.map((s) => s.type);
      expect(types.slice(0, 6)).to.deep.equal([
        DhcpMessageType.Discover, DhcpMessageType.Request, DhcpMessageType.Request, DhcpMessageType.Request,
        DhcpMessageType.Request, DhcpMessageType.Discover,
      ]);
      expect(new Set(w.server.seen.slice(0, 5).map((s) => s.msg.transactionId)).size).to.equal(1);
      expect(w.server.seen[5]!.msg.transactionId).to.not.equal(w.server.seen[0]!.msg.transactionId);
      expect(w.server.seen[5]!.msg.secs).to.equal(0);
      expect(w.server.seen[4]!.msg.secs).to.be.within(25, 31); // 4 + 8 + 16 s, +-1 s each
      expect(w.server.seen[5]!.at / S).to.be.within(57, 63);
    });

    it('never renews an infinite lease', () => {
      const w = world();
      w.server.leaseS = 0xffffffff;
      w.run(0);
      expect(w.dhcp.lease).to.include({ renewAt: Infinity, expiresAt: Infinity });
      expect(w.client.iface.pollAt(1)).to.equal(null);
    });

    it('ignores replies for another transaction or another client', () => {
      const w = world();
      w.server.answer = false;
      w.run(0);
      const xid = w.server.seen[0]!.msg.transactionId;
      const offer = (id: number, chaddr: number): Uint8Array => {
        const m = dhcpRepr({ messageType: DhcpMessageType.Offer, transactionId: id, clientHwAddr: chaddr, yourIp: LEASED, serverIdentifier: SERVER });
        const b = new Uint8Array(DhcpRepr.bufferLen(m));
        DhcpRepr.emit(m, b);
        return b;
      };
      const meta = { src: SERVER, dst: IPV4_BROADCAST, ttl: 64, dscpEcn: 0 };
      w.dhcp.process(1, meta, { srcPort: 67, dstPort: 68, payload: offer(xid + 1, w.client.iface.hardwareAddr) });
      w.dhcp.process(1, meta, { srcPort: 67, dstPort: 68, payload: offer(xid, 0x020000000099) });
      expect(w.dhcp.state).to.equal('selecting');
      w.dhcp.process(1, meta, { srcPort: 67, dstPort: 68, payload: offer(xid, w.client.iface.hardwareAddr) });
      expect(w.dhcp.state).to.equal('requesting');
    });
  });

  describe('BOUND -> RENEWING -> REBINDING', () => {
    it('renews at T1 by unicast to the server and extends the lease', () => {
      const w = world();
      w.run(1800 * S - 1);
      expect(w.server.seen).to.have.length(2);
      w.run(1800 * S);
      const renew = w.server.seen[2]!;
      expect(renew.type).to.equal(DhcpMessageType.Request);
      expect(renew.at).to.equal(1800 * S);
      expect(renew.src).to.equal(LEASED);
      expect(renew.dst).to.equal(SERVER); // unicast (RFC 2131 4.4.5)
      // RFC 2131 4.3.2: RENEWING fills ciaddr and MUST NOT send server id or requested address.
      expect(renew.msg).to.include({ clientIp: LEASED, serverIdentifier: null, requestedIp: null, broadcast: false });
      expect(w.dhcp.state).to.equal('bound');
      expect(w.dhcp.lease?.expiresAt).to.equal((1800 + 3600) * S);
    });

    it('retransmits while RENEWING, rebinds by broadcast at T2, and binds again', () => {
      const w = world();
      w.run(0);
      w.server.answer = false;
      w.run(3150 * S - 1);
      const renewals = w.server.seen.slice(2).map((s) => s.at / S);
      // First at T1 = 1800 s, then half the time left to T2, at least 60 s: 1800, 2475, 2812.5, 2981.25, 3065.6..
      expect(renewals.slice(0, 3)).to.deep.equal([1800, 2475, 2812.5]);
      expect(renewals.every((t) => t < 3150)).to.equal(true);
      expect(w.dhcp.state).to.equal('renewing');
      w.server.answer = true;
      w.run(3150 * S);
      const rebind = w.server.seen.at(-1)!;
      expect(rebind.at).to.equal(3150 * S);
      expect(rebind.dst).to.equal(IPV4_BROADCAST);
      expect(rebind.msg).to.include({ clientIp: LEASED, serverIdentifier: null });
      expect(w.dhcp.state).to.equal('bound');
      expect(w.dhcp.lease?.renewAt).to.equal((3150 + 1800) * S);
    });

    it('gives the address up when the lease expires and starts over', () => {
      const w = world();
      w.run(0);
      w.server.answer = false;
      w.run(3600 * S - 1);
      expect(w.dhcp.state).to.equal('rebinding');
      expect(w.client.iface.addresses).to.have.length(1);
      w.run(3600 * S);
      expect(w.dhcp.state).to.equal('selecting');
      expect(w.client.iface.addresses).to.deep.equal([]);
      expect(w.client.iface.routes.defaultGateway).to.equal(null);
      expect(w.events.map((e) => e.type)).to.deep.equal(['bound', 'lost']);
      expect(w.server.seen.at(-1)).to.include({ type: DhcpMessageType.Discover, at: 3600 * S });
    });

    it('drops to INIT on a NAK while renewing', () => {
      const w = world();
      w.run(0);
      w.server.nak = true;
      w.run(1800 * S);
      expect(w.dhcp.state).to.equal('init');
      expect(w.client.iface.addresses).to.deep.equal([]);
    });
  });
});
