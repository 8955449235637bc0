// End-to-end on virtual time: two NICs driven through their rings, each cabled by a faulty link
// to a learning switch, captured to pcap. The pieces together, as the kernel will use them.
import { expect } from 'chai';
import { Nic, NicIcr } from './nic.js';
import { NicDriver } from './nicdriver.js';
import { Switch } from './switch.js';
import { Link } from './link.js';
import type { LinkOptions } from './link.js';
import { localMac, BROADCAST_MAC } from './port.js';
import { PcapWriter, BufferSink, capture, readPcap } from './pcap.js';
import { VirtualScheduler, NS_PER_MS, NS_PER_US } from './sched.js';

interface Station {
  nic: Nic;
  drv: NicDriver;
  got: Array<[number, number]>; // [time, sequence number] of each frame received
}

function station(sched: VirtualScheduler, n: number): Station {
  const nic = new Nic({ mac: localMac(n), scheduler: sched, txRingSize: 32, rxRingSize: 32 });
  const drv = new NicDriver(nic.sab, () => nic.doorbell());
  const got: Array<[number, number]> = [];
  nic.setInterruptHandler(() => {
    if (drv.readCause() & NicIcr.TXDW) drv.reapTx();
    for (let f; (f = drv.receive()) !== null;) got.push([sched.now(), (f[14] << 8) | f[15]]);
  });
  drv.start();
  return { nic, drv, got };
}

function frame(dst: Uint8Array, src: Uint8Array, seq: number): Uint8Array {
  const f = new Uint8Array(200);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = 0x88;
  f[13] = 0xb5;
  f[14] = seq >> 8;
  f[15] = seq & 0xff;
  return f;
}

/** A sends one broadcast (so the switch learns it), then B sends `n` frames to A, 100 us apart. */
function scenario(faults: Omit<LinkOptions, 'seed'>, seed: number, n: number) {
  const sched = new VirtualScheduler();
  const sw = new Switch(sched);
  const a = station(sched, 1);
  const b = station(sched, 2);
  const la = Link.between(sched, a.nic.port, sw.addPort().port, { seed, ...faults });
  const lb = Link.between(sched, b.nic.port, sw.addPort().port, { seed: seed + 1, ...faults });
  const sink = new BufferSink();
  capture(la, new PcapWriter(sink, { resolution: 'ns' }), sched, 'rx'); // switch -> A
  a.drv.transmit(frame(BROADCAST_MAC, a.nic.mac, 0xffff));
  sched.advance(10 * NS_PER_MS);
  for (let i = 0; i < n; i++) {
    b.drv.transmit(frame(a.nic.mac, b.nic.mac, i));
    sched.advance(100 * NS_PER_US);
  }
  sched.runUntilIdle();
  return { sched, sw, a, b, la, lb, pcap: readPcap(sink.bytes()) };
}

describe('hw/net LAN: NIC - link - switch - link - NIC', () => {
  it('carries every frame, in order, with both links\' latency, and leaves no timer behind', () => {
    const { a, b, sw, sched } = scenario({ latencyNs: NS_PER_MS }, 1, 50);
    expect(a.got.map(([, s]) => s)).to.deep.equal([...Array(50).keys()]);
    expect(a.got[0][0]).to.equal(10 * NS_PER_MS + 2 * NS_PER_MS); // sent at 10 ms, two links
    expect(b.got.map(([, s]) => s)).to.deep.equal([0xffff]); // the broadcast reached B
    expect(sw.stats()).to.include({ flooded: 1, forwarded: 50 });
    expect(sched.pending()).to.equal(0);
  });

  it('under loss and duplication, A receives exactly what its link delivered, same on replay', () => {
    const faults = { latencyNs: NS_PER_MS, loss: 0.1, duplicate: 0.05 };
    const one = scenario(faults, 77, 300);
    const two = scenario(faults, 77, 300);
    expect(one.a.got).to.deep.equal(two.a.got);
    expect(one.a.got.length).to.equal(one.la.stats('ba').delivered);
    expect(one.a.got.length).to.be.within(200, 300);
    expect(one.a.nic.stats().rxPackets).to.equal(one.a.got.length);
    // the pcap of the link's switch->A direction holds exactly the frames A received
    expect(one.pcap.records.map((r) => [Number(r.timeNs), (r.frame[14] << 8) | r.frame[15]])).to.deep.equal(one.a.got);
    const other = scenario(faults, 78, 300);
    expect(other.a.got).to.not.deep.equal(one.a.got);
  });

  it('a partition of one link stops traffic until healed; RX overflow counts drops', () => {
    const { a, b, la, sched } = scenario({}, 5, 0);
    la.partition();
    for (let i = 0; i < 5; i++) b.drv.transmit(frame(a.nic.mac, b.nic.mac, i));
    sched.runUntilIdle();
    expect(a.got).to.have.length(0);
    la.heal();
    a.nic.setInterruptHandler(null); // A stops servicing its ring: 31 slots, then drops
    for (let i = 0; i < 40; i++) {
      b.drv.transmit(frame(a.nic.mac, b.nic.mac, i));
      sched.advance(NS_PER_US);
    }
    sched.runUntilIdle();
    expect(a.nic.stats()).to.include({ rxPackets: 31, rxDrops: 9 });
    expect(la.stats('ba').partitionDrops).to.equal(5);
  });
});
