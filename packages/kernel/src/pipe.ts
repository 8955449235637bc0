// Pipes: a bounded byte ring shared by a read end and a write end (fd_create2(FIFO): fd1 reads, fd2 writes).
// A read blocks until a byte is there or every writer is gone (EOF); a write blocks until all of it fits, and
// writes of at most PIPE_ATOMIC bytes are never split. Writing with no reader left fails with EPIPE.
// The buffer grows as data comes, charged to the process that made the pipe; a write it has no memory to
// grow into fails with ENOMEM (as Linux's pipe_write does), and the buffer is freed once no reader is left.
import { E, FILETYPE } from './abi/index.js';
import type { Kernel } from './kernel.js';
import type { MemAccount } from './memacct.js';
import { Description, KObject, type Readiness } from './object.js';
import { PIPE_ATOMIC, PIPE_BUF_SIZE } from './params.js';
import { ByteRing } from './ring.js';

export class Pipe {
  readonly ring: ByteRing;
  readers = 0;
  writers = 0;
  readEnd: PipeEnd | undefined;
  writeEnd: PipeEnd | undefined;
  constructor(account: MemAccount) { this.ring = new ByteRing(PIPE_BUF_SIZE, account); }
}

export class PipeEnd extends KObject {
  readonly type = FILETYPE.FIFO;
  constructor(kernel: Kernel, readonly pipe: Pipe, readonly writing: boolean) {
    super(kernel);
    if (writing) { pipe.writers++; pipe.writeEnd = this; } else { pipe.readers++; pipe.readEnd = this; }
  }

  private get other(): PipeEnd | undefined { return this.writing ? this.pipe.readEnd : this.pipe.writeEnd; }

  override read(_d: Description, max: number): Uint8Array | number {
    if (this.writing) return -E.BADF;
    const ring = this.pipe.ring;
    if (ring.length === 0) return this.pipe.writers === 0 || max === 0 ? new Uint8Array(0) : -E.AGAIN;
    const out = ring.take(max);
    this.other?.writeQueue.wakeAll();
    return out;
  }

  override readInto(_d: Description, dst: Uint8Array[]): number {
    if (this.writing) return -E.BADF;
    const ring = this.pipe.ring;
    const want = dst.reduce((a, b) => a + b.length, 0);
    if (ring.length === 0) return this.pipe.writers === 0 || want === 0 ? 0 : -E.AGAIN;
    let n = 0;
    for (const v of dst) { n += ring.takeInto(v); if (ring.length === 0) break; }
    this.other?.writeQueue.wakeAll();
    return n;
  }

  override write(_d: Description, data: Uint8Array): number {
    if (!this.writing) return -E.BADF;
    if (this.pipe.readers === 0) return -E.PIPE;
    const ring = this.pipe.ring;
    const free = ring.capacity - ring.length;
    if (data.length <= PIPE_ATOMIC && free < data.length) return -E.AGAIN;
    if (free === 0 && data.length > 0) return -E.AGAIN;
    if (!ring.reserve(data.length) && ring.room < (data.length <= PIPE_ATOMIC ? data.length : 1)) return -E.NOMEM;
    const n = ring.put(data);
    if (n > 0) this.other?.readQueue.wakeAll();
    return n;
  }

  override readiness(_d: Description, write: boolean): Readiness {
    const ring = this.pipe.ring;
    if (write) {
      const hangup = this.pipe.readers === 0;
      const space = ring.capacity - ring.length;
      return { ready: hangup || space > 0, nbytes: space, hangup, error: hangup ? E.PIPE : undefined };
    }
    const hangup = this.pipe.writers === 0;
    return { ready: hangup || ring.length > 0, nbytes: ring.length, hangup };
  }

  protected override destroy(): void {
    if (this.writing) { this.pipe.writers--; this.pipe.writeEnd = undefined; } else { this.pipe.readers--; this.pipe.readEnd = undefined; }
    if (this.pipe.readers === 0) this.pipe.ring.release(); // nobody can read what is left
    const o = this.other;
    o?.readQueue.wakeAll();
    o?.writeQueue.wakeAll();
  }
}

/** A pipe whose buffer `account` pays for (the kernel's own by default). */
export function createPipe(kernel: Kernel, account: MemAccount = kernel.memory.kernel): [PipeEnd, PipeEnd] {
  const p = new Pipe(account);
  return [new PipeEnd(kernel, p, false), new PipeEnd(kernel, p, true)];
}
