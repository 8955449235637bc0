// Memory accounting: the machine's memory size, and who holds which part of it.
//
// Every buffer the kernel allocates for a process is charged here before it is allocated: address-space
// cores (proc.ts), shared segments (anonymous shared mappings and a WebAssembly process's kernel pages,
// shared-memory objects in shm.ts, shared mappings of daemon files in filecache.ts), pipe buffers (ring.ts),
// bytes queued on UNIX sockets (unixsock.ts) and requests queued for daemons (pseudo.ts). A charge that
// would take the machine past its size is refused and the allocation fails with ENOMEM before anything has
// changed. Each charge goes to one account, the process that caused it (or the kernel's own, for objects
// no process made), and stays there until the memory is freed, even if the process has ended meanwhile:
// the OOM killer (oom.ts) reads the per-process figures to pick its victim.
//
// What is not charged: the program's own JavaScript heap and ArrayBuffers, which live in its worker and
// which the kernel never allocates (bounded by the worker's heap limit and the OOM killer), and the
// kernel's transient copies of syscall arguments (bounded by the caller's own mapped memory, one per call).
//
// Called only on the kernel thread.

/** The machine's memory: its size and the bytes charged against it, all accounts together. */
export class MachineMemory {
  used = 0;                     // bytes charged now
  peak = 0;                     // the most ever charged at once
  refused = 0;                  // charges refused (ENOMEM)
  /** The kernel's own account: objects made for no process (boot capabilities, host mounts, tests). */
  readonly kernel: MemAccount;

  constructor(readonly size: number) {
    this.kernel = new MemAccount(this);
  }

  /** True when a charge of `n` bytes would succeed now. */
  fits(n: number): boolean { return this.used + n <= this.size; }
}

/** One holder's share of the machine's memory (a process's, or the kernel's). */
export class MemAccount {
  bytes = 0;

  constructor(readonly machine: MachineMemory) {}

  /** Charges `n` bytes; false, with nothing charged, when the machine does not have them. */
  charge(n: number): boolean {
    const m = this.machine;
    if (!m.fits(n)) { m.refused++; return false; }
    this.force(n);
    return true;
  }

  /**
   * Charges `n` bytes even past the machine's size: for memory that exists already and could not be
   * refused (a WebAssembly program's own memory.grow, seen after the fact). Later charges then fail.
   */
  force(n: number): void {
    const m = this.machine;
    m.used += n;
    this.bytes += n;
    if (m.used > m.peak) m.peak = m.used;
  }

  uncharge(n: number): void {
    this.bytes -= n;
    this.machine.used -= n;
    if (this.bytes < 0 || this.machine.used < 0) throw new Error(`MemAccount.uncharge: more bytes released than charged (${n})`);
  }

  /** A charge of `n` bytes shared by several holders (see Hold), or undefined when the machine lacks them. */
  hold(n: number): Hold | undefined {
    return this.charge(n) ? new Hold(this, n) : undefined;
  }
}

/**
 * A charge with a reference count: memory that several holders keep alive, such as an anonymous shared
 * segment that a process and its forked children all map. The last unref releases the bytes. It has the
 * shape of a segment's `object` (vm.ts), which fork refs and unmapping unrefs.
 */
export class Hold {
  private refs = 1;

  constructor(private readonly account: MemAccount, readonly bytes: number) {}

  ref(): this { this.refs++; return this; }

  unref(): void {
    if (--this.refs > 0) return;
    if (this.refs < 0) throw new Error('Hold.unref: released twice');
    this.account.uncharge(this.bytes);
  }
}
