// The per-process descriptor table: fd number -> {description, base rights, inheriting rights}. Every lookup
// goes through `get`, which checks existence and rights together (Zircon's GetDispatcherWithRights): EBADF
// for no such fd, ENOTCAPABLE for a missing right. Rights only ever shrink.
import { E } from './abi/index.js';
import type { Description, KObject } from './object.js';
import { MAX_FDS } from './params.js';

export interface Fd {
  readonly desc: Description;
  base: bigint;
  inheriting: bigint;
}

export class FdTable {
  private readonly fds = new Map<number, Fd>();

  get count(): number { return this.fds.size; }
  entries(): IterableIterator<[number, Fd]> { return this.fds.entries(); }

  /** The fd with every right in `rights`, or an errno. */
  get(fd: number, rights: bigint): Fd | number {
    const f = this.fds.get(fd);
    if (!f) return E.BADF;
    if ((f.base & rights) !== rights) return E.NOTCAPABLE;
    return f;
  }

  /** Like get, and the object must satisfy `isType` (else `typeErr`). */
  getObj<T extends KObject>(fd: number, rights: bigint, isType: (o: KObject) => o is T, typeErr: number): [Fd, T] | number {
    const f = this.get(fd, 0n);
    if (typeof f === 'number') return f;
    if (!isType(f.desc.obj)) return typeErr;
    if ((f.base & rights) !== rights) return E.NOTCAPABLE;
    return [f, f.desc.obj];
  }

  /** Installs at the lowest free number; EMFILE when full. Takes a reference on `desc`. */
  install(desc: Description, base: bigint, inheriting: bigint): number {
    if (this.fds.size >= MAX_FDS) return -E.MFILE;
    let n = 0;
    while (this.fds.has(n)) n++;
    this.fds.set(n, { desc: desc.ref(), base, inheriting });
    return n;
  }

  /** Copies every entry of `other` to the same numbers (fork: the child sees the parent's fd numbers). */
  copyFrom(other: FdTable): void {
    for (const [n, f] of other.fds) this.fds.set(n, { desc: f.desc.ref(), base: f.base, inheriting: f.inheriting });
  }

  /** Puts a copy of `from` at number `to` (closing what was there). */
  replace(to: number, from: Fd): void {
    const old = this.fds.get(to);
    this.fds.set(to, { desc: from.desc.ref(), base: from.base, inheriting: from.inheriting });
    old?.desc.unref();
  }

  close(fd: number): number {
    const f = this.fds.get(fd);
    if (!f) return E.BADF;
    this.fds.delete(fd);
    f.desc.unref();
    return 0;
  }

  closeAll(): void {
    const all = [...this.fds.values()];
    this.fds.clear();
    for (const f of all) f.desc.unref();
  }
}
