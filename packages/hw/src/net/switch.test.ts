import { expect } from 'chai';
import { Switch } from './switch.js';
import { Port, localMac, BROADCAST_MAC, formatMac } from './port.js';
import { VirtualScheduler, NS_PER_S } from './sched.js';

function frame(dst: Uint8Array, src: Uint8Array, tag: number): Uint8Array {
  const f = new Uint8Array(60);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = 0x88;
  f[13] = 0xb5;
  f[14] = tag;
  return f;
}

interface Host {
  mac: Uint8Array;
  port: Port;
  got: number[]; // tags of received frames
}

function lan(hosts: number, opts: { ageingNs?: number; maxEntries?: number } = {}) {
  const sched = new VirtualScheduler();
  const sw = new Switch(sched, opts);
  const hs: Host[] = [];
  for (let i = 0; i < hosts; i++) {
    const got: number[] = [];
    const port = new Port(`h${i}`, (f) => got.push(f[14]));
    Port.connect(port, sw.addPort().port);
    hs.push({ mac: localMac(i + 1), port, got });
  }
  return { sched, sw, hs };
}

describe('hw/net Switch', () => {
  it('floods an unknown unicast to every port but the ingress', () => {
    const { sw, hs } = lan(4);
    hs[0].port.send(frame(hs[2].mac, hs[0].mac, 1));
    expect(hs.map((h) => h.got)).to.deep.equal([[], [1], [1], [1]]);
    expect(sw.stats()).to.include({ flooded: 1, forwarded: 0 });
  });

  it('learns source addresses and then forwards unicast out one port', () => {
    const { sw, hs } = lan(4);
    hs[2].port.send(frame(BROADCAST_MAC, hs[2].mac, 1)); // teaches h2's port
    hs[0].port.send(frame(hs[2].mac, hs[0].mac, 2));
    expect(hs.map((h) => h.got)).to.deep.equal([[1], [1], [2], [1]]);
    expect(sw.macTable().map((e) => [e.mac, e.port])).to.deep.equal([
      [formatMac(hs[2].mac), 2], [formatMac(hs[0].mac), 0],
    ]);
    expect(sw.stats()).to.include({ flooded: 1, forwarded: 1 });
  });

  it('always floods broadcast and multicast, and never learns a group source', () => {
    const { sw, hs } = lan(3);
    const mcast = new Uint8Array([0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb]);
    hs[0].port.send(frame(BROADCAST_MAC, hs[0].mac, 1));
    hs[1].port.send(frame(mcast, hs[1].mac, 2));
    hs[2].port.send(frame(hs[0].mac, mcast, 3)); // bogus group source: forwarded, not learned
    expect(hs.map((h) => h.got)).to.deep.equal([[2, 3], [1], [1, 2]]);
    expect(sw.macTable().map((e) => e.mac)).to.not.include(formatMac(mcast));
  });

  it('discards a frame whose destination is on its ingress port', () => {
    const { sw, hs } = lan(2);
    hs[0].port.send(frame(BROADCAST_MAC, hs[0].mac, 1));
    // h0 is known on port 0; a frame entering port 0 for h0 must not go anywhere
    hs[0].port.send(frame(hs[0].mac, hs[0].mac, 2));
    expect(hs[0].got).to.deep.equal([]);
    expect(hs[1].got).to.deep.equal([1]);
    expect(sw.stats().filtered).to.equal(1);
  });

  it('moves an entry when a station appears on another port', () => {
    const { sw, hs } = lan(3);
    const roaming = localMac(99);
    hs[0].port.send(frame(BROADCAST_MAC, roaming, 1));
    hs[1].port.send(frame(BROADCAST_MAC, roaming, 2));
    hs[2].port.send(frame(roaming, hs[2].mac, 3));
    expect(hs[1].got).to.deep.equal([1, 3]);
    expect(hs[0].got).to.deep.equal([2]);
    expect(sw.macTable().find((e) => e.mac === formatMac(roaming))?.port).to.equal(1);
  });

  it('ages entries out exactly ageingNs after last seen, then floods again', () => {
    const { sw, hs, sched } = lan(3, { ageingNs: 10 * NS_PER_S });
    hs[1].port.send(frame(BROADCAST_MAC, hs[1].mac, 1));
    sched.advance(10 * NS_PER_S - 1);
    hs[0].port.send(frame(hs[1].mac, hs[0].mac, 2)); // still known: to h1 only
    expect(hs[2].got).to.deep.equal([1]);
    sched.advance(1);
    expect(sw.macTable().map((e) => e.mac)).to.deep.equal([formatMac(hs[0].mac)]);
    hs[0].port.send(frame(hs[1].mac, hs[0].mac, 3)); // aged: flooded
    expect(hs[2].got).to.deep.equal([1, 3]);
    expect(hs[1].got).to.deep.equal([2, 3]);
  });

  it('a fresh frame from a station restarts its ageing timer', () => {
    const { hs, sched } = lan(3, { ageingNs: 10 * NS_PER_S });
    hs[1].port.send(frame(BROADCAST_MAC, hs[1].mac, 1));
    sched.advance(8 * NS_PER_S);
    hs[1].port.send(frame(hs[0].mac, hs[1].mac, 2)); // h0 unknown: flooded, refreshes h1
    sched.advance(8 * NS_PER_S);
    hs[0].port.send(frame(hs[1].mac, hs[0].mac, 3));
    expect(hs[2].got).to.deep.equal([1, 2]);
  });

  it('evicts the least recently seen entry when the table is full', () => {
    const { sw, hs, sched } = lan(4, { maxEntries: 2 });
    for (const i of [0, 1, 2]) {
      hs[i].port.send(frame(BROADCAST_MAC, hs[i].mac, i));
      sched.advance(1);
    }
    expect(sw.macTable().map((e) => e.port)).to.deep.equal([1, 2]);
  });

  it('removing a port unplugs it and forgets what was learned there', () => {
    const { sw } = lan(0);
    const a = sw.addPort();
    const got: number[] = [];
    const h = new Port('h', (f) => got.push(f[14]));
    Port.connect(h, a.port);
    h.send(frame(BROADCAST_MAC, localMac(1), 1));
    expect(sw.macTable()).to.have.length(1);
    a.remove();
    expect(sw.macTable()).to.have.length(0);
    expect(h.peer).to.equal(null);
    expect(sw.portCount).to.equal(0);
  });

  it('observers see every frame entering the switch once', () => {
    const { sw, hs } = lan(3);
    const seen: number[] = [];
    const off = sw.observe((f, dir) => dir === 'rx' && seen.push(f[14]));
    hs[0].port.send(frame(BROADCAST_MAC, hs[0].mac, 1));
    hs[1].port.send(frame(hs[0].mac, hs[1].mac, 2));
    off();
    hs[2].port.send(frame(hs[0].mac, hs[2].mac, 3));
    expect(seen).to.deep.equal([1, 2]);
  });

  it('drops runts and stops a synchronous switching loop', () => {
    const { sched } = lan(0);
    const s1 = new Switch(sched);
    const s2 = new Switch(sched);
    Port.connect(s1.addPort().port, s2.addPort().port);
    Port.connect(s1.addPort().port, s2.addPort().port); // a loop: no spanning tree
    const h = new Port('h', () => {});
    Port.connect(h, s1.addPort().port);
    h.send(new Uint8Array(10));
    expect(s1.stats().runts).to.equal(1);
    h.send(frame(BROADCAST_MAC, localMac(1), 1));
    expect(s1.stats().loopDrops + s2.stats().loopDrops).to.be.greaterThan(0);
  });
});
