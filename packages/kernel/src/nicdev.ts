// The kernel's NIC driver and the raw-frames capability (docs/rawframes.md is the userland page).
//
// A NicDevice drives one hw `Nic` through a NicDriver over the NIC's SharedArrayBuffer (the SAB layout and
// its Atomics protocol are documented word by word at the top of hw/src/net/nic.ts; this file touches the
// SAB only through NicDriver). The device runs on the kernel thread, so the doorbell is a plain call to
// nic.doorbell() unless the machine says otherwise. Everything here is called only on the kernel thread:
// syscalls, and the interrupt handler the NIC's NetScheduler runs on the same event loop.
//
// How frames flow:
//   RX  wire -> Nic RX ring -> interrupt -> interrupt(): drv.receive() until the ring is empty, each frame
//       appended to the device's RX queue (at most NIC_RX_QUEUE frames: beyond that a frame is dropped and
//       counted in rxQueueDrops; with no raw-frames object open it is dropped and counted in rxNoHolder)
//       -> every holder's readQueue is woken -> fd_read takes the oldest frame.
//   TX  fd_write -> RawFramesObject.write -> drv.post() + doorbell -> Nic sends it -> TXDW interrupt ->
//       interrupt(): drv.reapTx() and every holder's writeQueue is woken (a writer blocked on a full ring
//       retries).
//   LSC interrupt(): the link state is re-read; on a change every holder gets a link notification and its
//       read and write queues are woken.
//
// The raw-frames object (one per open(), all sharing the device's RX queue: each received frame is read by
// exactly one fd_read, as with dup'd fds):
//   fd_read   one whole Ethernet frame (destination MAC to end of payload, no FCS) per call. A buffer
//             shorter than the frame gets its first bytes and the rest of the frame is discarded (as
//             recv() on a datagram socket truncates). With no frame queued: a pending link notification
//             is consumed and the call returns 0 (frames are never empty, so 0 means "the link state
//             changed: read the info record"); otherwise EAGAIN / block. A read into zero bytes of buffer
//             returns 0 and consumes nothing.
//   fd_write  transmits the buffer (iovecs gathered) as one frame: EINVAL unless 14 <= length <=
//             NicDriver.MAX_FRAME (1518); EAGAIN / block while the TX ring is full; ENETDOWN once the
//             driver is stopped (kernel shutdown). With the link down the NIC drops the frame and counts
//             it (TX_DROPS), as hardware does: the write itself succeeds.
//   fd_pread  reads the info record, a read-only 8-byte file; offsets at or past 8 read nothing:
//               byte 0..5  the interface MAC address
//               byte 6     1 if the link is up, 0 if down
//               byte 7     0 (padding)
//             Any fd_pread also acknowledges a pending link notification. (fd_pread needs FD_SEEK: that
//             right means only this here; the fd cannot seek, fd_seek gives ESPIPE.)
//   poll      fd_read fires when a frame is queued (nbytes = its length) or a link notification is
//             pending (nbytes = 0); fd_write fires when a TX descriptor is free (nbytes = free descriptors
//             * MAX_FRAME). Either event carries HANGUP while the link is down. Link loss thus wakes a
//             poller once; after reading the info record it can poll again and sleep until the link returns.
import { type Nic, NicDriver, NicIcr, ETH_HEADER_LEN } from '@cosix/hw';
import { E, FILETYPE } from './abi/index.js';
import type { Kernel } from './kernel.js';
import { type Description, KObject, type Readiness } from './object.js';
import { NIC_RX_QUEUE } from './params.js';

/** Bytes of the info record fd_pread returns: mac[6], linkUp u8, pad u8. */
export const RAWFRAMES_INFO_BYTES = 8;

export interface NicInfo { mac: Uint8Array; linkUp: boolean }

/** The kernel driver's own counters (the NIC's are in drv.stats()). */
export interface NicDeviceStats {
  interrupts: number;    // interrupt handler calls
  rxQueued: number;      // frames appended to the RX queue
  rxQueueDrops: number;  // frames dropped because the RX queue was full
  rxNoHolder: number;    // frames dropped because no raw-frames object was open
  txFrames: number;      // frames posted to the TX ring
  txRingFull: number;    // writes refused (EAGAIN) because the TX ring was full
  linkChanges: number;   // link state changes seen (LSC)
}

export interface NicDeviceOptions {
  /** Rings the device after posting; default nic.doorbell() (device and kernel on one thread). */
  doorbell?: () => void;
  /** Frames the RX queue holds; default NIC_RX_QUEUE. */
  rxQueueFrames?: number;
}

export class NicDevice {
  readonly drv: NicDriver;
  readonly name: string;
  readonly stats: NicDeviceStats = { interrupts: 0, rxQueued: 0, rxQueueDrops: 0, rxNoHolder: 0, txFrames: 0, txRingFull: 0, linkChanges: 0 };
  private readonly rxQueue: Uint8Array[] = [];
  private readonly rxLimit: number;
  private readonly holders = new Set<RawFramesObject>();
  private link: boolean;
  private stopped = false;

  constructor(private readonly kernel: Kernel, private readonly nic: Nic, opts: NicDeviceOptions = {}) {
    this.name = nic.name;
    this.rxLimit = opts.rxQueueFrames ?? NIC_RX_QUEUE;
    if (!Number.isInteger(this.rxLimit) || this.rxLimit < 1) throw new RangeError(`NicDevice: rxQueueFrames ${this.rxLimit}`);
    this.drv = new NicDriver(nic.sab, opts.doorbell ?? (() => nic.doorbell()));
    this.link = this.drv.linkUp;
    nic.setInterruptHandler(() => this.interrupt());
    this.drv.start(); // every cause unmasked: TXDW, LSC, RXO, RXT0
  }

  /** A new raw-frames capability on this device (the caller wraps it in a Description). */
  open(): RawFramesObject {
    if (this.stopped) throw new Error(`NicDevice.open: ${this.name} is stopped`);
    return new RawFramesObject(this.kernel, this);
  }

  info(): NicInfo {
    return { mac: Uint8Array.from(this.drv.mac), linkUp: this.link };
  }

  /** The info record of docs/rawframes.md: mac[6], linkUp, pad. */
  infoRecord(): Uint8Array {
    const rec = new Uint8Array(RAWFRAMES_INFO_BYTES);
    rec.set(this.drv.mac, 0);
    rec[6] = this.link ? 1 : 0;
    return rec;
  }

  get linkUp(): boolean { return this.link; }
  get queued(): number { return this.rxQueue.length; }
  /** Length of the oldest queued frame, or -1 when none is queued. */
  get nextFrameLength(): number { return this.rxQueue.length > 0 ? this.rxQueue[0].length : -1; }

  /** The oldest queued frame, removed from the queue; undefined when none is queued. */
  takeFrame(): Uint8Array | undefined { return this.rxQueue.shift(); }

  /** Free TX descriptors, after reclaiming the ones the device has completed. */
  txSpace(): number {
    if (this.stopped) return 0;
    this.drv.reapTx();
    return this.drv.txSpace();
  }

  /** Sends one frame: 0, -EINVAL for a bad length, -EAGAIN when the ring is full, -ENETDOWN when stopped. */
  transmit(frame: Uint8Array): number {
    if (frame.length < ETH_HEADER_LEN || frame.length > NicDriver.MAX_FRAME) return -E.INVAL;
    if (this.stopped) return -E.NETDOWN;
    if (!this.drv.transmit(frame)) { this.stats.txRingFull++; return -E.AGAIN; }
    this.stats.txFrames++;
    return 0;
  }

  /**
   * Stops the driver (kernel shutdown): no more interrupts, RX and TX disabled, queued frames freed. Holders
   * see the link go down (a link notification, HANGUP) and writes fail with ENETDOWN.
   */
  close(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.nic.setInterruptHandler(null);
    this.drv.stop();
    this.rxQueue.length = 0;
    if (this.link) { this.link = false; this.notifyLink(); }
  }

  get closed(): boolean { return this.stopped; }

  /** Called by RawFramesObject's constructor. */
  attach(h: RawFramesObject): void { this.holders.add(h); }

  /** Called when a raw-frames object is destroyed; frames waiting for nobody are freed with the last one. */
  detach(h: RawFramesObject): void {
    this.holders.delete(h);
    if (this.holders.size === 0) this.rxQueue.length = 0;
  }

  get holderCount(): number { return this.holders.size; }

  /** The interrupt handler: ICR is read-to-clear, so every cause read here is handled here. */
  private interrupt(): void {
    if (this.stopped) return;
    this.stats.interrupts++;
    const cause = this.drv.readCause();
    if (cause & NicIcr.TXDW) {
      this.drv.reapTx();
      for (const h of this.holders) h.writeQueue.wakeAll();
    }
    // RXT0 (frames) and RXO (ring overrun: the device dropped some) both mean "drain the ring". Draining
    // unconditionally also picks up frames that arrived after ICR was read.
    let received = 0;
    for (let f = this.drv.receive(); f !== null; f = this.drv.receive()) { this.enqueue(f); received++; }
    if (received > 0) for (const h of this.holders) h.readQueue.wakeAll();
    if (cause & NicIcr.LSC) this.linkChanged();
  }

  private enqueue(frame: Uint8Array): void {
    if (this.holders.size === 0) { this.stats.rxNoHolder++; return; }
    if (this.rxQueue.length >= this.rxLimit) { this.stats.rxQueueDrops++; return; }
    this.rxQueue.push(frame);
    this.stats.rxQueued++;
  }

  private linkChanged(): void {
    const up = this.drv.linkUp;
    if (up === this.link) return; // down and up again between two interrupts: nothing to tell
    this.link = up;
    this.stats.linkChanges++;
    this.notifyLink();
  }

  private notifyLink(): void {
    for (const h of this.holders) {
      h.linkEvent = true;
      h.readQueue.wakeAll();
      h.writeQueue.wakeAll();
    }
  }
}

/** The raw-frames capability: whole Ethernet frames in and out of one NIC (see the header). */
export class RawFramesObject extends KObject {
  readonly type = FILETYPE.SOCKET_DGRAM;
  /** The link state changed since this object last reported it (a 0-byte read or an fd_pread). */
  linkEvent = false;

  constructor(kernel: Kernel, readonly dev: NicDevice) {
    super(kernel);
    dev.attach(this);
  }

  override readInto(_d: Description, dst: Uint8Array[]): number {
    const want = dst.reduce((a, v) => a + v.length, 0);
    if (want === 0) return 0;
    const frame = this.dev.takeFrame();
    if (frame === undefined) return this.noFrame();
    let at = 0;
    for (const v of dst) {
      if (at >= frame.length) break;
      const n = Math.min(v.length, frame.length - at);
      v.set(frame.subarray(at, at + n));
      at += n;
    }
    return at; // the bytes past `at` (a short buffer) are discarded with the frame
  }

  override read(_d: Description, max: number): Uint8Array | number {
    if (max === 0) return new Uint8Array(0);
    const frame = this.dev.takeFrame();
    if (frame === undefined) { const r = this.noFrame(); return r === 0 ? new Uint8Array(0) : r; }
    return frame.length <= max ? frame : frame.subarray(0, max);
  }

  /** fd_read with the queue empty: report a pending link notification (0), else would block. */
  private noFrame(): number {
    if (!this.linkEvent) return -E.AGAIN;
    this.linkEvent = false;
    return 0;
  }

  override write(_d: Description, data: Uint8Array): number {
    const r = this.dev.transmit(data);
    return r < 0 ? r : data.length;
  }

  override pread(_d: Description, max: number, off: bigint): Uint8Array | number {
    this.linkEvent = false; // the holder is reading the link state now
    if (off >= BigInt(RAWFRAMES_INFO_BYTES)) return new Uint8Array(0);
    const at = Number(off);
    return this.dev.infoRecord().subarray(at, Math.min(RAWFRAMES_INFO_BYTES, at + max));
  }

  override readiness(_d: Description, write: boolean): Readiness {
    const hangup = !this.dev.linkUp;
    if (write && this.dev.closed) return { ready: true, nbytes: 0, hangup, error: E.NETDOWN };
    if (write) {
      const space = this.dev.txSpace();
      return { ready: space > 0, nbytes: space * NicDriver.MAX_FRAME, hangup };
    }
    const next = this.dev.nextFrameLength;
    return { ready: next >= 0 || this.linkEvent, nbytes: Math.max(next, 0), hangup };
  }

  protected override destroy(): void {
    this.dev.detach(this);
  }
}
