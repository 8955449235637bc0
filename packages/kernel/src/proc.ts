// A process: an address space, a descriptor table and threads. Processes have no global names; a parent
// reaches a child only through a process fd (ProcessObject). Called only on the kernel thread.
import { AT, CB_SIZE, E, FILETYPE, MPROT, SIG } from './abi/index.js';
import { FdTable } from './fdtable.js';
import type { Kernel } from './kernel.js';
import type { MemAccount } from './memacct.js';
import { Description, KObject, type Readiness } from './object.js';
import { PAGE_SIZE } from './params.js';
import { Thread } from './thread.js';
import { AddressSpace, MAPPED, RESERVED, newBacking } from './vm.js';
import type { WasmImage } from './wasm.js';
import { WaitQueue } from './wait.js';

export interface ExitStatus { code: number; signal: number }

/** The address space of every ended process: empty, and never mapped into (none of their threads runs). */
const ENDED = new AddressSpace(0);

/** A loaded program: what the runtime worker evaluates. */
export interface Image {
  readonly id: number; readonly kind: 'js' | 'wasm'; readonly text: string; readonly name: string;
  readonly wasm?: WasmImage;     // WebAssembly programs: the prepared module; `text` is then the WASI runner
}

export class Process {
  vm: AddressSpace;
  readonly fds = new FdTable();
  readonly threads = new Map<number, Thread>();
  readonly terminated = new WaitQueue();
  status: ExitStatus | undefined;
  image: Image | undefined;
  auxv = 0;                      // address of the auxv array
  private cbFree: number[] = [];
  exitedCpuNs = 0n;              // CPU time of threads that have ended
  execs = 0;
  hasHandle = false;             // some process fd refers to it: keep its status until that goes
  private coreCharged: number;   // bytes of the core charged to `mem`

  /** `mem` has been charged `coreBytes` for the core already (Kernel.newProcess). */
  constructor(readonly kernel: Kernel, readonly pid: number, public name: string, coreBytes: number, readonly mem: MemAccount) {
    this.vm = new AddressSpace(coreBytes);
    this.coreCharged = coreBytes;
    kernel.stats.processes++;
  }

  get alive(): boolean { return this.status === undefined; }

  /** Allocates a control block, mapping a fresh CB page when none is free; -1 when memory is full. */
  allocCb(): number {
    if (this.cbFree.length === 0) {
      const page = this.vm.growable ? this.kernelPages(PAGE_SIZE) : this.vm.findFreeCore(PAGE_SIZE);
      if (page < 0) return -1;
      if (!this.vm.growable) this.vm.mapCore(page, PAGE_SIZE, MPROT.READ | MPROT.WRITE | RESERVED);
      for (let a = page + PAGE_SIZE - CB_SIZE; a >= page; a -= CB_SIZE) this.cbFree.push(a);
    }
    return this.cbFree.pop()!;
  }

  /**
   * Pages for the kernel's own structures in a WebAssembly process (control blocks, auxv and argdata): a
   * reserved segment outside the program's memory, which its allocator owns whole. -1 when out of room.
   */
  kernelPages(len: number): number {
    const at = this.vm.findFreeSegmentRange(len);
    const hold = at < 0 ? undefined : this.mem.hold(len);
    if (!hold) return -1;
    const sab = new SharedArrayBuffer(len);
    this.vm.addSegment({ start: at, len, backing: newBacking(sab), offset: 0, prot: new Uint8Array(len / PAGE_SIZE).fill(MAPPED | MPROT.READ | MPROT.WRITE | RESERVED), object: hold });
    return at;
  }

  freeCb(addr: number): void { this.cbFree.push(addr); }

  /**
   * Gives the process a fresh, empty address space (exec). ENOMEM when the machine lacks the new core: the
   * process is then left with an empty one, and the caller ends it.
   */
  resetMemory(coreBytes: number, maxBytes?: number): number {
    this.releaseMemory();
    this.cbFree = [];
    if (!this.mem.charge(coreBytes)) return E.NOMEM;
    this.vm = new AddressSpace(coreBytes, maxBytes);
    this.coreCharged = coreBytes;
    return 0;
  }

  /**
   * Frees the address space (exit, exec): its segments are released and its core uncharged, and the process
   * is left with the empty ENDED, so a zombie holds no memory. Threads still unwinding keep the old one
   * (Thread.vm).
   */
  releaseMemory(): void {
    this.vm.destroy();
    this.mem.uncharge(this.coreCharged);
    this.coreCharged = 0;
    this.vm = ENDED;
  }

  /**
   * Charges what a WebAssembly program grew its memory by since last time (memory.grow happens in its
   * worker, so the kernel can only see it after the fact: the charge is forced, and later ones may fail).
   */
  chargeGrowth(): void {
    if (!this.vm.growable || !this.alive) return;
    const now = this.vm.memory.buffer.byteLength;
    if (now > this.coreCharged) { this.mem.force(now - this.coreCharged); this.coreCharged = now; }
  }

  /** The bytes of the machine's memory charged to this process (the OOM killer's measure, with its workers'). */
  get footprint(): number { return this.mem.bytes; }

  /**
   * Makes this (new) process's memory a copy of `parent`'s: core bytes and protections are copied, shared
   * segments are shared. Only the CB at `keepCb` stays in use; the other threads' CBs become free.
   */
  copyMemoryFrom(parent: Process, keepCb: number): void {
    const src = parent.vm, dst = this.vm;
    dst.coreU8.set(src.coreU8);
    dst.prot.set(src.prot);
    dst.mappedBytes = src.mappedBytes;
    for (const seg of src.segments) {
      (seg.object as { ref?: () => void } | undefined)?.ref?.();
      dst.addSegment({ ...seg, prot: seg.prot.slice() });
    }
    this.cbFree = [...parent.cbFree, ...[...parent.threads.values()].map((t) => t.cbAddr).filter((a) => a !== keepCb)];
    this.auxv = parent.auxv;
    this.image = parent.image;
  }

  /** Takes a specific CB address for a thread (fork: the child's thread reuses the forking thread's CB). */
  claimCb(addr: number): void {
    this.cbFree = this.cbFree.filter((a) => a !== addr);
  }

  /** Lays out argdata and auxv in fresh read-only pages; returns the auxv address or -1. */
  setupArgs(argdata: Uint8Array, ncpus: number): number {
    const auxvBytes = 8 * 8;
    const len = Math.ceil((auxvBytes + argdata.length) / PAGE_SIZE) * PAGE_SIZE;
    const at = this.vm.growable ? this.kernelPages(len) : this.vm.findFreeCore(len);
    if (at < 0) return -1;
    if (!this.vm.growable) this.vm.mapCore(at, len, MPROT.READ);
    const r = this.vm.resolve(at, len, 0) as { u8: Uint8Array; off: number };
    const dv = new DataView(r.u8.buffer, r.off, len);
    const entries: [number, number][] = [
      [AT.ARGDATA, at + auxvBytes], [AT.ARGDATALEN, argdata.length], [AT.PAGESZ, PAGE_SIZE], [AT.NCPUS, ncpus],
      [AT.BASE, 0], [AT.NULL, 0],
    ];
    entries.forEach(([k, v], i) => { dv.setUint32(8 * i, k, true); dv.setUint32(8 * i + 4, v, true); });
    r.u8.set(argdata, r.off + auxvBytes);
    this.auxv = at;
    return at;
  }

  /** CPU time of the whole process so far, ns. */
  cpuNs(): bigint {
    let t = this.exitedCpuNs;
    for (const th of this.threads.values()) t += th.cpuNs();
    return t;
  }
}

/** The object behind a process fd. Closing its last description kills the process (CloudABI proc_fork). */
export class ProcessObject extends KObject {
  readonly type = FILETYPE.PROCESS;

  constructor(kernel: Kernel, readonly proc: Process) {
    super(kernel);
  }

  override readiness(): Readiness {
    return { ready: !this.proc.alive, nbytes: 0, hangup: false };
  }

  override closeDescription(_d: Description): void {
    // The object may have several descriptions (fd passing); the last reference going is what kills.
  }

  protected override destroy(): void {
    if (this.proc.alive) this.kernel.terminate(this.proc, { code: 0, signal: SIG.KILL });
    this.kernel.reap(this.proc);
  }
}
