// The blocking framework. A syscall that cannot finish now registers its thread on one or more WaitQueues,
// with an optional deadline, and gives a `retry` function. Any wake of any of those queues (or the deadline)
// unhooks the waiter from all of them and queues `retry` on the kernel's run queue; `retry` either completes
// the syscall or blocks again. Killing a thread cancels its waiter, so nothing stays queued after exit.
// Called only on the kernel thread.
import type { TimerHandle, TimerQueue } from '@cosix/hw';

export type Retry = (timedOut: boolean) => void;

export class Waiter {
  queues: WaitQueue[] = [];
  timer: TimerHandle | undefined;
  active = true;
  constructor(readonly sched: Scheduler, readonly retry: Retry) {}
}

export class WaitQueue {
  private waiters = new Set<Waiter>();

  get size(): number { return this.waiters.size; }

  add(w: Waiter): void {
    this.waiters.add(w);
    w.queues.push(this);
  }

  remove(w: Waiter): void {
    this.waiters.delete(w);
  }

  /** Wakes every waiter: each retries, in registration order, after the current syscall is done. */
  wakeAll(): void {
    if (this.waiters.size === 0) return;
    for (const w of [...this.waiters]) w.sched.wake(w, false);
  }

  /** Wakes the first waiter only. */
  wakeOne(): void {
    const first = this.waiters.values().next();
    if (!first.done) first.value.sched.wake(first.value, false);
  }
}

/**
 * The kernel's run queue of retries and its deadline timers. Retries never run inside a wake: a wake happens
 * in the middle of another syscall, whose state must settle before a waiter looks at it.
 */
export class Scheduler {
  private runQueue: [Waiter, boolean][] = [];
  waiters = 0;   // live waiters (procfs, leak tests)
  timers = 0;    // armed deadlines

  constructor(readonly timerQueue: TimerQueue, private readonly onRunnable: () => void) {}

  /** Blocks on `queues` until a wake or `deadline` (monotonic ns); `retry` runs then. */
  block(queues: WaitQueue[], deadline: bigint | undefined, retry: Retry): Waiter {
    const w = new Waiter(this, retry);
    this.waiters++;
    for (const q of queues) q.add(w);
    if (deadline !== undefined) {
      this.timers++;
      w.timer = this.timerQueue.add(deadline, () => { w.timer = undefined; this.timers--; this.wake(w, true); });
    }
    return w;
  }

  wake(w: Waiter, timedOut: boolean): void {
    if (!w.active) return;
    this.cancel(w);
    this.runQueue.push([w, timedOut]);
    if (this.runQueue.length === 1) this.onRunnable();
  }

  /** Unhooks `w` from its queues and timer; it will not run. Idempotent. */
  cancel(w: Waiter): void {
    if (!w.active) return;
    w.active = false;
    this.waiters--;
    for (const q of w.queues) q.remove(w);
    w.queues = [];
    if (w.timer) {
      this.timers--;
      this.timerQueue.cancel(w.timer);
      w.timer = undefined;
    }
  }

  /** Runs every pending retry, including ones queued meanwhile; returns how many ran. */
  drain(): number {
    let n = 0;
    while (this.runQueue.length) {
      const [w, timedOut] = this.runQueue.shift()!;
      n++;
      w.retry(timedOut);
    }
    return n;
  }

  get pending(): number { return this.runQueue.length; }
}
