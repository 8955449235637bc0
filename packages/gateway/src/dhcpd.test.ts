import { expect } from 'chai';
import { Port, Switch, VirtualScheduler, NS_PER_MS } from '@cosix/hw';
import {
  DHCP_CLIENT_PORT, DhcpClient, DhcpMessageType, DhcpRepr, type Egress, IPV4_BROADCAST, type Ipv4Address, SocketSet,
  type TxResult, type UdpRepr, dhcpRepr, formatIpv4, ipv4,
} from '@cosix/netstack';
import { DhcpServer, type DhcpServerConfig } from './dhcpd.js';
import { Gateway } from './gateway.js';
import { seededRng as seeded } from '@cosix/netstack/testing';
import { StackNode } from './node.js';

const SERVER = ipv4('10.0.2.2');
const CONFIG: DhcpServerConfig = {
  server: { address: SERVER, prefixLen: 24 }, poolFirst: ipv4('10.0.2.15'), poolLast: ipv4('10.0.2.17'),
  router: SERVER, dnsServers: [ipv4('10.0.2.3')], leaseSeconds: 600,
};
const MAC_A = 0x02_00_00_00_00_0a;
const MAC_B = 0x02_00_00_00_00_0b;
const MAC_C = 0x02_00_00_00_00_0c;
const MAC_D = 0x02_00_00_00_00_0d;

interface Sent { dst: Ipv4Address; msg: DhcpRepr }

/** The server on a bare SocketSet: process() a client message, dispatch() into a recording Egress. */
function harness(config: Partial<DhcpServerConfig> = {}) {
  const set = new SocketSet(seeded(1));
  const server = new DhcpServer(set, { ...CONFIG, ...config });
  const exchange = (now: number, mac: number, type: number, fields: Partial<DhcpRepr> = {}): Sent[] => {
    const req = dhcpRepr({ messageType: type as DhcpRepr['messageType'], transactionId: 0x1234, clientHwAddr: mac, ...fields });
    const payload = new Uint8Array(DhcpRepr.bufferLen(req));
    DhcpRepr.emit(req, payload);
    const seg: UdpRepr = { srcPort: DHCP_CLIENT_PORT, dstPort: 67, payload };
    server.process(now, { src: fields.clientIp ?? 0, dst: IPV4_BROADCAST, ttl: 64, dscpEcn: 0 }, seg);
    const out: Sent[] = [];
    const egress: Egress = {
      mtu: 1500,
      sourceAddressFor: () => SERVER,
      send: (_p, ip, s): TxResult => {
        const r = DhcpRepr.parse((s as UdpRepr).payload);
        if (!r.ok) throw new Error('server emitted an unparsable message');
        expect(ip.src).to.equal(SERVER);
        out.push({ dst: ip.dst, msg: r.value });
        return 'sent';
      },
    };
    server.dispatch(now, egress);
    expect(server.pollAt(now)).to.equal(null);
    return out;
  };
  /** DISCOVER then REQUEST of the offered address: the address bound. */
  const lease = (now: number, mac: number): Ipv4Address => {
    const [offer] = exchange(now, mac, DhcpMessageType.Discover);
    const [ack] = exchange(now, mac, DhcpMessageType.Request, { serverIdentifier: SERVER, requestedIp: offer!.msg.yourIp });
    expect(ack!.msg.messageType).to.equal(DhcpMessageType.Ack);
    return ack!.msg.yourIp;
  };
  return { server, exchange, lease };
}

describe('gateway DhcpServer (RFC 2131 4.3)', () => {
  describe('DISCOVER', () => {
    it('offers the lowest free address with mask, router, DNS, lease, T1 and T2, broadcast', () => {
      const { exchange, server } = harness();
      const out = exchange(0, MAC_A, DhcpMessageType.Discover);
      expect(out).to.have.length(1);
      const { dst, msg } = out[0]!;
      expect(dst).to.equal(IPV4_BROADCAST);
      expect(msg).to.include({
        messageType: DhcpMessageType.Offer, transactionId: 0x1234, clientHwAddr: MAC_A, yourIp: ipv4('10.0.2.15'),
        serverIdentifier: SERVER, subnetMask: ipv4('255.255.255.0'), leaseTime: 600, renewalTime: 300, rebindingTime: 525,
      });
      expect(msg.routers).to.deep.equal([SERVER]);
      expect(msg.dnsServers).to.deep.equal([ipv4('10.0.2.3')]);
      expect(server.bindings()).to.deep.equal([{ address: ipv4('10.0.2.15'), client: `hw:${MAC_A.toString(16)}`, state: 'offered', expiresAt: 60_000 }]);
    });

    it('offers a requested address when it is free, and the same address to a client asking again', () => {
      const { exchange } = harness();
      const [o1] = exchange(0, MAC_A, DhcpMessageType.Discover, { requestedIp: ipv4('10.0.2.17') });
      expect(formatIpv4(o1!.msg.yourIp)).to.equal('10.0.2.17');
      const [o2] = exchange(10, MAC_A, DhcpMessageType.Discover);
      expect(formatIpv4(o2!.msg.yourIp)).to.equal('10.0.2.17');
      const [o3] = exchange(20, MAC_B, DhcpMessageType.Discover, { requestedIp: ipv4('10.0.2.17') });
      expect(formatIpv4(o3!.msg.yourIp)).to.equal('10.0.2.15');
    });

    it('stays silent when the pool is exhausted, and reuses an expired lease', () => {
      const { exchange, lease } = harness();
      expect([lease(0, MAC_A), lease(0, MAC_B), lease(0, MAC_C)].map(formatIpv4)).to.deep.equal(['10.0.2.15', '10.0.2.16', '10.0.2.17']);
      expect(exchange(1000, MAC_D, DhcpMessageType.Discover)).to.deep.equal([]);
      // Leases run 600 s: after that the oldest-expired address goes to the newcomer.
      const [offer] = exchange(601_000, MAC_D, DhcpMessageType.Discover);
      expect(formatIpv4(offer!.msg.yourIp)).to.equal('10.0.2.15');
    });
  });

  describe('REQUEST', () => {
    it('SELECTING: ACKs the offered address and binds it', () => {
      const { server, lease } = harness();
      expect(formatIpv4(lease(0, MAC_A))).to.equal('10.0.2.15');
      expect(server.bindings()[0]).to.include({ state: 'bound', expiresAt: 600_000 });
    });

    it('SELECTING another server: silent, and our offer is withdrawn', () => {
      const { server, exchange } = harness();
      exchange(0, MAC_A, DhcpMessageType.Discover);
      const out = exchange(0, MAC_A, DhcpMessageType.Request, { serverIdentifier: ipv4('10.0.2.9'), requestedIp: ipv4('10.0.2.15') });
      expect(out).to.deep.equal([]);
      expect(server.bindings()).to.deep.equal([]);
    });

    it('SELECTING us with an address we did not offer: NAK, broadcast, without address or options', () => {
      const { exchange } = harness();
      exchange(0, MAC_A, DhcpMessageType.Discover);
      const [nak] = exchange(0, MAC_A, DhcpMessageType.Request, { serverIdentifier: SERVER, requestedIp: ipv4('10.0.2.16') });
      expect(nak!.dst).to.equal(IPV4_BROADCAST);
      expect(nak!.msg).to.include({ messageType: DhcpMessageType.Nak, yourIp: 0, leaseTime: null, subnetMask: null, serverIdentifier: SERVER });
    });

    it('INIT-REBOOT: own address ACKed; wrong subnet or another client\'s address NAKed; unknown client ignored', () => {
      const { exchange, lease } = harness();
      const a = lease(0, MAC_A);
      const b = lease(0, MAC_B);
      expect(exchange(10, MAC_A, DhcpMessageType.Request, { requestedIp: a })[0]!.msg.messageType).to.equal(DhcpMessageType.Ack);
      expect(exchange(10, MAC_A, DhcpMessageType.Request, { requestedIp: ipv4('192.168.1.5') })[0]!.msg.messageType).to.equal(DhcpMessageType.Nak);
      expect(exchange(10, MAC_C, DhcpMessageType.Request, { requestedIp: b })[0]!.msg.messageType).to.equal(DhcpMessageType.Nak);
      expect(exchange(10, MAC_C, DhcpMessageType.Request, { requestedIp: ipv4('10.0.2.17') })).to.deep.equal([]);
    });

    it('RENEWING: the binding is extended and the ACK is unicast to ciaddr', () => {
      const { server, exchange, lease } = harness();
      const a = lease(0, MAC_A);
      const [ack] = exchange(300_000, MAC_A, DhcpMessageType.Request, { clientIp: a });
      expect(ack!.dst).to.equal(a);
      expect(ack!.msg).to.include({ messageType: DhcpMessageType.Ack, yourIp: a, clientIp: a, leaseTime: 600 });
      expect(server.bindings()[0]).to.include({ state: 'bound', expiresAt: 900_000 });
    });
  });

  describe('DECLINE, RELEASE, INFORM', () => {
    it('a DECLINEd address is quarantined and the client is offered another', () => {
      const { server, exchange, lease } = harness();
      const a = lease(0, MAC_A);
      exchange(5, MAC_A, DhcpMessageType.Decline, { requestedIp: a, serverIdentifier: SERVER });
      expect(server.bindings()[0]).to.include({ address: a, state: 'declined' });
      expect(formatIpv4(exchange(6, MAC_A, DhcpMessageType.Discover)[0]!.msg.yourIp)).to.equal('10.0.2.16');
    });

    it('a RELEASEd address goes back to the same client first', () => {
      const { server, exchange, lease } = harness();
      const a = lease(0, MAC_A);
      exchange(5, MAC_A, DhcpMessageType.Release, { clientIp: a, serverIdentifier: SERVER });
      expect(server.bindings()[0]).to.include({ state: 'released' });
      expect(exchange(6, MAC_A, DhcpMessageType.Discover)[0]!.msg.yourIp).to.equal(a);
    });

    it('INFORM: parameters without a lease, to ciaddr', () => {
      const { exchange } = harness();
      const [ack] = exchange(0, MAC_D, DhcpMessageType.Inform, { clientIp: ipv4('10.0.2.100') });
      expect(ack!.dst).to.equal(ipv4('10.0.2.100'));
      expect(ack!.msg).to.include({ messageType: DhcpMessageType.Ack, yourIp: 0, leaseTime: null });
      expect(ack!.msg.routers).to.deep.equal([SERVER]);
    });
  });

  it('rejects a pool outside its subnet', () => {
    expect(() => harness({ poolFirst: ipv4('10.0.3.1'), poolLast: ipv4('10.0.3.9') })).to.throw(RangeError);
  });
});

describe('gateway DHCP over the simulated LAN (netstack DhcpClient <-> Switch <-> Gateway, virtual time)', () => {
  it('two clients lease distinct addresses with router and DNS, and renew at T1', async () => {
    const sched = new VirtualScheduler();
    const sw = new Switch(sched);
    const gw = new Gateway({ scheduler: sched, rng: seeded(7), leaseSeconds: 120 });
    Port.connect(gw.port, sw.addPort().port);
    const clients = [MAC_A, MAC_B].map((mac, i) => {
      const node = new StackNode({ scheduler: sched, mac, rng: seeded(100 + i), addresses: [] });
      Port.connect(node.port, sw.addPort().port);
      const dhcp = new DhcpClient(node.iface, seeded(200 + i));
      node.kick();
      return { node, dhcp };
    });
    sched.advance(10_000 * NS_PER_MS); // DISCOVER, OFFER, REQUEST, ACK need no retransmission: well under 4 s
    const leased = clients.map(({ node, dhcp }) => {
      expect(dhcp.state).to.equal('bound');
      const lease = dhcp.lease!;
      expect(lease.router).to.equal(ipv4('10.0.2.2'));
      expect(lease.dnsServers).to.deep.equal([ipv4('10.0.2.3')]);
      expect(lease.serverId).to.equal(ipv4('10.0.2.2'));
      expect(lease.expiresAt - lease.renewAt).to.equal(60_000);
      expect(node.iface.addresses).to.deep.equal([lease.address]);
      return formatIpv4(lease.address.address) + '/' + lease.address.prefixLen;
    });
    expect(leased).to.deep.equal(['10.0.2.15/24', '10.0.2.16/24']);
    const acks = gw.dhcp!.stats.acks;
    sched.advance(70_000 * NS_PER_MS); // past T1 (60 s): each client renews by unicast and stays bound
    expect(gw.dhcp!.stats.acks).to.equal(acks + 2);
    for (const { dhcp } of clients) expect(dhcp.state).to.equal('bound');
    expect(gw.dhcp!.bindings().map((b) => b.state)).to.deep.equal(['bound', 'bound']);
    for (const { node, dhcp } of clients) {
      dhcp.close();
      node.close();
    }
    await gw.close();
    expect(sched.pending()).to.equal(0);
  });
});
