// The kernel's NIC driver and raw-frames object against a real hw Nic on virtual time: frames both ways, the
// bounded RX queue, a full TX ring, link changes, the info record, and shutdown. Every test ends with no
// interrupt timer pending, no waiter left and no kernel object alive.
import { expect } from 'chai';
import { Nic, Port, VirtualScheduler, localMac, BROADCAST_MAC, NicDriver } from '@cosix/hw';
import { E, FILETYPE } from './abi/index.js';
import { Kernel } from './kernel.js';
import { NicDevice, RawFramesObject, RAWFRAMES_INFO_BYTES, type NicDeviceOptions } from './nicdev.js';
import { Description } from './object.js';
import type { WaitQueue } from './wait.js';

const MAC = localMac(0x0a);
const PEER = localMac(0x0b);

/** A frame from PEER to `dst` (ethertype 0x88b5, IEEE 802 local experimental) whose byte 14 is `tag`. */
function frame(tag: number, len = 64, dst: Uint8Array = MAC, src: Uint8Array = PEER): Uint8Array {
  const f = new Uint8Array(len);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = 0x88;
  f[13] = 0xb5;
  if (len > 14) f[14] = tag;
  for (let i = 15; i < len; i++) f[i] = (i * 7 + tag) & 0xff;
  return f;
}

interface Rig {
  sched: VirtualScheduler;
  nic: Nic;
  dev: NicDevice;
  obj: RawFramesObject;
  d: Description;
  wire: Port;          // the far end of the NIC's cable
  sent: Uint8Array[];  // frames the NIC put on the wire
}

describe('kernel nicdev: NIC driver and raw-frames object', () => {
  let k: Kernel;
  let rigs: Rig[] = [];
  before(() => { k = new Kernel({ minWorkers: 0 }); });
  after(() => k.shutdown());

  function rig(opts: { tx?: number; rx?: number } & NicDeviceOptions = {}): Rig {
    const sched = new VirtualScheduler();
    const nic = new Nic({ mac: MAC, scheduler: sched, txRingSize: opts.tx ?? 8, rxRingSize: opts.rx ?? 8 });
    const sent: Uint8Array[] = [];
    const wire = new Port('wire', (f) => sent.push(f));
    Port.connect(nic.port, wire);
    const dev = new NicDevice(k, nic, { doorbell: opts.doorbell, rxQueueFrames: opts.rxQueueFrames });
    const obj = dev.open();
    const r = { sched, nic, dev, obj, d: new Description(obj, 0).ref(), wire, sent };
    rigs.push(r);
    return r;
  }

  afterEach(() => {
    for (const r of rigs) {
      if (r.obj.refCount > 0) r.d.unref();
      r.dev.close();
      r.sched.runUntilIdle();
      expect(r.sched.pending(), 'interrupt timers left').to.equal(0);
      expect(r.dev.holderCount, 'raw-frames objects left').to.equal(0);
    }
    rigs = [];
    k.sched.drain();
    expect(k.sched.waiters, 'waiters left').to.equal(0);
    expect(k.stats.objects, 'kernel objects left').to.equal(0);
  });

  /** fd_read into one buffer of `n` bytes: the bytes read, or the negative errno. */
  function recv(r: Rig, n = 2048): Uint8Array | number {
    const buf = new Uint8Array(n);
    const got = r.obj.readInto(r.d, [buf]);
    return got < 0 ? got : buf.subarray(0, got);
  }

  /** Blocks a pretend syscall on `q`; woken() tells whether a wake made it retry. */
  function waiter(q: WaitQueue): { woken: () => boolean } {
    let retried = false;
    k.sched.block([q], undefined, () => { retried = true; });
    return { woken: () => { k.sched.drain(); return retried; } };
  }

  describe('receive', () => {
    it('turns each frame on the wire into one whole fd_read, in order, once the interrupt has run', () => {
      const r = rig();
      const a = frame(1, 100), b = frame(2, 60);
      r.wire.send(a);
      r.wire.send(b);
      expect(recv(r), 'before the interrupt').to.equal(-E.AGAIN);
      expect(r.obj.readiness(r.d, false).ready).to.equal(false);
      r.sched.runUntilIdle();
      expect(r.obj.readiness(r.d, false)).to.deep.equal({ ready: true, nbytes: 100, hangup: false });
      expect(recv(r)).to.deep.equal(a);
      expect(recv(r)).to.deep.equal(b);
      expect(recv(r)).to.equal(-E.AGAIN);
      expect(r.dev.stats).to.include({ rxQueued: 2, rxQueueDrops: 0, interrupts: 1 });
    });

    it('gives a short buffer the head of the frame and discards the rest; scatters over iovecs', () => {
      const r = rig();
      const a = frame(1, 100), b = frame(2, 70);
      r.wire.send(a);
      r.wire.send(b);
      r.sched.runUntilIdle();
      expect(r.obj.readInto(r.d, []), 'zero bytes of buffer').to.equal(0);
      expect(r.dev.queued, 'a zero-byte read consumes nothing').to.equal(2);
      expect(recv(r, 20)).to.deep.equal(a.subarray(0, 20));
      const v1 = new Uint8Array(30), v2 = new Uint8Array(100);
      expect(r.obj.readInto(r.d, [v1, v2]), 'the next read starts at the next frame').to.equal(70);
      expect(v1).to.deep.equal(b.subarray(0, 30));
      expect(v2.subarray(0, 40)).to.deep.equal(b.subarray(30));
      expect(recv(r)).to.equal(-E.AGAIN);
    });

    it('wakes a blocked reader when the interrupt queues a frame', () => {
      const r = rig();
      const w = waiter(r.obj.readQueue);
      r.wire.send(frame(5));
      expect(w.woken(), 'no wake before the interrupt').to.equal(false);
      r.sched.runUntilIdle();
      expect(w.woken()).to.equal(true);
      expect(recv(r)).to.deep.equal(frame(5));
    });

    it('bounds the RX queue: frames beyond it are dropped and counted, the queued ones stay in order', () => {
      const r = rig({ rxQueueFrames: 4 });
      for (let i = 0; i < 6; i++) r.wire.send(frame(i)); // 6 < 8 RX descriptors: the NIC keeps them all
      r.sched.runUntilIdle();
      for (let i = 6; i < 10; i++) r.wire.send(frame(i));
      r.sched.runUntilIdle();
      expect(r.dev.stats).to.include({ rxQueued: 4, rxQueueDrops: 6 });
      expect(r.nic.stats().rxDrops, 'nothing lost in the hardware ring').to.equal(0);
      for (let i = 0; i < 4; i++) expect((recv(r) as Uint8Array)[14]).to.equal(i);
      expect(recv(r)).to.equal(-E.AGAIN);
      r.wire.send(frame(42));
      r.sched.runUntilIdle();
      expect((recv(r) as Uint8Array)[14], 'room again after reading').to.equal(42);
    });

    it('drops frames while no raw-frames object is open, and frees queued frames with the last one', () => {
      const r = rig();
      r.wire.send(frame(1));
      r.sched.runUntilIdle();
      expect(r.dev.queued).to.equal(1);
      r.d.unref();
      expect(r.dev.queued, 'freed with the last holder').to.equal(0);
      r.wire.send(frame(2));
      r.sched.runUntilIdle();
      expect(r.dev.stats).to.include({ rxQueued: 1, rxNoHolder: 1 });
      const again = r.dev.open();
      const d = new Description(again, 0).ref();
      expect(again.readInto(d, [new Uint8Array(64)]), 'no stale frame for a new holder').to.equal(-E.AGAIN);
      d.unref();
    });
  });

  describe('transmit', () => {
    it('puts each write on the wire as one frame; EINVAL outside 14..MAX_FRAME bytes', () => {
      const r = rig();
      const small = frame(1, 14, PEER, MAC), big = frame(2, NicDriver.MAX_FRAME, PEER, MAC);
      expect(r.obj.write(r.d, small)).to.equal(14);
      expect(r.obj.write(r.d, big)).to.equal(NicDriver.MAX_FRAME);
      expect(r.obj.write(r.d, new Uint8Array(13))).to.equal(-E.INVAL);
      expect(r.obj.write(r.d, new Uint8Array(NicDriver.MAX_FRAME + 1))).to.equal(-E.INVAL);
      expect(r.sent.length).to.equal(2);
      expect(r.sent[0].length, 'the NIC pads to the 60-byte minimum').to.equal(60);
      expect(r.sent[0].subarray(0, 14)).to.deep.equal(small);
      expect([...r.sent[0].subarray(14)].every((b) => b === 0)).to.equal(true);
      expect(r.sent[1]).to.deep.equal(big);
      expect(r.dev.stats).to.include({ txFrames: 2, txRingFull: 0 });
    });

    it('refuses with EAGAIN while the TX ring is full; the TXDW interrupt reaps it and wakes writers', () => {
      let held = true; // a device that has not yet looked at its doorbell (e.g. on another thread)
      const box: { nic?: Nic } = {};
      const r = rig({ tx: 4, doorbell: () => { if (!held) box.nic!.doorbell(); } });
      box.nic = r.nic;
      for (let i = 0; i < 3; i++) expect(r.obj.write(r.d, frame(i, 60, PEER, MAC))).to.equal(60);
      expect(r.obj.write(r.d, frame(3, 60, PEER, MAC))).to.equal(-E.AGAIN);
      expect(r.dev.stats.txRingFull).to.equal(1);
      expect(r.obj.readiness(r.d, true)).to.deep.equal({ ready: false, nbytes: 0, hangup: false });
      const w = waiter(r.obj.writeQueue);
      held = false;
      r.nic.doorbell(); // the device catches up: sends 3 frames and raises TXDW
      expect(r.sent.map((f) => f[14])).to.deep.equal([0, 1, 2]);
      expect(w.woken(), 'not before the interrupt').to.equal(false);
      r.sched.runUntilIdle();
      expect(w.woken()).to.equal(true);
      expect(r.obj.readiness(r.d, true)).to.deep.equal({ ready: true, nbytes: 3 * NicDriver.MAX_FRAME, hangup: false });
      expect(r.obj.write(r.d, frame(3, 60, PEER, MAC))).to.equal(60);
      expect(r.sent.map((f) => f[14])).to.deep.equal([0, 1, 2, 3]);
    });
  });

  describe('link state and the info record', () => {
    it('reads the info record with fd_pread: MAC, link byte, padding; offsets past it read nothing', () => {
      const r = rig();
      expect(r.obj.pread(r.d, 64, 0n)).to.deep.equal(Uint8Array.of(...MAC, 1, 0));
      expect(r.obj.pread(r.d, 2, 6n)).to.deep.equal(Uint8Array.of(1, 0));
      expect(r.obj.pread(r.d, 3, 0n)).to.deep.equal(MAC.subarray(0, 3));
      expect((r.obj.pread(r.d, 64, BigInt(RAWFRAMES_INFO_BYTES)) as Uint8Array).length).to.equal(0);
      expect(r.dev.info()).to.deep.equal({ mac: MAC, linkUp: true });
      expect(r.obj.type).to.equal(FILETYPE.SOCKET_DGRAM);
      expect(r.obj.seekable()).to.equal(false);
    });

    it('link down: HANGUP both ways, one notification (a 0-byte read), info says down; link up notifies again', () => {
      const r = rig();
      const w = waiter(r.obj.readQueue);
      r.nic.setLink(false);
      r.sched.runUntilIdle();
      expect(w.woken(), 'a blocked reader wakes on link loss').to.equal(true);
      expect(r.obj.readiness(r.d, false)).to.deep.equal({ ready: true, nbytes: 0, hangup: true });
      expect(r.obj.readiness(r.d, true)).to.include({ ready: true, hangup: true });
      expect(recv(r), 'the notification').to.deep.equal(new Uint8Array(0));
      expect(recv(r), 'consumed').to.equal(-E.AGAIN);
      expect(r.obj.readiness(r.d, false)).to.deep.equal({ ready: false, nbytes: 0, hangup: true });
      expect((r.obj.pread(r.d, 8, 0n) as Uint8Array)[6]).to.equal(0);
      expect(r.dev.info().linkUp).to.equal(false);
      expect(r.obj.write(r.d, frame(1, 60, PEER, MAC)), 'accepted, then dropped by the NIC').to.equal(60);
      expect(r.sent.length).to.equal(0);
      expect(r.nic.stats().txDrops).to.equal(1);

      r.nic.setLink(true);
      r.sched.runUntilIdle();
      expect(r.obj.readiness(r.d, false)).to.deep.equal({ ready: true, nbytes: 0, hangup: false });
      expect(r.obj.pread(r.d, 8, 0n), 'reading the record acknowledges it').to.deep.equal(Uint8Array.of(...MAC, 1, 0));
      expect(r.obj.readiness(r.d, false).ready).to.equal(false);
      expect(r.dev.stats.linkChanges).to.equal(2);
    });

    it('queued frames are read before the link notification', () => {
      const r = rig();
      r.wire.send(frame(7));
      r.nic.setLink(false);
      r.sched.runUntilIdle();
      expect(r.obj.readiness(r.d, false)).to.deep.equal({ ready: true, nbytes: 64, hangup: true });
      expect(recv(r)).to.deep.equal(frame(7));
      expect(recv(r)).to.deep.equal(new Uint8Array(0));
    });
  });

  it('carries frames both ways between two machines\' NICs cabled back to back', () => {
    const sched = new VirtualScheduler();
    const na = new Nic({ mac: MAC, scheduler: sched }), nb = new Nic({ mac: PEER, scheduler: sched });
    Port.connect(na.port, nb.port);
    const ka = new NicDevice(k, na), kb = new NicDevice(k, nb);
    const [oa, ob] = [ka.open(), kb.open()];
    const [da, db] = [new Description(oa, 0).ref(), new Description(ob, 0).ref()];
    try {
      const ab = frame(1, 300, PEER, MAC), ba = frame(2, 1514, MAC, PEER), bcast = frame(3, 60, BROADCAST_MAC, PEER);
      expect(oa.write(da, ab)).to.equal(300);
      expect(ob.write(db, ba)).to.equal(1514);
      expect(ob.write(db, bcast)).to.equal(60);
      sched.runUntilIdle();
      const buf = new Uint8Array(2048);
      expect(buf.subarray(0, ob.readInto(db, [buf]))).to.deep.equal(ab);
      expect(buf.subarray(0, oa.readInto(da, [buf]))).to.deep.equal(ba);
      expect(buf.subarray(0, oa.readInto(da, [buf]))).to.deep.equal(bcast);
      expect(oa.readInto(da, [buf])).to.equal(-E.AGAIN);
    } finally {
      da.unref(); db.unref(); ka.close(); kb.close();
      sched.runUntilIdle();
      expect(sched.pending()).to.equal(0);
    }
  });

  it('close(): no more interrupts, holders see the link go down, writes fail with ENETDOWN', () => {
    const r = rig();
    r.dev.close();
    expect(r.obj.readiness(r.d, false)).to.deep.equal({ ready: true, nbytes: 0, hangup: true });
    expect(r.obj.readiness(r.d, true)).to.deep.equal({ ready: true, nbytes: 0, hangup: true, error: E.NETDOWN });
    expect(r.obj.write(r.d, frame(1, 60, PEER, MAC))).to.equal(-E.NETDOWN);
    expect(r.obj.write(r.d, new Uint8Array(3)), 'a bad length is still EINVAL').to.equal(-E.INVAL);
    r.wire.send(frame(1));
    r.sched.runUntilIdle();
    expect(r.dev.stats.interrupts).to.equal(0);
    expect(recv(r), 'the link notification').to.deep.equal(new Uint8Array(0));
    expect(recv(r)).to.equal(-E.AGAIN);
    expect(() => r.dev.open()).to.throw(/stopped/);
  });
});
