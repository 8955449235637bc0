import { expect } from 'chai';
import { NS_PER_MS, Port, VirtualScheduler } from '@cosix/hw';
import { IcmpRepr, TcpSocket, TcpState, ipv4 } from '@cosix/netstack';
import { seededRng as seeded } from '@cosix/netstack/testing';
import { StackNode, macNumber } from './node.js';
import { NODE_RX_QUEUE_FRAMES } from './params.js';

/** Two nodes on a bare cable, on virtual time. */
function pair() {
  const sched = new VirtualScheduler();
  const mk = (n: number): StackNode => new StackNode({
    scheduler: sched, mac: 0x02_00_00_00_00_00 + n, rng: seeded(n), addresses: [{ address: ipv4(`10.1.0.${n}`), prefixLen: 24 }],
  });
  const a = mk(1);
  const b = mk(2);
  Port.connect(a.port, b.port);
  return { sched, a, b };
}

describe('gateway StackNode (a netstack Interface on an hw Port)', () => {
  it('answers ARP and ping from its service turns, on virtual time', () => {
    const { sched, a, b } = pair();
    const replies: number[] = [];
    const c = new StackNode({
      scheduler: sched, mac: 3, rng: seeded(3), addresses: [{ address: ipv4('10.1.0.3'), prefixLen: 24 }],
      onIcmp: (_now, _ip, repr) => { if (repr.type === 'echoReply') replies.push(repr.seqNo); },
    });
    Port.disconnect(a.port);
    Port.connect(c.port, b.port);
    const echo: IcmpRepr = { type: 'echoRequest', ident: 7, seqNo: 1, data: new Uint8Array(8) };
    c.iface.sendIcmp(ipv4('10.1.0.2'), echo, c.now());
    c.kick();
    sched.advance(10 * NS_PER_MS);
    expect(replies).to.deep.equal([1]);
    expect(b.stats.rxQueued).to.equal(2); // ARP request, echo request
    for (const n of [a, b, c]) n.close();
    expect(sched.pending()).to.equal(0);
  });

  it('kick() runs the hooks even when the interface has nothing due', () => {
    const { sched, a, b } = pair();
    let turns = 0;
    a.onService(() => { turns++; });
    sched.runUntilIdle();
    expect(a.iface.pollAt(a.now())).to.equal(null);
    const before = turns;
    a.kick();
    sched.runUntilIdle();
    expect(turns).to.equal(before + 1);
    a.close();
    b.close();
  });

  it('carries a TCP connection whose application runs in the hooks, then leaves no timer after close()', () => {
    const { sched, a, b } = pair();
    const listener = new TcpSocket(b.iface.sockets, { rng: seeded(9) });
    listener.listen({ addr: 0, port: 80 }, 4);
    let server: TcpSocket | null = null;
    b.onService(() => { server ??= listener.accept(); });
    const client = new TcpSocket(a.iface.sockets, { rng: seeded(8) });
    client.connect({ addr: 0, port: 0 }, { addr: ipv4('10.1.0.2'), port: 80 }, a.now());
    a.kick();
    sched.advance(100 * NS_PER_MS);
    expect(client.state).to.equal(TcpState.ESTABLISHED);
    client.send(new TextEncoder().encode('hello'));
    a.kick();
    sched.advance(100 * NS_PER_MS);
    expect(new TextDecoder().decode(server!.recv(100))).to.equal('hello');
    expect(sched.pending()).to.be.greaterThan(0); // the nodes' timers for the connection are armed
    a.close();
    b.close();
    expect(sched.pending()).to.equal(0);
  });

  it('drops frames beyond its receive queue, as a full RX ring does', () => {
    const sched = new VirtualScheduler();
    const node = new StackNode({ scheduler: sched, mac: 5, rng: seeded(5), addresses: [] });
    const wire = new Port('wire', () => {});
    Port.connect(wire, node.port);
    const frame = new Uint8Array(60);
    for (let i = 0; i < NODE_RX_QUEUE_FRAMES + 10; i++) wire.send(frame);
    expect(node.stats).to.include({ rxQueued: NODE_RX_QUEUE_FRAMES, rxDropped: 10 });
    sched.runUntilIdle();
    expect(node.rxPending).to.equal(0);
    node.close();
  });

  it('macNumber turns hw\'s six bytes into netstack\'s 48-bit number', () => {
    expect(macNumber(Uint8Array.of(0x52, 0x55, 0x0a, 0x00, 0x02, 0x02))).to.equal(0x52_55_0a_00_02_02);
  });
});
