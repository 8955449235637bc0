import { expect } from 'chai';
import { Worker } from 'node:worker_threads';
import { Nic, NicIcr, NicReg, NicDesc, NicDescStatus, NIC_ICR_ALL, NIC_MAGIC, nicSabBytes } from './nic.js';
import { NicDriver } from './nicdriver.js';
import { Port, localMac, BROADCAST_MAC } from './port.js';
import { VirtualScheduler } from './sched.js';

/** A frame from `src` to `dst` whose payload starts with `tag` (so tests can tell frames apart). */
function frame(dst: Uint8Array, src: Uint8Array, tag: number, len = 64): Uint8Array {
  const f = new Uint8Array(len);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = 0x88; // IEEE 802 local experimental ethertype 0x88b5
  f[13] = 0xb5;
  f[14] = tag;
  return f;
}

interface Rig {
  sched: VirtualScheduler;
  nic: Nic;
  drv: NicDriver;
  wire: Port; // the far end of the NIC's cable
  sent: Uint8Array[]; // frames the NIC put on the wire
  irqs: number[]; // scheduler time of each interrupt
}

function rig(opts: { tx?: number; rx?: number; delay?: number; mask?: number } = {}): Rig {
  const sched = new VirtualScheduler();
  const nic = new Nic({
    mac: localMac(1), scheduler: sched, txRingSize: opts.tx ?? 8, rxRingSize: opts.rx ?? 8,
    interruptDelayNs: opts.delay ?? 0,
  });
  const sent: Uint8Array[] = [];
  const wire = new Port('wire', (f) => sent.push(f));
  Port.connect(nic.port, wire);
  const drv = new NicDriver(nic.sab, () => nic.doorbell());
  const irqs: number[] = [];
  nic.setInterruptHandler(() => irqs.push(sched.now()));
  drv.start({ interruptMask: opts.mask ?? NIC_ICR_ALL });
  return { sched, nic, drv, wire, sent, irqs };
}

const PEER = localMac(2);

describe('hw/net Nic', () => {
  describe('shared memory block', () => {
    it('publishes geometry, MAC and magic for a driver on another thread', () => {
      const { nic, drv } = rig({ tx: 16, rx: 32 });
      const regs = new Int32Array(nic.sab, 0, 64);
      expect(regs[NicReg.MAGIC]).to.equal(NIC_MAGIC);
      expect(nic.sab.byteLength).to.equal(nicSabBytes(16, 32, 2048));
      expect([drv.txCount, drv.rxCount, drv.bufSize]).to.deep.equal([16, 32, 2048]);
      expect([...drv.mac]).to.deep.equal([2, 0, 0, 0, 0, 1]);
      expect(regs[NicReg.RDT]).to.equal(31); // one RX slot always empty
    });

    it('refuses a SAB that is not an initialised NIC', () => {
      expect(() => new NicDriver(new SharedArrayBuffer(4096), () => {})).to.throw(/not an initialised NIC/);
    });

    it('rejects bad geometry and group MAC addresses', () => {
      const sched = new VirtualScheduler();
      expect(() => new Nic({ mac: localMac(1), scheduler: sched, txRingSize: 1 })).to.throw(RangeError);
      expect(() => new Nic({ mac: localMac(1), scheduler: sched, bufSize: 1000 })).to.throw(RangeError);
      expect(() => new Nic({ mac: BROADCAST_MAC, scheduler: sched })).to.throw(RangeError);
    });
  });

  describe('TX ring', () => {
    it('sends posted frames in order, padding runts to 60 bytes, and counts them', () => {
      const { drv, sent, nic } = rig();
      expect(drv.transmit(frame(PEER, nic.mac, 1, 42))).to.equal(true);
      expect(drv.transmit(frame(PEER, nic.mac, 2, 100))).to.equal(true);
      expect(sent.map((f) => [f[14], f.length])).to.deep.equal([[1, 60], [2, 100]]);
      expect(sent[0].subarray(42).every((b) => b === 0)).to.equal(true);
      const s = drv.stats();
      expect([s.txPackets, s.txBytes]).to.deep.equal([2, 160]);
    });

    it('wraps around the ring many times and never loses a frame', () => {
      const { drv, sent, nic } = rig({ tx: 4 });
      for (let i = 0; i < 23; i++) expect(drv.transmit(frame(PEER, nic.mac, i))).to.equal(true);
      expect(sent.map((f) => f[14])).to.deep.equal([...Array(23).keys()]);
      drv.reapTx();
      expect(drv.txSpace()).to.equal(3);
      expect(new Int32Array(nic.sab, 0, 64)[NicReg.TDH]).to.equal(23 % 4);
    });

    it('reports a full ring when the device has not consumed (TX disabled) and reaps later', () => {
      const { drv, sent, nic } = rig({ tx: 4 });
      const regs = new Int32Array(nic.sab, 0, 64);
      Atomics.store(regs, NicReg.CTRL, Atomics.load(regs, NicReg.CTRL) & ~2); // TXEN off
      expect([1, 2, 3].map((t) => drv.post(frame(PEER, nic.mac, t)))).to.deep.equal([true, true, true]);
      expect(drv.post(frame(PEER, nic.mac, 4))).to.equal(false); // 4 descriptors, 3 usable
      expect(drv.txSpace()).to.equal(0);
      Atomics.or(regs, NicReg.CTRL, 2);
      drv.flush();
      expect(sent.map((f) => f[14])).to.deep.equal([1, 2, 3]);
      expect(drv.post(frame(PEER, nic.mac, 4))).to.equal(true); // post() reaps when full
    });

    it('drops and counts frames while the link is down, still completing descriptors', () => {
      const { drv, sent, nic } = rig();
      nic.setLink(false);
      expect(drv.transmit(frame(PEER, nic.mac, 1))).to.equal(true);
      expect(sent).to.have.length(0);
      expect(drv.reapTx()).to.equal(1);
      expect(drv.stats().txDrops).to.equal(1);
    });

    it('flags and counts a descriptor pointing outside the buffer area', () => {
      const { drv, sent, nic } = rig();
      const regs = new Int32Array(nic.sab);
      drv.post(frame(PEER, nic.mac, 1));
      const d = regs[NicReg.TX_RING] / 4; // descriptor 0
      regs[d + NicDesc.ADDR] = 0; // the register block: a rogue DMA
      drv.flush();
      expect(sent).to.have.length(0);
      expect(regs[d + NicDesc.STATUS] & NicDescStatus.ERR_ADDR).to.equal(NicDescStatus.ERR_ADDR);
      expect(drv.stats().txErrors).to.equal(1);
    });

    it('refuses frames shorter than a header or longer than 1518 bytes', () => {
      const { drv } = rig();
      expect(() => drv.post(new Uint8Array(13))).to.throw(RangeError);
      expect(() => drv.post(new Uint8Array(1519))).to.throw(RangeError);
    });
  });

  describe('RX ring', () => {
    it('receives frames addressed to it, broadcast and multicast; filters others', () => {
      const { drv, wire, nic } = rig();
      wire.send(frame(nic.mac, PEER, 1));
      wire.send(frame(BROADCAST_MAC, PEER, 2));
      wire.send(frame(new Uint8Array([0x01, 0, 0x5e, 0, 0, 1]), PEER, 3));
      wire.send(frame(localMac(9), PEER, 4)); // someone else's unicast
      const got: number[] = [];
      for (let f; (f = drv.receive()) !== null;) got.push(f[14]);
      expect(got).to.deep.equal([1, 2, 3]);
      drv.setPromiscuous(true);
      wire.send(frame(localMac(9), PEER, 5));
      expect(drv.receive()?.[14]).to.equal(5);
    });

    it('wraps around the ring: 50 frames through 4 descriptors', () => {
      const { drv, wire, nic } = rig({ rx: 4 });
      const got: number[] = [];
      for (let i = 0; i < 50; i++) {
        wire.send(frame(nic.mac, PEER, i, 60 + i));
        const f = drv.receive();
        expect(f?.length).to.equal(60 + i);
        got.push(f![14]);
      }
      expect(got).to.deep.equal([...Array(50).keys()]);
      expect(drv.stats().rxPackets).to.equal(50);
    });

    it('drops and counts on overflow, raising RXO, and recovers once drained', () => {
      const { drv, wire, nic } = rig({ rx: 4 });
      for (let i = 0; i < 6; i++) wire.send(frame(nic.mac, PEER, i)); // 3 fit
      expect(drv.stats().rxDrops).to.equal(3);
      expect(drv.peekCause() & NicIcr.RXO).to.equal(NicIcr.RXO);
      const got: number[] = [];
      for (let f; (f = drv.receive()) !== null;) got.push(f[14]);
      expect(got).to.deep.equal([0, 1, 2]);
      wire.send(frame(nic.mac, PEER, 9));
      expect(drv.receive()?.[14]).to.equal(9);
      expect(drv.stats()).to.include({ rxPackets: 4, rxDrops: 3 });
    });

    it('counts runts and oversize frames as errors and does not deliver them', () => {
      const { drv, wire, nic } = rig();
      const big = new Uint8Array(1600);
      big.set(nic.mac);
      wire.send(big);
      wire.send(nic.mac.slice(0, 6)); // 6 bytes: no full header
      expect(drv.receive()).to.equal(null);
      expect(drv.stats()).to.include({ rxErrors: 2, rxPackets: 0 });
    });

    it('receives nothing while RX is disabled or the link is down', () => {
      const { drv, wire, nic } = rig();
      nic.setLink(false);
      wire.send(frame(nic.mac, PEER, 1));
      nic.setLink(true);
      drv.stop();
      wire.send(frame(nic.mac, PEER, 2));
      expect(drv.receive()).to.equal(null);
      expect(drv.stats().rxPackets).to.equal(0);
    });
  });

  describe('interrupts', () => {
    it('coalesces causes raised in one tick into one interrupt; ICR is read-to-clear', () => {
      const { drv, wire, nic, sched, irqs } = rig();
      wire.send(frame(nic.mac, PEER, 1));
      wire.send(frame(nic.mac, PEER, 2));
      drv.transmit(frame(PEER, nic.mac, 3));
      expect(irqs).to.have.length(0); // delivered on the scheduler, not inside send()
      sched.runUntilIdle();
      expect(irqs).to.deep.equal([0]);
      expect(drv.readCause()).to.equal(NicIcr.RXT0 | NicIcr.TXDW);
      expect(drv.readCause()).to.equal(0);
      expect(drv.stats().interrupts).to.equal(1);
    });

    it('interruptDelayNs delays and batches the handler call', () => {
      const { wire, nic, sched, irqs, drv } = rig({ delay: 5000 });
      wire.send(frame(nic.mac, PEER, 1));
      sched.advance(3000);
      wire.send(frame(nic.mac, PEER, 2));
      sched.advance(10_000);
      expect(irqs).to.deep.equal([5000]);
      expect(drv.readCause()).to.equal(NicIcr.RXT0);
    });

    it('masked causes accumulate without interrupting; unmasking with a cause pending interrupts', () => {
      const { drv, wire, nic, sched, irqs } = rig();
      drv.mask(NicIcr.RXT0);
      for (let i = 0; i < 3; i++) wire.send(frame(nic.mac, PEER, i));
      sched.runUntilIdle();
      expect(irqs).to.have.length(0);
      expect(drv.peekCause()).to.equal(NicIcr.RXT0);
      sched.advance(1000);
      drv.unmask(NicIcr.RXT0);
      sched.runUntilIdle();
      expect(irqs).to.deep.equal([1000]);
    });

    it('does not call the handler if the driver cleared ICR before it fired (level-triggered)', () => {
      const { drv, wire, nic, sched, irqs } = rig({ delay: 100 });
      wire.send(frame(nic.mac, PEER, 1));
      drv.readCause(); // a polling driver got there first
      sched.runUntilIdle();
      expect(irqs).to.have.length(0);
    });

    it('link changes raise LSC and call listeners', () => {
      const { drv, nic, sched, irqs } = rig();
      const seen: boolean[] = [];
      const off = nic.onLinkChange((up) => seen.push(up));
      nic.setLink(false);
      nic.setLink(false); // no change, no event
      sched.runUntilIdle();
      expect(drv.linkUp).to.equal(false);
      expect(drv.readCause()).to.equal(NicIcr.LSC);
      nic.setLink(true);
      off();
      nic.setLink(false);
      expect(seen).to.deep.equal([false, true]);
      sched.runUntilIdle();
      expect(irqs).to.have.length(2);
    });

    it('attaching a handler with a cause already pending interrupts', () => {
      const { wire, nic, sched, irqs } = rig();
      nic.setInterruptHandler(null);
      wire.send(frame(nic.mac, PEER, 1));
      sched.runUntilIdle();
      nic.setInterruptHandler(() => irqs.push(sched.now()));
      sched.runUntilIdle();
      expect(irqs).to.have.length(1);
    });

    it('close() cancels a pending interrupt timer', () => {
      const { wire, nic, sched, irqs } = rig({ delay: 100 });
      wire.send(frame(nic.mac, PEER, 1));
      expect(sched.pending()).to.equal(1);
      nic.close();
      expect(sched.pending()).to.equal(0);
      sched.runUntilIdle();
      expect(irqs).to.have.length(0);
    });
  });

  it('observers see transmitted and accepted frames with their direction', () => {
    const { drv, wire, nic } = rig();
    const seen: string[] = [];
    const off = nic.observe((f, dir) => seen.push(`${dir}${f[14]}`));
    drv.transmit(frame(PEER, nic.mac, 1));
    wire.send(frame(nic.mac, PEER, 2));
    wire.send(frame(localMac(9), PEER, 3)); // filtered: not seen
    off();
    drv.transmit(frame(PEER, nic.mac, 4));
    expect(seen).to.deep.equal(['tx1', 'rx2']);
  });

  it('works with the driver on another thread: doorbell by message, interrupts by Atomics.wait on ICR', async function () {
    this.timeout(10_000);
    const sched = new VirtualScheduler();
    const nic = new Nic({ mac: localMac(1), scheduler: sched, txRingSize: 16, rxRingSize: 64 });
    const echoed: number[] = [];
    const wire = new Port('wire', (f) => echoed.push(f[14]));
    Port.connect(nic.port, wire);
    // The worker echoes 40 frames back to their sender, blocking in Atomics.wait between bursts.
    const driverUrl = new URL('./nicdriver.js', import.meta.url).href;
    const worker = new Worker(`
      const { parentPort, workerData } = require('node:worker_threads');
      import(${JSON.stringify(driverUrl)}).then(({ NicDriver }) => {
        const drv = new NicDriver(workerData.sab, () => parentPort.postMessage('doorbell'));
        drv.start();
        let n = 0;
        const deadline = Date.now() + 5000;
        while (n < 40 && Date.now() < deadline) {
          drv.waitForCause(2000);
          drv.readCause();
          drv.reapTx();
          for (let f; (f = drv.receive()) !== null; n++) {
            const out = f.slice();
            out.set(f.subarray(6, 12), 0);
            out.set(drv.mac, 6);
            while (!drv.transmit(out)) drv.reapTx();
          }
        }
        parentPort.postMessage('done');
      }, (err) => { throw err; });`, { eval: true, workerData: { sab: nic.sab } });
    let started = false;
    const done = new Promise<void>((resolve, reject) => {
      worker.on('error', reject);
      worker.on('message', (m) => {
        if (m === 'done') resolve();
        nic.doorbell();
        if (!started) {
          started = true; // start() rang the doorbell: RX is armed
          for (let i = 0; i < 40; i++) wire.send(frame(nic.mac, PEER, i));
        }
      });
    });
    await done;
    await worker.terminate();
    nic.doorbell(); // the last transmit's doorbell may have arrived with 'done'
    expect(echoed).to.deep.equal([...Array(40).keys()]);
    expect(nic.stats()).to.include({ rxPackets: 40, txPackets: 40, rxDrops: 0 });
  });
});

