// The kernel: the process table, the worker pool threads run on, and the service loop that answers
// syscalls. It lives on the Node.js main thread; everything here is called only on that thread.
//
// Service loop. Every live thread has one Atomics.waitAsync armed on its CB's DOORBELL word. A thread that
// issues a syscall stores REQUEST and rings the doorbell, unless the kernel is spinning on it (KSPIN=1).
// When a doorbell resolves, the kernel serves that thread and then spins for a short, adaptive window over
// the threads that made syscalls recently ("hot" threads), because a thread that just made a syscall tends
// to make another within a microsecond. When the window passes empty it clears KSPIN on each hot thread and
// re-reads its STATE (abi/control.ts explains why that closes the race), then returns to the event loop.
import { Piscina } from 'piscina';
import { pino, type Logger } from 'pino';
import { TimerQueue, monotonicNs, realtimeNs, type SerialPort } from '@cosix/hw';
import { CB, E, SIG, STATE } from './abi/index.js';
import { Bootfs, setWasiRunner } from './bootfs.js';
import * as P from './params.js';
import { Process, ProcessObject, type ExitStatus, type Image } from './proc.js';
import type { NicDevice } from './nicdev.js';
import { HANDLERS } from './syscalls/index.js';
import { BLOCKED, NO_REPLY, Thread } from './thread.js';
import { Scheduler } from './wait.js';
import { FileCaches } from './filecache.js';
import { BufferPool } from './bufpool.js';
import { MachineMemory, MemAccount } from './memacct.js';
import { OomKiller } from './oom.js';
import type { ThreadTask, TaskResult } from './runtime/task.js';
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker } from 'node:worker_threads';

export interface KernelOptions {
  bootfs?: Bootfs;
  serial?: SerialPort;
  logger?: Logger;
  minWorkers?: number;
  /** Most pool workers (POOL_MAX_WORKERS). */
  maxWorkers?: number;
  /**
   * The pool workers' runtime module (default: runtime/worker.js). Only the host sets it; the sandbox tests
   * point it at the previous, unhardened runtime to show that their attacks escape it.
   */
  runtime?: URL;
  /** How long a daemon may take to answer a pseudo-fd request before it is cut off (PSEUDO_TIMEOUT_MS). */
  pseudoTimeoutMs?: number;
  /** Processes at once, zombies included (MAX_PROCS): proc_fork and spawning fail with EAGAIN beyond. */
  maxProcesses?: number;
  /** Threads at once (MAX_THREADS; at most the pool's workers): thread_create, proc_fork, spawning fail with EAGAIN beyond. */
  maxThreads?: number;
  /** The machine's memory size in bytes (MEMORY_BYTES): allocations the kernel makes past it fail with ENOMEM. */
  memoryBytes?: number;
  /** Host RSS past which the OOM killer kills the process with the largest footprint (OOM_RSS_BYTES). */
  oomRssBytes?: number;
  /** How often the OOM killer looks at host RSS (OOM_CHECK_MS). */
  oomCheckMs?: number;
  /** Each pool worker's V8 old-generation heap limit in MiB (WORKER_HEAP_MB). */
  workerHeapMb?: number;
}

export interface KernelStats {
  processes: number; threads: number; objects: number; workersBusy: number; syscalls: number;
  spawned: number; threadsStarted: number; workersTerminated: number;
  procsRefused: number; threadsRefused: number; oomKills: number;
}

export class Kernel {
  readonly timers = new TimerQueue();
  readonly sched: Scheduler;
  readonly pool: Piscina;
  readonly log: Logger;
  readonly bootfs: Bootfs;
  readonly serial: SerialPort | undefined;
  readonly stats: KernelStats = {
    processes: 0, threads: 0, objects: 0, workersBusy: 0, syscalls: 0, spawned: 0, threadsStarted: 0,
    workersTerminated: 0, procsRefused: 0, threadsRefused: 0, oomKills: 0,
  };
  readonly procs = new Set<Process>();
  readonly fileCaches = new FileCaches(this);
  readonly bounce = new BufferPool();
  /** The machine's NICs, driven by nicdev.ts (bootKernel's `nics`); stopped at shutdown. */
  readonly nics: NicDevice[] = [];
  private readonly tasks = new Set<Promise<unknown>>();
  private nextPid = 1;
  private nextTid = 1;
  private hot = new Set<Thread>();
  private spinning = false;
  private spinUs: number = P.KSPIN_MAX_US;
  private drainQueued = false;
  closed = false;                // shut down: serves nothing more
  private readonly sweeper: NodeJS.Timeout;
  readonly ncpus = availableParallelism();
  readonly pseudoTimeoutMs: number;
  readonly maxProcesses: number;
  readonly maxThreads: number;
  /** The machine's memory and who holds it (memacct.ts). */
  readonly memory: MachineMemory;
  readonly oom: OomKiller;
  private nextDev = 1n; // 0 is KERNEL_DEV

  /** A device id no other filesystem of this kernel has (each daemon's reverse end gets one). */
  newDeviceId(): bigint { return this.nextDev++; }

  constructor(opts: KernelOptions = {}) {
    this.log = opts.logger ?? pino({ level: process.env.COSIX_LOG ?? 'warn' }, pino.destination(2));
    this.bootfs = opts.bootfs ?? new Bootfs(this, new Map());
    const runner = this.bootfs.files.get('wasi-run');
    setWasiRunner(runner ? new TextDecoder().decode(runner) : undefined);
    this.serial = opts.serial;
    this.pseudoTimeoutMs = opts.pseudoTimeoutMs ?? P.PSEUDO_TIMEOUT_MS;
    this.sched = new Scheduler(this.timers, () => this.queueDrain());
    this.sweeper = setInterval(() => this.sweep(), P.SWEEP_MS);
    this.sweeper.unref();
    this.pool = new Piscina({
      filename: new URL('./runtime/entry.cjs', import.meta.url).href,
      workerData: { runtime: (opts.runtime ?? new URL('./runtime/worker.js', import.meta.url)).href },
      minThreads: opts.minWorkers ?? P.POOL_MIN_WORKERS,
      maxThreads: opts.maxWorkers ?? P.POOL_MAX_WORKERS,
      idleTimeout: P.POOL_IDLE_MS,
      concurrentTasksPerWorker: 1,
      // Bounds a program's own JS objects: a worker past it dies, and its process with it (onTaskEnd).
      // ArrayBuffer backing stores are outside this heap: the OOM killer catches those.
      resourceLimits: { maxOldGenerationSizeMb: opts.workerHeapMb ?? P.WORKER_HEAP_MB },
    });
    // A worker that fails with no task (none should) must not take the kernel down as an unhandled 'error'.
    this.pool.on('error', (err: unknown) => this.log.warn({ err: String(err) }, 'pool worker failed'));
    this.maxProcesses = opts.maxProcesses ?? P.MAX_PROCS;
    // Every thread runs on a pool worker of its own: a thread the pool has no worker for would never start.
    this.maxThreads = Math.min(opts.maxThreads ?? P.MAX_THREADS, this.pool.options.maxThreads);
    this.memory = new MachineMemory(opts.memoryBytes ?? P.MEMORY_BYTES);
    this.oom = new OomKiller(this, opts.oomRssBytes ?? P.OOM_RSS_BYTES, opts.oomCheckMs ?? P.OOM_CHECK_MS);
  }

  monotonic(): bigint { return monotonicNs(); }
  realtime(): bigint { return realtimeNs(); }

  // ---- processes -------------------------------------------------------------------------------------

  /** Creates an empty process (no threads yet): EAGAIN past the process limit, ENOMEM without room for its core. */
  newProcess(name: string, coreBytes = P.CORE_BYTES): Process | number {
    if (this.procs.size >= this.maxProcesses) { this.stats.procsRefused++; return E.AGAIN; }
    const mem = new MemAccount(this.memory);
    if (!mem.charge(coreBytes)) return E.NOMEM;
    const p = new Process(this, this.nextPid++, name, coreBytes, mem);
    this.procs.add(p);
    return p;
  }

  /** Starts `image` as the program of `proc` (its memory and threads must be fresh). */
  startProgram(proc: Process, image: Image, argdata: Uint8Array): number {
    proc.image = image;
    const e = image.wasm ? proc.resetMemory(image.wasm.minPages * P.WASM_PAGE, image.wasm.maxPages * P.WASM_PAGE) : 0;
    if (e) return e;
    if (proc.setupArgs(argdata, this.ncpus) < 0) return E.NOMEM;
    const t = this.newThread(proc, true);
    if (typeof t === 'number') return t;
    this.stats.spawned++;
    this.runThread(t, { kind: 'main', entry: 0, arg: 0 });
    return 0;
  }

  newThread(proc: Process, isMain: boolean, cbAt?: number): Thread | number {
    if (proc.threads.size >= P.MAX_THREADS_PER_PROC) return E.AGAIN;
    if (this.stats.threads >= this.maxThreads) { this.stats.threadsRefused++; return E.AGAIN; }
    const cb = cbAt ?? proc.allocCb();
    if (cb < 0) return E.NOMEM;
    const tid = this.nextTid;
    this.nextTid = this.nextTid >= P.MAX_TID ? 1 : this.nextTid + 1;
    const t = new Thread(proc, tid, cb, isMain);
    proc.threads.set(tid, t);
    this.stats.threads++;
    return t;
  }

  /** Hands thread `t` to a pool worker. */
  runThread(t: Thread, start: { kind: 'main' | 'thread' | 'fork'; entry: number; arg: number }): void {
    const proc = t.proc, image = proc.image!;
    const task: ThreadTask = {
      memory: proc.vm.memory, cb: t.cbAddr, auxv: proc.auxv, tid: t.tid, kind: start.kind, entry: start.entry,
      arg: start.arg, imageId: image.id, imageKind: image.kind, image: image.text, name: image.name,
      segments: proc.vm.segments.map((s) => ({ start: s.start, len: s.len, sab: s.backing.sab, offset: s.offset })),
      module: image.wasm?.module, hostInfo: new SharedArrayBuffer(16),
    };
    t.hostInfo = new Int32Array(task.hostInfo);
    const { port1, port2 } = new MessageChannel();
    port1.unref();
    t.port = port1;
    task.port = port2;
    t.abort = new AbortController();
    this.stats.threadsStarted++;
    this.stats.workersBusy++;
    const run = this.pool.run(task, { signal: t.abort.signal, transferList: [port2] as never }).then(
      (r: TaskResult) => this.onTaskEnd(t, r),
      (err: unknown) => this.onTaskEnd(t, { reason: 'aborted', message: String(err) }, (err as { code?: string })?.code === 'ERR_WORKER_OUT_OF_MEMORY'),
    );
    t.task = run;
    this.tasks.add(run);
    void run.finally(() => this.tasks.delete(run));
    this.arm(t);
  }

  /** The pool is done with `t`'s task; `outOfHeap` when its worker died at its V8 heap limit. */
  private onTaskEnd(t: Thread, r: TaskResult, outOfHeap = false): void {
    this.stats.workersBusy--;
    // The worker is done with the thread's control block: a later thread of the process may have it (not
    // after an exec, which gave the process a new address space: the block belonged to the old one).
    if (t.dead && t.proc.alive && t.proc.vm === t.vm) t.proc.freeCb(t.cbAddr);
    if (t.killTimer) clearTimeout(t.killTimer);
    t.port?.close();
    t.port = undefined;
    t.killTimer = undefined;
    if (r.reason === 'aborted') this.stats.workersTerminated++;
    this.oom.taskEnded(t, r.reason === 'aborted' || outOfHeap);
    if (t.dead) return;
    if (outOfHeap) {
      // The thread's worker ran out of V8 heap (workerHeapMb) and is gone: the process goes with it.
      this.stats.oomKills++;
      this.log.error({ pid: t.proc.pid, tid: t.tid, name: t.proc.name, heapMb: this.pool.options.resourceLimits?.maxOldGenerationSizeMb }, `out of memory: killed pid ${t.proc.pid} (${t.proc.name}): JavaScript heap limit`);
      this.terminate(t.proc, { code: 0, signal: SIG.KILL });
      return;
    }
    // The thread ended without the kernel ending it: the image escaped libc's exit path or the runtime failed.
    this.log.warn({ pid: t.proc.pid, tid: t.tid, reason: r.reason, message: r.message, state: Atomics.load(t.i32, t.base), sysno: t.sysno, main: t.isMain, inSyscall: t.inSyscall, name: t.proc.name }, 'thread ended unexpectedly');
    this.terminate(t.proc, { code: 0, signal: SIG.ABRT });
  }

  /** Called by Thread.kill: unhooks the thread from the process and the service loop. */
  onThreadKilled(t: Thread): void {
    const proc = t.proc;
    proc.exitedCpuNs += t.cpuNs();
    proc.threads.delete(t.tid);
    this.stats.threads--;
    if (t.hot) { t.hot = false; this.hot.delete(t); }
    if (t.task) {
      t.killTimer = setTimeout(() => { t.killTimer = undefined; t.abort?.abort(); }, P.KILL_GRACE_MS);
    }
    if (t.host) {
      const w = t.host;
      t.killTimer = setTimeout(() => { t.killTimer = undefined; this.stats.workersTerminated++; void w.terminate(); }, P.KILL_GRACE_MS);
    }
  }

  /**
   * Starts a host daemon's thread in `proc`: a worker of the host (not a pool worker, and not a Cosix image:
   * it runs kernel code with the host's powers, like hostfs) that makes syscalls through a control block
   * like any thread. It gets `data` plus the process memory and its CB address as workerData. If the worker
   * ends by itself, the process is ended with it.
   */
  startHostThread(proc: Process, url: URL, data: Record<string, unknown>): Thread | number {
    const t = this.newThread(proc, true);
    if (typeof t === 'number') return t;
    let w: Worker;
    try {
      w = new Worker(url, { workerData: { ...data, memory: proc.vm.memory, cb: t.cbAddr } });
    } catch (err) {
      this.log.warn({ pid: proc.pid, name: proc.name, err: String(err) }, 'host daemon did not start');
      t.kill();
      return E.AGAIN;
    }
    w.unref(); // like the pool's workers, a host daemon alone does not keep Node running
    t.host = w;
    this.stats.spawned++;
    this.stats.threadsStarted++;
    this.stats.workersBusy++;
    const exited = new Promise<void>((resolve) => w.once('exit', () => {
      this.stats.workersBusy--;
      if (t.killTimer) clearTimeout(t.killTimer);
      t.killTimer = undefined;
      t.host = undefined; // gone: nothing left for a kill to terminate
      if (!t.dead) this.terminate(proc, { code: 0, signal: SIG.ABRT });
      resolve();
    }));
    w.on('error', (err) => this.log.warn({ pid: proc.pid, name: proc.name, err: String(err) }, 'host daemon failed'));
    this.tasks.add(exited); // shutdown waits for it as for pool threads
    void exited.then(() => this.tasks.delete(exited));
    this.arm(t);
    return t;
  }

  /** Ends `proc`: kills its threads, closes its fds, frees its memory, and reports `status` to pollers. */
  terminate(proc: Process, status: ExitStatus): void {
    if (!proc.alive) return;
    proc.status = status;
    for (const t of [...proc.threads.values()]) t.kill();
    proc.fds.closeAll();
    proc.releaseMemory();
    proc.terminated.wakeAll();
    this.log.debug({ pid: proc.pid, name: proc.name, ...status }, 'process terminated');
    if (!proc.hasHandle) this.reap(proc);
  }

  /** Forgets a terminated process once nothing can observe its status any more. */
  reap(proc: Process): void {
    if (proc.alive || !this.procs.has(proc)) return;
    this.procs.delete(proc);
    this.stats.processes--;
  }

  /** A process fd object for `proc` (marks it as observed). */
  processObject(proc: Process): ProcessObject {
    proc.hasHandle = true;
    return new ProcessObject(this, proc);
  }

  /** Tells every thread of `proc` about its current shared segments (a mapping was added or removed). */
  segmentAdded(proc: Process): void {
    const segs = proc.vm.segments.map((s) => ({ start: s.start, len: s.len, sab: s.backing.sab, offset: s.offset }));
    for (const t of proc.threads.values()) t.port?.postMessage(segs);
  }

  // ---- the service loop ------------------------------------------------------------------------------

  /**
   * Serves requests whose doorbell was lost. On Node.js 20 a notify does not always resolve a pending
   * Atomics.waitAsync (reproduced without Cosix), so every SWEEP_MS the kernel looks at each live thread's
   * STATE: a request waiting there is served now. This bounds the cost of a lost doorbell to one period.
   */
  private sweep(): void {
    for (const p of this.procs) for (const t of p.threads.values()) {
      if (!t.inSyscall && !t.dead && Atomics.load(t.i32, t.base + CB.STATE) === STATE.REQUEST) this.poke(t);
    }
  }

  private arm(t: Thread): void {
    if (t.armed || t.dead || this.closed) return;
    const r = Atomics.waitAsync(t.i32, t.base + CB.DOORBELL, 0);
    if (!r.async) {
      // Userland scribbled on DOORBELL. Put it back and look again on the next turn of the event loop.
      Atomics.store(t.i32, t.base + CB.DOORBELL, 0);
      setImmediate(() => this.poke(t));
      return;
    }
    t.armed = true;
    r.value.then(() => { t.armed = false; this.poke(t); });
    // A doorbell rung before the wait was armed is lost (the word itself never changes), so look at STATE
    // once more now that the wait is in place: a REQUEST posted earlier is visible here.
    if (!t.inSyscall && Atomics.load(t.i32, t.base + CB.STATE) === STATE.REQUEST) queueMicrotask(() => this.poke(t));
  }

  private poke(t: Thread): void {
    if (t.dead || this.closed) return;
    this.serve(t);
    this.arm(t);
    this.spin();
  }

  /** Serves `t`'s pending request, if any; true when there was one. */
  private serve(t: Thread): boolean {
    if (!t.takeRequest()) return false;
    this.stats.syscalls++;
    const h = HANDLERS[t.sysno];
    let r: number;
    try {
      r = h ? h(t) : E.NOSYS;
    } catch (err) {
      // A handler threw: a kernel invariant is broken. Fail the call loudly rather than take the system down.
      this.log.error({ err, sysno: t.sysno, pid: t.proc.pid }, 'syscall handler threw (kernel bug)');
      r = E.IO;
    }
    if (r !== BLOCKED && r !== NO_REPLY) t.complete(r);
    this.sched.drain();
    if (!t.dead && !t.inSyscall) this.makeHot(t);
    return true;
  }

  /**
   * Spins on `t` for a while: it just got an answer and is likely to ask again soon. The thread skips its
   * doorbell while KSPIN is set, so a spin must follow: an answer given outside the service loop (a host
   * daemon's message, console input) starts one as soon as the current task ends.
   */
  makeHot(t: Thread): void {
    if (t.hot || this.hot.size >= P.KSPIN_MAX_HOT) return;
    t.hot = true;
    Atomics.store(t.i32, t.base + CB.KSPIN, 1);
    this.hot.add(t);
    if (!this.spinning) queueMicrotask(() => this.spin());
  }

  private spin(): void {
    if (this.spinning) return;
    this.spinning = true;
    const sliceEnd = performance.now() + P.KERNEL_SLICE_MS;
    while (this.hot.size > 0) {
      let idleSince = performance.now();
      for (;;) {
        let found = false;
        for (const t of this.hot) if (this.serve(t)) found = true;
        const now = performance.now();
        if (found) {
          if (now - idleSince > 0.5e-3) this.spinUs = Math.min(P.KSPIN_MAX_US, this.spinUs * 1.25);
          idleSince = now;
          if (now > sliceEnd) { this.spinning = false; setImmediate(() => this.spin()); return; }
        } else if ((now - idleSince) * 1000 > this.spinUs) break;
      }
      this.spinUs = Math.max(P.KSPIN_MIN_US, this.spinUs * 0.75);
      this.coolDown();
    }
    this.spinning = false;
  }

  /** Stops spinning on every hot thread, serving any request that slipped in (Dekker re-check). */
  private coolDown(): void {
    const was = [...this.hot];
    this.hot.clear();
    for (const t of was) {
      t.hot = false;
      Atomics.store(t.i32, t.base + CB.KSPIN, 0);
    }
    for (const t of was) this.serve(t);
  }

  private queueDrain(): void {
    if (this.drainQueued) return;
    this.drainQueued = true;
    queueMicrotask(() => { this.drainQueued = false; this.sched.drain(); this.spin(); });
  }

  // ---- shutdown --------------------------------------------------------------------------------------

  /** Kills every process and stops the pool. */
  async shutdown(): Promise<void> {
    for (const p of [...this.procs]) this.terminate(p, { code: 0, signal: SIG.KILL });
    for (const n of this.nics) n.close();
    this.closed = true;
    clearInterval(this.sweeper);
    this.oom.stop();
    await Promise.allSettled([...this.tasks]);
    this.timers.close();
    await this.pool.destroy();
  }
}
