// The out-of-memory killer. The kernel bounds what it allocates itself (memacct.ts), but a program's own
// JavaScript objects and ArrayBuffers live in its worker, made without a syscall. V8 bounds the objects (each
// pool worker's heap limit, kernel.ts) but not ArrayBuffer backing stores, which are allocated outside the
// heap. So every OOM_CHECK_MS the kernel compares the host's resident memory with a ceiling, and when it is
// over, kills the process with the largest footprint: the bytes charged to it plus what its workers took.
//
// What a worker took is measured from outside, with no help from the worker (a program owns its worker's
// CPU, and the inspector, the only other way in, crashes Node.js 20 when attached while workers come and
// go): the minor page faults of the worker's host thread (/proc/self/task/TID/stat) since its previous task
// ended, one fault per 4 KiB page the thread first touched. That counts memory the program touched, not
// memory it still holds, and a page freed and touched again counts twice, so it is a measure of the
// program's appetite rather than its footprint; it is what the host can tell per thread. The thread id is the
// one the runtime reported in the task's hostInfo buffer (Thread.hostTid), which no program can reach: a
// program that could name another thread there would hide its own appetite and have a bystander killed.
//
// The victim's workers are terminated at once, and the killer waits for their host threads to end (that is
// what frees the memory) before it looks again. Called only on the kernel thread.
import { closeSync, openSync, readSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { SIG } from './abi/index.js';
import type { Kernel } from './kernel.js';
import type { Process } from './proc.js';
import type { Thread } from './thread.js';

const HOST_PAGE = 4096;         // bytes one minor fault brings in (no transparent huge pages assumed)
const EXIT_WAIT_MS = 10_000;    // the longest the killer waits for a victim's workers to end

export class OomKiller {
  private readonly timer: NodeJS.Timeout;
  private busy = false;
  private readonly faults = new HostThreadFaults();

  constructor(private readonly k: Kernel, readonly ceiling: number, periodMs: number) {
    this.timer = setInterval(() => this.tick(), periodMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.faults.closeAll();
  }

  /** `t`'s task is over; `workerGone` when its worker was terminated with it. Called by Kernel.onTaskEnd. */
  taskEnded(t: Thread, workerGone: boolean): void {
    if (this.k.closed) return; // stop() has closed the files
    const tid = ostid(t);
    if (workerGone) this.faults.forget(tid); else this.faults.markIdle(tid);
  }

  private tick(): void {
    for (const p of this.k.procs) p.chargeGrowth();
    // Workers the pool retired when idle leave their files open here: look for them now and then.
    if (this.faults.size > this.k.pool.threads.length + 32) this.faults.prune();
    if (this.busy || process.memoryUsage.rss() <= this.ceiling) return;
    this.busy = true;
    void this.killLargest().finally(() => { this.busy = false; });
  }

  /** Bytes `proc` holds by the killer's measure: charged, plus what its threads' workers took. */
  footprint(proc: Process): number {
    let bytes = proc.mem.bytes;
    for (const t of proc.threads.values()) bytes += this.faults.sinceIdle(ostid(t)) * HOST_PAGE;
    return bytes;
  }

  private async killLargest(): Promise<void> {
    let victim: Process | undefined, most = -1;
    for (const p of this.k.procs) {
      if (!p.alive) continue;
      const bytes = this.footprint(p);
      if (bytes > most) { most = bytes; victim = p; }
    }
    if (!victim || this.k.closed) return;
    this.k.stats.oomKills++;
    const rss = process.memoryUsage.rss();
    this.k.log.error({ pid: victim.pid, name: victim.name, footprint: most, rss, ceiling: this.ceiling }, `out of memory: killed pid ${victim.pid} (${victim.name})`);
    await this.kill(victim);
  }

  /** SIGKILL with no grace period: the victim's workers are terminated now; resolves once they have ended. */
  private async kill(proc: Process): Promise<void> {
    const threads = [...proc.threads.values()], pool = new Set<Worker>(this.k.pool.threads);
    this.k.terminate(proc, { code: 0, signal: SIG.KILL });
    const ending: (Promise<unknown> | undefined)[] = threads.map((t) => t.task);
    for (const t of threads) {
      t.abort?.abort();
      if (t.host) { ending.push(exited(t.host)); void t.host.terminate(); }
    }
    // An aborted task's worker leaves the pool at once but ends later; its memory goes when it has ended.
    for (const w of this.k.pool.threads) pool.delete(w);
    for (const w of pool) ending.push(exited(w));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(ending), new Promise((r) => { timer = setTimeout(r, EXIT_WAIT_MS); })]);
    clearTimeout(timer);
  }
}

const ostid = (t: Thread): number => t.hostTid();

function exited(w: Worker): Promise<void> {
  return new Promise((resolve) => { w.once('exit', () => resolve()); });
}

/**
 * Minor page faults of this process's host threads, from /proc/self/task/TID/stat, read through an fd kept
 * per thread (a read is then one pread, about 5 us, against about 40 us to open the file each time), and
 * each worker's count when its last task ended.
 */
class HostThreadFaults {
  private readonly fds = new Map<number, number>();
  private readonly idle = new Map<number, number>();
  private readonly buf = Buffer.alloc(1024);

  get size(): number { return this.fds.size; }

  /** The worker on host thread `tid` has finished a task: what it faults from now on is the next one's. */
  markIdle(tid: number): void {
    const n = this.read(tid);
    if (n !== undefined) this.idle.set(tid, n);
  }

  /** Faults of thread `tid` since its worker's last task ended (since it started, if none has); 0 if unknown. */
  sinceIdle(tid: number): number {
    const n = this.read(tid);
    return n === undefined ? 0 : Math.max(0, n - (this.idle.get(tid) ?? 0));
  }

  /** Closes the files of threads that have ended. */
  prune(): void { for (const tid of [...this.fds.keys()]) this.read(tid); }

  /** The thread's minor faults so far, or undefined if `tid` is no live thread of this process. */
  read(tid: number): number | undefined {
    if (!Number.isInteger(tid) || tid <= 0) return undefined;
    let fd = this.fds.get(tid);
    try {
      if (fd === undefined) { fd = openSync(`/proc/self/task/${tid}/stat`, 'r'); this.fds.set(tid, fd); }
      const n = readSync(fd, this.buf, 0, this.buf.length, 0);
      // "tid (comm) state ppid pgrp session tty tpgid flags minflt ...": comm may hold spaces and parentheses.
      const text = this.buf.toString('latin1', 0, n);
      const minflt = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[7]);
      return Number.isFinite(minflt) ? minflt : undefined;
    } catch {
      this.forget(tid); // the thread has ended (reads of its file now fail)
      return undefined;
    }
  }

  forget(tid: number): void {
    this.idle.delete(tid);
    const fd = this.fds.get(tid);
    if (fd === undefined) return;
    this.fds.delete(tid);
    try { closeSync(fd); } catch { /* already gone */ }
  }

  closeAll(): void { for (const tid of [...this.fds.keys()]) this.forget(tid); }
}
