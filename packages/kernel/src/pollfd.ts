// Poll objects (fd_create1(POLL)) and poll_fd: a persistent, kqueue-like set of subscriptions keyed by
// (type, fd) for fd and process events and by identifier for clocks. Flags: ADD adds or updates, DELETE
// removes (ENOENT if absent), ENABLE/DISABLE switch delivery, ONESHOT deletes after one delivery, CLEAR
// makes an fd subscription edge-triggered: after a delivery it fires again only once its readiness has
// changed (dropped to not-ready, or nbytes grew). Clock subscriptions fire once and are removed.
import { E, EVENTTYPE, FILETYPE, SUBFLAGS } from './abi/index.js';
import type { Kernel } from './kernel.js';
import { KObject } from './object.js';
import { checkFdSub, clockDeadline, clockEvent, isFdSub, type Ev, type Sub } from './poll.js';
import type { Process } from './proc.js';
import { WaitQueue } from './wait.js';

interface Entry { sub: Sub; enabled: boolean; deadline?: bigint; lastNbytes?: bigint; delivered: boolean }

export class PollObject extends KObject {
  readonly type = FILETYPE.POLL;
  private entries = new Map<string, Entry>();

  constructor(kernel: Kernel) { super(kernel); }

  get count(): number { return this.entries.size; }

  private key(s: Sub): string {
    return s.type === EVENTTYPE.CLOCK ? `c:${s.identifier}` : `${s.type}:${s.fd}`;
  }

  /** Applies a change list; returns an error event per failed change. */
  modify(proc: Process, subs: Sub[]): Ev[] {
    const errs: Ev[] = [];
    for (const s of subs) {
      const e = this.change(proc, s);
      if (e) errs.push({ userdata: s.userdata, error: e, type: s.type, fd: s.fd, identifier: s.identifier });
    }
    return errs;
  }

  private change(proc: Process, s: Sub): number {
    const known = SUBFLAGS.ADD | SUBFLAGS.CLEAR | SUBFLAGS.DELETE | SUBFLAGS.DISABLE | SUBFLAGS.ENABLE | SUBFLAGS.ONESHOT;
    if ((s.flags & ~known) !== 0) return E.INVAL;
    if (s.type !== EVENTTYPE.CLOCK && !isFdSub(s.type)) return E.INVAL;
    const k = this.key(s);
    const cur = this.entries.get(k);
    if (s.flags & SUBFLAGS.DELETE) return cur ? (this.entries.delete(k), 0) : E.NOENT;
    if (s.flags & SUBFLAGS.ADD) {
      if (isFdSub(s.type) && typeof proc.fds.get(s.fd, 0n) === 'number') return E.BADF;
      let deadline: bigint | undefined;
      if (s.type === EVENTTYPE.CLOCK) {
        const d = clockDeadline(this.kernel, s);
        if (typeof d === 'number') return d;
        deadline = d;
      }
      this.entries.set(k, { sub: s, enabled: !(s.flags & SUBFLAGS.DISABLE), deadline, delivered: false });
      return 0;
    }
    if (!cur) return E.NOENT;
    if (s.flags & SUBFLAGS.ENABLE) cur.enabled = true;
    if (s.flags & SUBFLAGS.DISABLE) cur.enabled = false;
    return 0;
  }

  /** Up to `max` fired events; fills `queues` with what to wait on when none fired. */
  collect(proc: Process, max: number, queues: WaitQueue[]): Ev[] {
    const evs: Ev[] = [];
    queues.length = 0;
    const now = this.kernel.monotonic();
    for (const [k, e] of this.entries) {
      if (evs.length >= max) break;
      if (!e.enabled) continue;
      if (e.sub.type === EVENTTYPE.CLOCK) {
        if (e.deadline! <= now) { evs.push(clockEvent(e.sub)); this.entries.delete(k); }
        continue;
      }
      const r = checkFdSub(proc, e.sub);
      if (r instanceof WaitQueue) { e.delivered = false; queues.push(r); continue; }
      if (e.sub.flags & SUBFLAGS.CLEAR && e.delivered && r.error === 0 && (r.nbytes ?? 0n) <= (e.lastNbytes ?? 0n)) continue;
      e.delivered = true;
      e.lastNbytes = r.nbytes;
      evs.push(r);
      if (e.sub.flags & SUBFLAGS.ONESHOT) this.entries.delete(k);
    }
    return evs;
  }

  /** The earliest clock deadline in the set. */
  nextDeadline(): bigint | undefined {
    let d: bigint | undefined;
    for (const e of this.entries.values()) if (e.enabled && e.deadline !== undefined && (d === undefined || e.deadline < d)) d = e.deadline;
    return d;
  }
}

export const isPollObject = (o: KObject): o is PollObject => o instanceof PollObject;
