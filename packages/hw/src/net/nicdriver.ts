// The driver side of the simulated NIC, for the kernel. It holds nothing but the SAB whose layout
// and Atomics protocol are documented word by word at the top of nic.ts, plus a doorbell function
// (the device's doorbell() when on the same thread, a postMessage to it otherwise), so it can run
// on any thread. State private to the driver: the TX reap index and the RX read index.
//
// Buffer ownership: TX descriptor i always points at TX buffer i, RX descriptor i at RX buffer i,
// as a simple e1000 driver with one buffer per descriptor does.
//
// Typical interrupt handler:
//   const cause = drv.readCause();              // read-to-clear ICR
//   if (cause & NicIcr.TXDW) drv.reapTx();
//   for (let f; (f = drv.receive()) !== null;) deliver(f);
//   if (cause & NicIcr.LSC) linkChanged(drv.linkUp);
// To coalesce under load: mask(NicIcr.RXT0), poll receive() until null, then unmask(NicIcr.RXT0).

import {
  NIC_MAGIC, NIC_DESC_WORDS, NicReg, NicDesc, NicDescStatus, NicStatus, NicCtrl, NIC_ICR_ALL,
  readNicStats,
} from './nic.js';
import type { NicStats } from './nic.js';
import { ETH_HEADER_LEN, ETH_MAX_TAGGED_FRAME } from './port.js';

export class NicDriver {
  readonly mac: Uint8Array;
  readonly txCount: number;
  readonly rxCount: number;
  readonly bufSize: number;
  /** Largest frame transmit() accepts (no FCS, one 802.1Q tag). */
  static readonly MAX_FRAME = ETH_MAX_TAGGED_FRAME;
  private readonly regs: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly txRing: number;
  private readonly rxRing: number;
  private txTail = 0;
  private txClean = 0;
  private rxNext = 0;
  private started = false;

  constructor(private readonly sab: SharedArrayBuffer, private readonly doorbell: () => void) {
    this.regs = new Int32Array(sab); // registers, then descriptor words
    if (Atomics.load(this.regs, NicReg.MAGIC) !== NIC_MAGIC) throw new Error('NicDriver: SAB is not an initialised NIC');
    this.bytes = new Uint8Array(sab);
    this.txCount = this.regs[NicReg.TX_COUNT];
    this.rxCount = this.regs[NicReg.RX_COUNT];
    this.bufSize = this.regs[NicReg.BUF_SIZE];
    this.txRing = this.regs[NicReg.TX_RING] / 4;
    this.rxRing = this.regs[NicReg.RX_RING] / 4;
    const lo = this.regs[NicReg.MAC_LO];
    const hi = this.regs[NicReg.MAC_HI];
    this.mac = new Uint8Array([lo & 0xff, (lo >>> 8) & 0xff, (lo >>> 16) & 0xff, lo >>> 24, hi & 0xff, (hi >>> 8) & 0xff]);
  }

  get linkUp(): boolean {
    return (Atomics.load(this.regs, NicReg.STATUS) & NicStatus.LU) !== 0;
  }

  /** Arm every RX descriptor, enable RX and TX, unmask `interruptMask`. Called once. */
  start(opts: { promiscuous?: boolean; interruptMask?: number } = {}): void {
    if (this.started) throw new Error('NicDriver.start: already started');
    this.started = true;
    for (let i = 0; i < this.txCount; i++) this.armDescriptor(this.txRing, i, this.regs[NicReg.TX_BUFS]);
    for (let i = 0; i < this.rxCount; i++) this.armDescriptor(this.rxRing, i, this.regs[NicReg.RX_BUFS]);
    this.txTail = this.regs[NicReg.TDH];
    this.txClean = this.txTail;
    Atomics.store(this.regs, NicReg.TDT, this.txTail);
    this.rxNext = this.regs[NicReg.RDH];
    // 8254x SDM 3.2.6: the device owns RDH..RDT-1, so one slot stays empty; RDT = RDH - 1.
    Atomics.store(this.regs, NicReg.RDT, (this.rxNext + this.rxCount - 1) % this.rxCount);
    const ctrl = NicCtrl.RXEN | NicCtrl.TXEN | (opts.promiscuous ? NicCtrl.PROMISC : 0);
    Atomics.store(this.regs, NicReg.CTRL, ctrl);
    Atomics.store(this.regs, NicReg.IMS, opts.interruptMask ?? NIC_ICR_ALL);
    this.doorbell();
  }

  /** Disable RX and TX and mask every interrupt; frames arriving after this are not received. */
  stop(): void {
    Atomics.store(this.regs, NicReg.CTRL, 0);
    Atomics.store(this.regs, NicReg.IMS, 0);
  }

  setPromiscuous(on: boolean): void {
    if (on) Atomics.or(this.regs, NicReg.CTRL, NicCtrl.PROMISC);
    else Atomics.and(this.regs, NicReg.CTRL, ~NicCtrl.PROMISC);
  }

  private armDescriptor(ring: number, i: number, bufs: number): void {
    const d = ring + i * NIC_DESC_WORDS;
    this.regs[d + NicDesc.ADDR] = bufs + i * this.bufSize;
    this.regs[d + NicDesc.BSIZE] = this.bufSize;
    this.regs[d + NicDesc.LENGTH] = 0;
    Atomics.store(this.regs, d + NicDesc.STATUS, 0);
  }

  /** Free TX descriptors (one slot always stays empty so a full ring is told from an empty one). */
  txSpace(): number {
    return this.txCount - 1 - ((this.txTail - this.txClean + this.txCount) % this.txCount);
  }

  /**
   * Post one frame to the TX ring without ringing the doorbell; false when the ring is full even
   * after reaping. Precondition: 14 <= frame.length <= MAX_FRAME (the caller validates: EINVAL).
   */
  post(frame: Uint8Array): boolean {
    if (!this.started) throw new Error('NicDriver.post: called before start()');
    if (frame.length < ETH_HEADER_LEN || frame.length > NicDriver.MAX_FRAME) {
      throw new RangeError(`NicDriver.post: frame length ${frame.length} outside ${ETH_HEADER_LEN}..${NicDriver.MAX_FRAME}`);
    }
    if (this.txSpace() === 0 && this.reapTx() === 0) return false;
    const d = this.txRing + this.txTail * NIC_DESC_WORDS;
    this.bytes.set(frame, this.regs[d + NicDesc.ADDR]);
    this.regs[d + NicDesc.LENGTH] = frame.length;
    Atomics.store(this.regs, d + NicDesc.STATUS, 0);
    this.txTail = (this.txTail + 1) % this.txCount;
    Atomics.store(this.regs, NicReg.TDT, this.txTail); // release: publishes the descriptor
    return true;
  }

  /** Ring the doorbell: the device sends everything posted so far. */
  flush(): void {
    this.doorbell();
  }

  /** post() then flush(). */
  transmit(frame: Uint8Array): boolean {
    const ok = this.post(frame);
    if (ok) this.flush();
    return ok;
  }

  /** Reclaim TX descriptors the device has completed; returns how many. */
  reapTx(): number {
    let n = 0;
    while (this.txClean !== this.txTail) {
      const d = this.txRing + this.txClean * NIC_DESC_WORDS;
      if ((Atomics.load(this.regs, d + NicDesc.STATUS) & NicDescStatus.DD) === 0) break;
      this.txClean = (this.txClean + 1) % this.txCount;
      n++;
    }
    return n;
  }

  /**
   * The next received frame (a copy), or null when the ring holds none. Descriptors the device
   * completed with an error bit are recycled and skipped (the device counted them in RX_ERRORS).
   */
  receive(): Uint8Array | null {
    for (;;) {
      const d = this.rxRing + this.rxNext * NIC_DESC_WORDS;
      const status = Atomics.load(this.regs, d + NicDesc.STATUS); // acquire: LENGTH and data are valid
      if ((status & NicDescStatus.DD) === 0) return null;
      const ok = (status & (NicDescStatus.ERR_LEN | NicDescStatus.ERR_ADDR)) === 0;
      let frame: Uint8Array | null = null;
      if (ok) {
        const addr = this.regs[d + NicDesc.ADDR];
        frame = this.bytes.slice(addr, addr + this.regs[d + NicDesc.LENGTH]);
      }
      this.recycleRx(d);
      if (frame !== null) return frame;
    }
  }

  /** Give the descriptor at rxNext back to the device. */
  private recycleRx(d: number): void {
    this.regs[d + NicDesc.LENGTH] = 0;
    Atomics.store(this.regs, d + NicDesc.STATUS, 0);
    Atomics.store(this.regs, NicReg.RDT, this.rxNext); // the slot just freed becomes the empty one
    this.rxNext = (this.rxNext + 1) % this.rxCount;
  }

  /** Read and clear the interrupt cause register (ICR is read-to-clear). */
  readCause(): number {
    return Atomics.exchange(this.regs, NicReg.ICR, 0);
  }

  /** Stop `bits` from interrupting (IMC). Causes still accumulate in ICR. */
  mask(bits: number): void {
    Atomics.and(this.regs, NicReg.IMS, ~bits);
  }

  /** Let `bits` interrupt again (IMS); a cause already pending interrupts at once. */
  unmask(bits: number): void {
    Atomics.or(this.regs, NicReg.IMS, bits);
    this.doorbell();
  }

  /** Pending causes without clearing them (for polling loops and Atomics.wait on ICR). */
  peekCause(): number {
    return Atomics.load(this.regs, NicReg.ICR);
  }

  /** Block this thread until ICR is non-zero or `timeoutMs` passes (never on the main thread). */
  waitForCause(timeoutMs: number): number {
    Atomics.wait(this.regs, NicReg.ICR, 0, timeoutMs);
    return Atomics.load(this.regs, NicReg.ICR);
  }

  stats(): NicStats {
    return readNicStats(this.sab);
  }
}
