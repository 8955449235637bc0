// Kernel objects and open descriptions. An fd names a Description (object + flags + offset, shared by dup'd
// fds); a Description holds a reference on its KObject. Object methods never throw for bad input: they return
// an errno (as a negative number where a count is also possible). E.AGAIN means "would block": the syscall
// layer then blocks on the object's queue unless the description is non-blocking.
import { E, FDFLAGS, FILETYPE } from './abi/index.js';
import type { Kernel } from './kernel.js';
import { WaitQueue } from './wait.js';

export interface Readiness {
  ready: boolean;     // an operation would not block
  nbytes: number;     // bytes available to read / space to write
  hangup: boolean;    // the other side is gone
  error?: number;     // a pending error to report in the event
}

/** Stat fields an object reports; the syscall layer encodes them into a filestat. */
export interface Stat {
  dev: bigint; ino: bigint; filetype: number; nlink: number; size: bigint; atim: bigint; mtim: bigint; ctim: bigint;
}

let nextIno = 1n;
export const KERNEL_DEV = 0n; // st_dev of kernel-served objects (pipes, sockets, bootfs, procfs)

export abstract class KObject {
  abstract readonly type: number;
  readonly ino = nextIno++;
  readonly readQueue = new WaitQueue();   // woken when data arrives or the object hangs up
  readonly writeQueue = new WaitQueue();  // woken when space frees up or the object hangs up
  private refs = 0;

  constructor(protected readonly kernel: Kernel) { kernel.stats.objects++; }

  ref(): this { this.refs++; return this; }

  /** Drops a reference; the last one destroys the object. */
  unref(): void {
    if (--this.refs > 0) return;
    if (this.refs < 0) throw new Error(`KObject.unref: negative refcount on ${this.constructor.name}`);
    this.kernel.stats.objects--;
    this.destroy();
    this.readQueue.wakeAll();
    this.writeQueue.wakeAll();
  }

  get refCount(): number { return this.refs; }

  protected destroy(): void {}

  /** A description opened on this object was closed for good (all fds gone). */
  closeDescription(_d: Description): void {}

  read(_d: Description, _max: number): Uint8Array | number { return -E.INVAL; }
  /**
   * Optional zero-copy read: fills the views (user memory) in order; returns bytes or -errno. Objects that
   * define it are read straight into the caller's buffers; the others through read().
   */
  readInto?(d: Description, dst: Uint8Array[]): number;
  write(_d: Description, _data: Uint8Array): number { return -E.INVAL; }
  pread(_d: Description, _max: number, _off: bigint): Uint8Array | number { return -E.SPIPE; }
  pwrite(_d: Description, _data: Uint8Array, _off: bigint): number { return -E.SPIPE; }
  /** Size for SEEK_END; undefined for objects that cannot seek. */
  seekable(): boolean { return false; }
  size(): bigint { return 0n; }
  sync(): number { return 0; }
  readiness(_d: Description, _write: boolean): Readiness { return { ready: true, nbytes: 0, hangup: false }; }

  stat(): Stat {
    const t = this.kernel.realtime();
    return { dev: KERNEL_DEV, ino: this.ino, filetype: this.type, nlink: 1, size: this.size(), atim: t, mtim: t, ctim: t };
  }
}

export class Description {
  private refs = 0;
  offset = 0n;

  constructor(readonly obj: KObject, public flags: number) { obj.ref(); }

  get nonblock(): boolean { return (this.flags & FDFLAGS.NONBLOCK) !== 0; }
  get append(): boolean { return (this.flags & FDFLAGS.APPEND) !== 0; }

  ref(): this { this.refs++; return this; }

  unref(): void {
    if (--this.refs > 0) return;
    this.obj.closeDescription(this);
    this.obj.unref();
  }
}

export const isSocket = (o: KObject) => o.type === FILETYPE.SOCKET_STREAM || o.type === FILETYPE.SOCKET_DGRAM;
