// Shared mappings of files served by daemons (tmpfs). The first MAP_SHARED mapping of a file loads its
// bytes into a SharedArrayBuffer kept per (daemon, inode); every shared mapping of that file, in any
// process, maps that same buffer, so mappings see each other's writes at once. The file itself (what
// fd_read and other readers see) gets the mapped bytes on mem_sync, which writes the range back through the
// daemon; mem_sync with INVALIDATE reloads the range from the file instead. Writes made through fd_write
// after the first mapping reach a mapping only through INVALIDATE. The buffer lives while mappings do.
// Mappings made through an fd without FD_WRITE map a mirror of the buffer instead (vm.ts): it is refreshed
// whenever the buffer is reloaded (load) and at every mem_sync of the range by any mapper (publish).
import type { Kernel } from './kernel.js';
import type { MemAccount } from './memacct.js';
import { PseudoObject, type ReverseObject } from './pseudo.js';
import { Mirrors, newBacking, type Backing, type SharedObject } from './vm.js';

export class FileCache implements SharedObject {
  readonly backing: Backing;
  readonly mirrors = new Mirrors(() => this.backing.sab);
  private refs = 0;

  /** `account` has been charged bytes.length for the buffer; it is released with the cache. */
  constructor(private readonly caches: Map<string, FileCache>, private readonly key: string, readonly file: PseudoObject, bytes: Uint8Array, private readonly account: MemAccount) {
    const sab = new SharedArrayBuffer(bytes.length);
    new Uint8Array(sab).set(bytes);
    this.backing = newBacking(sab);
    file.ref();
  }

  get size(): number { return this.backing.sab.byteLength; }
  get bytes(): Uint8Array { return new Uint8Array(this.backing.sab); }

  ref(): this { this.refs++; return this; }

  /** Puts the file's `bytes` at `off` (mem_sync INVALIDATE); read-only mappings see them at once. */
  load(bytes: Uint8Array, off: number): void {
    this.bytes.set(bytes, off);
    this.mirrors.update(off, bytes.length);
  }

  /** Mappers' stores to [off, off+len) become visible to read-only mappings (mem_sync). */
  publish(off: number, len: number): void { this.mirrors.update(off, len); }

  /** A mapping went away; the last one drops the cache and its hold on the file. */
  unref(): void {
    if (--this.refs > 0) return;
    this.caches.delete(this.key);
    this.account.uncharge(this.size);
    this.file.unref();
  }
}

/** The cache table of a kernel, keyed by daemon and inode. */
export class FileCaches {
  private readonly byKey = new Map<string, FileCache>();
  private readonly ids = new WeakMap<ReverseObject, number>();
  private nextId = 1;

  constructor(readonly kernel: Kernel) {}

  key(rev: ReverseObject, ino: bigint): string {
    let id = this.ids.get(rev);
    if (id === undefined) this.ids.set(rev, (id = this.nextId++));
    return `${id}:${ino}`;
  }

  get(key: string): FileCache | undefined { return this.byKey.get(key); }

  /** The cache for `file` (holding `bytes`), charged to `account`; undefined when the machine lacks the memory. */
  create(key: string, file: PseudoObject, bytes: Uint8Array, account: MemAccount): FileCache | undefined {
    if (!account.charge(bytes.length)) return undefined;
    const c = new FileCache(this.byKey, key, file, bytes, account);
    this.byKey.set(key, c);
    return c;
  }

  get size(): number { return this.byKey.size; }
}
