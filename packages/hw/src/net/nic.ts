// The simulated NIC: a device modelled on the Intel 8254x (e1000) family, cut down to what a
// driver needs: a MAC address, link state, one TX and one RX descriptor ring in shared memory,
// interrupt cause/mask registers and statistics counters. References below are to the "PCI/PCI-X
// Family of Gigabit Ethernet Controllers Software Developer's Manual" (Intel 317453-006, "8254x
// SDM"): 3.2 receive descriptors, 3.3 transmit descriptors, 13 registers.
//
// Everything the driver touches lives in one SharedArrayBuffer, so the driver (NicDriver in
// nicdriver.ts, used by the kernel) may run on another thread than the device. Layout, all words
// little-endian host order:
//
//  byte 0..255: registers, Int32 words (index = word number; D = device writes, V = driver writes)
//   0 MAGIC      D  0x314b4543 ("CEK1") once the device has initialised the block
//   1 TX_COUNT   D  descriptors in the TX ring (read-only after init)
//   2 RX_COUNT   D  descriptors in the RX ring
//   3 BUF_SIZE   D  bytes per packet buffer (8254x SDM 13.4.22 RCTL.BSIZE; default 2048)
//   4 TX_RING    D  byte offset of the TX descriptor ring       (TDBAL, 13.4.38)
//   5 RX_RING    D  byte offset of the RX descriptor ring       (RDBAL, 13.4.27)
//   6 TX_BUFS    D  byte offset of TX_COUNT packet buffers the driver may use for TX
//   7 RX_BUFS    D  byte offset of RX_COUNT packet buffers the driver may use for RX
//   8 MAC_LO     D  MAC bytes 0..3, byte 0 in the low octet     (RAL0, 13.4.62)
//   9 MAC_HI     D  MAC bytes 4..5 in the low 16 bits           (RAH0)
//  10 STATUS     D  bit 0 LU: link up                           (STATUS.LU, 13.4.2)
//  11 CTRL       V  bit 0 RXEN, bit 1 TXEN, bit 2 PROMISC       (RCTL.EN/UPE+MPE, TCTL.EN)
//  12 ICR        D sets bits with Atomics.or, then Atomics.notify(ICR); V reads and clears with
//                   Atomics.exchange(ICR, 0) (ICR is read-to-clear, 13.4.17)
//  13 IMS        V  interrupt mask: a cause interrupts only while its bit is set (IMS/IMC 13.4.20)
//  14 TDH        D  TX head: next descriptor the device will send (13.4.41)
//  15 TDT        V  TX tail: one past the last descriptor the driver has posted (13.4.42)
//  16 RDH        D  RX head: next descriptor the device will fill (13.4.30)
//  17 RDT        V  RX tail: the device owns descriptors RDH .. RDT-1 (mod count) (13.4.31)
//  18..63           reserved, zero
//
//  byte 256..383: statistics, 16 BigInt64 slots, D only (Atomics.add), V reads with Atomics.load
//   0 RX_PACKETS  1 RX_BYTES  2 RX_DROPS (no free RX descriptor: MPC, 13.7.4)
//   3 RX_ERRORS (bad length or frame larger than the buffer: RLEC/ROC)  4 TX_PACKETS  5 TX_BYTES
//   6 TX_DROPS (link down)  7 TX_ERRORS (descriptor outside the buffer area or bad length)
//   8 INTERRUPTS (times the interrupt handler was called)  9..15 reserved
//
//  byte 384..: TX ring, then RX ring: COUNT descriptors of 16 bytes = 4 Int32 words each
//   +0 ADDR    V  byte offset in this SAB of the packet buffer (8254x: 64-bit buffer address)
//   +1 BSIZE   V  capacity of that buffer in bytes
//   +2 LENGTH  TX: V writes the frame length; RX: D writes the received frame length
//   +3 STATUS  D writes last, with Atomics.store: DD (0x1, descriptor done), EOP (0x2),
//              ERR_LEN (0x100), ERR_ADDR (0x200); V zeroes it before handing the descriptor back
//  then TX_COUNT and RX_COUNT buffers of BUF_SIZE bytes each.
//
// Atomics protocol (the ring discipline of 8254x SDM 3.2.6 and 3.3.1):
//  TX  V fills the buffer and the descriptor at TDT with STATUS = 0, then Atomics.store(TDT, next)
//      (release: publishes the descriptor) and rings the doorbell (NicDevice.doorbell(), or a
//      message to the device's thread). Ring full when (TDT + 1) % count == the driver's reap index.
//      D, for each descriptor from TDH to Atomics.load(TDT): copies the frame out, sends it,
//      Atomics.store(STATUS, DD | ...), then Atomics.store(TDH, next); finally raises TXDW.
//      V reaps descriptors whose STATUS has DD (Atomics.load: acquire) and reuses them.
//  RX  V arms all descriptors and stores RDT = count - 1 (one slot always stays empty, so
//      RDH == RDT means the device owns none). D, per arriving frame: if RDH == Atomics.load(RDT)
//      it drops the frame, counts RX_DROPS and raises RXO; else copies the frame into the buffer,
//      writes LENGTH, Atomics.store(STATUS, DD | EOP), Atomics.store(RDH, next), raises RXT0.
//      V reads descriptors in order while STATUS has DD, copies the frame out, zeroes STATUS and
//      returns the slot with Atomics.store(RDT, slot).
//  IRQ D sets ICR bits; if ICR & IMS is non-zero it calls the interrupt handler once, after
//      `interruptDelayNs` (RDTR-like coalescing, 13.4.32): causes raised meanwhile share one
//      call. Writing IMS with a cause pending asserts the interrupt (13.4.20): the driver rings
//      the doorbell after unmasking so the device rechecks. Driver threads may instead block
//      in Atomics.wait on ICR.

import { Port, TapList, ETH_HEADER_LEN, ETH_MAX_TAGGED_FRAME, ETH_MIN_FRAME, formatMac, isGroupMac } from './port.js';
import type { FrameTap, Observable, MacAddress } from './port.js';
import type { NetScheduler, NetTimer } from './sched.js';

export const NIC_MAGIC = 0x314b4543;
export const NIC_REGS_BYTES = 256;
export const NIC_STATS_BYTES = 128;
export const NIC_DESC_BYTES = 16;
export const NIC_DESC_WORDS = 4;

export const NicReg = {
  MAGIC: 0, TX_COUNT: 1, RX_COUNT: 2, BUF_SIZE: 3, TX_RING: 4, RX_RING: 5, TX_BUFS: 6, RX_BUFS: 7,
  MAC_LO: 8, MAC_HI: 9, STATUS: 10, CTRL: 11, ICR: 12, IMS: 13, TDH: 14, TDT: 15, RDH: 16, RDT: 17,
} as const;

export const NicStat = {
  RX_PACKETS: 0, RX_BYTES: 1, RX_DROPS: 2, RX_ERRORS: 3,
  TX_PACKETS: 4, TX_BYTES: 5, TX_DROPS: 6, TX_ERRORS: 7, INTERRUPTS: 8,
} as const;

/** Descriptor word offsets. */
export const NicDesc = { ADDR: 0, BSIZE: 1, LENGTH: 2, STATUS: 3 } as const;

export const NicDescStatus = { DD: 0x1, EOP: 0x2, ERR_LEN: 0x100, ERR_ADDR: 0x200 } as const;

export const NicStatus = { LU: 0x1 } as const;

export const NicCtrl = { RXEN: 0x1, TXEN: 0x2, PROMISC: 0x4 } as const;

/** Interrupt cause bits, with the 8254x ICR bit positions (SDM 13.4.17). */
export const NicIcr = { TXDW: 0x01, LSC: 0x04, RXO: 0x40, RXT0: 0x80 } as const;
export const NIC_ICR_ALL = NicIcr.TXDW | NicIcr.LSC | NicIcr.RXO | NicIcr.RXT0;

export interface NicStats {
  rxPackets: number;
  rxBytes: number;
  rxDrops: number;
  rxErrors: number;
  txPackets: number;
  txBytes: number;
  txDrops: number;
  txErrors: number;
  interrupts: number;
}

/** Read the statistics block of a NIC SAB (either side may call this). */
export function readNicStats(sab: SharedArrayBuffer): NicStats {
  const s = new BigInt64Array(sab, NIC_REGS_BYTES, NIC_STATS_BYTES / 8);
  const get = (i: number): number => Number(Atomics.load(s, i));
  return {
    rxPackets: get(NicStat.RX_PACKETS), rxBytes: get(NicStat.RX_BYTES), rxDrops: get(NicStat.RX_DROPS),
    rxErrors: get(NicStat.RX_ERRORS), txPackets: get(NicStat.TX_PACKETS), txBytes: get(NicStat.TX_BYTES),
    txDrops: get(NicStat.TX_DROPS), txErrors: get(NicStat.TX_ERRORS), interrupts: get(NicStat.INTERRUPTS),
  };
}

export interface NicOptions {
  mac: MacAddress;
  scheduler: NetScheduler;
  /** Descriptors per ring, 2..4096 (8254x: a multiple of 8; any count works here). Default 256. */
  txRingSize?: number;
  rxRingSize?: number;
  /** Packet buffer size, at least ETH_MAX_TAGGED_FRAME, multiple of 8. Default 2048. */
  bufSize?: number;
  /** Initial link state. Default true. */
  linkUp?: boolean;
  /** Delay between the first unmasked cause and the handler call (coalescing). Default 0. */
  interruptDelayNs?: number;
  name?: string;
}

/** Byte size of the SAB for the given ring and buffer sizes. */
export function nicSabBytes(txCount: number, rxCount: number, bufSize: number): number {
  return NIC_REGS_BYTES + NIC_STATS_BYTES + (txCount + rxCount) * (NIC_DESC_BYTES + bufSize);
}

/** The device side. The kernel talks to it only through `sab`, doorbell() and the interrupt. */
export class Nic implements Observable {
  readonly sab: SharedArrayBuffer;
  readonly mac: MacAddress;
  readonly port: Port;
  readonly name: string;
  private readonly regs: Int32Array;
  private readonly counters: BigInt64Array;
  private readonly bytes: Uint8Array;
  private readonly sched: NetScheduler;
  private readonly interruptDelayNs: number;
  private readonly taps = new TapList();
  private linkListeners: Array<(up: boolean) => void> = [];
  private interruptHandler: (() => void) | null = null;
  private irqTimer: NetTimer | null = null;

  constructor(opts: NicOptions) {
    const txCount = opts.txRingSize ?? 256;
    const rxCount = opts.rxRingSize ?? 256;
    const bufSize = opts.bufSize ?? 2048;
    checkGeometry(txCount, rxCount, bufSize, opts.mac);
    this.mac = Uint8Array.from(opts.mac);
    this.name = opts.name ?? `nic ${formatMac(this.mac)}`;
    this.sched = opts.scheduler;
    this.interruptDelayNs = opts.interruptDelayNs ?? 0;
    this.sab = new SharedArrayBuffer(nicSabBytes(txCount, rxCount, bufSize));
    this.regs = new Int32Array(this.sab); // registers, then descriptor words
    this.counters = new BigInt64Array(this.sab, NIC_REGS_BYTES, NIC_STATS_BYTES / 8);
    this.bytes = new Uint8Array(this.sab);
    this.initRegisters(txCount, rxCount, bufSize, opts.linkUp ?? true);
    this.port = new Port(this.name, (frame) => this.receiveFromWire(frame));
  }

  private initRegisters(txCount: number, rxCount: number, bufSize: number, linkUp: boolean): void {
    const r = this.regs;
    const txRing = NIC_REGS_BYTES + NIC_STATS_BYTES;
    const rxRing = txRing + txCount * NIC_DESC_BYTES;
    const txBufs = rxRing + rxCount * NIC_DESC_BYTES;
    r[NicReg.TX_COUNT] = txCount;
    r[NicReg.RX_COUNT] = rxCount;
    r[NicReg.BUF_SIZE] = bufSize;
    r[NicReg.TX_RING] = txRing;
    r[NicReg.RX_RING] = rxRing;
    r[NicReg.TX_BUFS] = txBufs;
    r[NicReg.RX_BUFS] = txBufs + txCount * bufSize;
    const m = this.mac;
    r[NicReg.MAC_LO] = m[0] | (m[1] << 8) | (m[2] << 16) | (m[3] << 24);
    r[NicReg.MAC_HI] = m[4] | (m[5] << 8);
    r[NicReg.STATUS] = linkUp ? NicStatus.LU : 0;
    Atomics.store(r, NicReg.MAGIC, NIC_MAGIC); // last: the block is complete
  }

  get linkUp(): boolean {
    return (Atomics.load(this.regs, NicReg.STATUS) & NicStatus.LU) !== 0;
  }

  /** Plug or unplug the (virtual) cable: updates STATUS.LU, raises LSC, tells listeners. */
  setLink(up: boolean): void {
    if (up === this.linkUp) return;
    if (up) Atomics.or(this.regs, NicReg.STATUS, NicStatus.LU);
    else Atomics.and(this.regs, NicReg.STATUS, ~NicStatus.LU);
    this.raise(NicIcr.LSC);
    for (const fn of this.linkListeners) fn(up);
  }

  /** Call `fn` on every link state change; returns an unsubscribe function. */
  onLinkChange(fn: (up: boolean) => void): () => void {
    this.linkListeners = [...this.linkListeners, fn];
    return () => {
      this.linkListeners = this.linkListeners.filter((f) => f !== fn);
    };
  }

  /** The interrupt line: `fn` runs (on the scheduler) when an unmasked cause is pending. */
  setInterruptHandler(fn: (() => void) | null): void {
    this.interruptHandler = fn;
    this.checkInterrupt(); // a cause raised while no handler was attached is still pending
  }

  /** Watch frames as the NIC puts them on the wire (tx) and accepts them into the RX ring (rx). */
  observe(tap: FrameTap): () => void {
    return this.taps.observe(tap);
  }

  stats(): NicStats {
    return readNicStats(this.sab);
  }

  /** The driver wrote TDT, IMS or CTRL: send what is posted and recheck the interrupt line. */
  doorbell(): void {
    this.processTx();
    this.checkInterrupt();
  }

  /** Cancel a pending interrupt timer (for shutting a network down without leaking timers). */
  close(): void {
    if (this.irqTimer !== null) this.sched.cancel(this.irqTimer);
    this.irqTimer = null;
    this.interruptHandler = null;
  }

  private processTx(): void {
    const r = this.regs;
    if ((Atomics.load(r, NicReg.CTRL) & NicCtrl.TXEN) === 0) return;
    const count = r[NicReg.TX_COUNT];
    let head = r[NicReg.TDH];
    const tail = Atomics.load(r, NicReg.TDT);
    if (tail < 0 || tail >= count) return; // a driver bug; nothing is safe to send
    let sent = 0;
    while (head !== tail) {
      this.transmitDescriptor(r[NicReg.TX_RING] / 4 + head * NIC_DESC_WORDS);
      head = (head + 1) % count;
      Atomics.store(r, NicReg.TDH, head);
      sent++;
    }
    if (sent > 0) this.raise(NicIcr.TXDW);
  }

  /** Send the frame of the descriptor at word `d`, then write its STATUS back. */
  private transmitDescriptor(d: number): void {
    const r = this.regs;
    const addr = r[d + NicDesc.ADDR];
    const len = r[d + NicDesc.LENGTH];
    let status: number = NicDescStatus.DD | NicDescStatus.EOP;
    if (len < ETH_HEADER_LEN || len > ETH_MAX_TAGGED_FRAME) status |= NicDescStatus.ERR_LEN;
    else if (!this.inBufferArea(addr, len)) status |= NicDescStatus.ERR_ADDR;
    if (status !== (NicDescStatus.DD | NicDescStatus.EOP)) {
      Atomics.add(this.counters, NicStat.TX_ERRORS, 1n);
    } else if (!this.linkUp) {
      Atomics.add(this.counters, NicStat.TX_DROPS, 1n);
    } else {
      // 8254x SDM 13.4.33 TCTL.PSP: pad short packets to the 64-byte minimum (60 without FCS).
      const frame = new Uint8Array(Math.max(len, ETH_MIN_FRAME));
      frame.set(this.bytes.subarray(addr, addr + len));
      Atomics.add(this.counters, NicStat.TX_PACKETS, 1n);
      Atomics.add(this.counters, NicStat.TX_BYTES, BigInt(frame.length));
      this.taps.emit(frame, 'tx');
      this.port.send(frame);
    }
    Atomics.store(r, d + NicDesc.STATUS, status);
  }

  /** DMA may only touch the packet buffer area (an IOMMU's view): never registers or rings. */
  private inBufferArea(addr: number, len: number): boolean {
    return addr >= this.regs[NicReg.TX_BUFS] && addr + len <= this.sab.byteLength;
  }

  /** A frame from the cable. No carrier or RX disabled: the frame never existed for this NIC. */
  private receiveFromWire(frame: Uint8Array): void {
    const r = this.regs;
    if (!this.linkUp || (Atomics.load(r, NicReg.CTRL) & NicCtrl.RXEN) === 0) return;
    if (!this.accepts(frame)) return;
    if (frame.length < ETH_HEADER_LEN || frame.length > ETH_MAX_TAGGED_FRAME) {
      Atomics.add(this.counters, NicStat.RX_ERRORS, 1n);
      return;
    }
    const count = r[NicReg.RX_COUNT];
    const head = r[NicReg.RDH];
    if (head === Atomics.load(r, NicReg.RDT)) {
      Atomics.add(this.counters, NicStat.RX_DROPS, 1n); // no descriptor: missed packet (MPC)
      this.raise(NicIcr.RXO);
      return;
    }
    this.fillRxDescriptor(r[NicReg.RX_RING] / 4 + head * NIC_DESC_WORDS, frame);
    Atomics.store(r, NicReg.RDH, (head + 1) % count);
    this.raise(NicIcr.RXT0);
  }

  private fillRxDescriptor(d: number, frame: Uint8Array): void {
    const r = this.regs;
    const addr = r[d + NicDesc.ADDR];
    const cap = r[d + NicDesc.BSIZE];
    let status: number = NicDescStatus.DD | NicDescStatus.EOP;
    if (frame.length > cap) status |= NicDescStatus.ERR_LEN;
    else if (!this.inBufferArea(addr, frame.length)) status |= NicDescStatus.ERR_ADDR;
    if (status === (NicDescStatus.DD | NicDescStatus.EOP)) {
      this.bytes.set(frame, addr);
      r[d + NicDesc.LENGTH] = frame.length;
      Atomics.add(this.counters, NicStat.RX_PACKETS, 1n);
      Atomics.add(this.counters, NicStat.RX_BYTES, BigInt(frame.length));
      this.taps.emit(frame, 'rx');
    } else {
      r[d + NicDesc.LENGTH] = 0;
      Atomics.add(this.counters, NicStat.RX_ERRORS, 1n);
    }
    Atomics.store(r, d + NicDesc.STATUS, status);
  }

  /** Destination filter (8254x SDM 3.2.1): our unicast, any group address, or all if PROMISC. */
  private accepts(frame: Uint8Array): boolean {
    if ((Atomics.load(this.regs, NicReg.CTRL) & NicCtrl.PROMISC) !== 0) return true;
    if (frame.length < 6 || isGroupMac(frame, 0)) return true;
    for (let i = 0; i < 6; i++) if (frame[i] !== this.mac[i]) return false;
    return true;
  }

  /** Set cause bits in ICR, wake Atomics.wait-ers, and schedule the handler if unmasked. */
  private raise(cause: number): void {
    Atomics.or(this.regs, NicReg.ICR, cause);
    Atomics.notify(this.regs, NicReg.ICR);
    this.checkInterrupt();
  }

  private checkInterrupt(): void {
    if (this.irqTimer !== null || this.interruptHandler === null) return;
    if ((Atomics.load(this.regs, NicReg.ICR) & Atomics.load(this.regs, NicReg.IMS)) === 0) return;
    this.irqTimer = this.sched.schedule(this.interruptDelayNs, () => this.fireInterrupt());
  }

  private fireInterrupt(): void {
    this.irqTimer = null;
    const handler = this.interruptHandler;
    // The driver may have read ICR or masked the cause since: the line is level-triggered.
    if (handler === null || (Atomics.load(this.regs, NicReg.ICR) & Atomics.load(this.regs, NicReg.IMS)) === 0) return;
    Atomics.add(this.counters, NicStat.INTERRUPTS, 1n);
    handler();
  }
}

function checkGeometry(txCount: number, rxCount: number, bufSize: number, mac: MacAddress): void {
  for (const [what, n] of [['txRingSize', txCount], ['rxRingSize', rxCount]] as const) {
    if (!Number.isInteger(n) || n < 2 || n > 4096) throw new RangeError(`Nic: ${what} ${n} not in 2..4096`);
  }
  if (!Number.isInteger(bufSize) || bufSize < ETH_MAX_TAGGED_FRAME || bufSize % 8 !== 0 || bufSize > 16384) {
    throw new RangeError(`Nic: bufSize ${bufSize} must be a multiple of 8 in ${ETH_MAX_TAGGED_FRAME}..16384`);
  }
  if (mac.length !== 6 || (mac[0] & 1) !== 0) throw new RangeError('Nic: MAC must be 6 bytes, unicast');
}
