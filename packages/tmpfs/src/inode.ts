// Inodes and the inode table (xv6's itable): allocation, lookup by number, the space budget, and freeing.
// An inode lives while it has a name (nlink > 0) or a reference (refs > 0, an open handle of the daemon);
// when both reach zero it is freed and everything it charged returns to the budget.
// Budget charges: INODE_COST per live inode, CHUNK_SIZE per allocated file chunk, a symlink's target bytes.
import { E, FILETYPE } from '@cosix/kernel/abi';
import { DirEntries } from './dir.js';
import { FileData } from './file.js';
import { FIRST_INO, INODE_COST } from './params.js';
import type { Errno } from './types.js';

interface Common {
  readonly ino: bigint;
  nlink: number; // names (a directory: 2 + subdirectories while it has a name, 0 once removed)
  refs: number; // handles held by the daemon (ref/unref)
  atim: bigint;
  mtim: bigint;
  ctim: bigint;
}
export interface DirInode extends Common {
  readonly type: typeof FILETYPE.DIRECTORY;
  readonly entries: DirEntries<Inode>;
  parent: DirInode; // the directory holding its name ('..'); the root is its own parent
}
export interface FileInode extends Common {
  readonly type: typeof FILETYPE.REGULAR_FILE;
  readonly data: FileData;
}
export interface LinkInode extends Common {
  readonly type: typeof FILETYPE.SYMBOLIC_LINK;
  readonly target: Uint8Array;
}
export interface SockInode extends Common {
  readonly type: typeof FILETYPE.SOCKET_STREAM | typeof FILETYPE.SOCKET_DGRAM;
}
export type Inode = DirInode | FileInode | LinkInode | SockInode;
export type SockType = SockInode['type'];

export const isDir = (n: Inode | undefined): n is DirInode => n?.type === FILETYPE.DIRECTORY;

export class InodeTable {
  private readonly live = new Map<bigint, Inode>();
  private nextIno = FIRST_INO;
  /** Bytes charged to the budget. */
  used = 0;

  constructor(readonly limit: number, readonly linkMax: number, readonly now: () => bigint) {}

  get count(): number {
    return this.live.size;
  }

  get(ino: bigint): Inode | undefined {
    return this.live.get(ino);
  }

  values(): IterableIterator<Inode> {
    return this.live.values();
  }

  /** Charges `bytes` to the budget if they fit; false (nothing charged) if not. */
  charge(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    if (bytes > this.used) throw new Error(`InodeTable.release: releasing ${bytes} of ${this.used} charged bytes`);
    this.used -= bytes;
  }

  /** A directory in `parent`; its nlink is set when it is named. */
  newDir(parent: DirInode): DirInode | Errno {
    return this.alloc(INODE_COST, (c) => ({ ...c, type: FILETYPE.DIRECTORY, entries: new DirEntries<Inode>(), parent }));
  }

  /** The root directory: its own parent, named by the mount (nlink 2), charged even beyond the limit. */
  newRoot(): DirInode {
    const root = this.alloc(INODE_COST, (c) => {
      const d: DirInode = { ...c, nlink: 2, type: FILETYPE.DIRECTORY, entries: new DirEntries<Inode>(), parent: undefined! };
      d.parent = d;
      return d;
    }, true);
    if (typeof root === 'number') throw new Error('InodeTable.newRoot: a forced allocation failed');
    return root;
  }

  newFile(): FileInode | Errno {
    return this.alloc(INODE_COST, (c) => ({ ...c, type: FILETYPE.REGULAR_FILE, data: new FileData() }));
  }

  newSymlink(target: Uint8Array): LinkInode | Errno {
    return this.alloc(INODE_COST + target.length, (c) => ({ ...c, type: FILETYPE.SYMBOLIC_LINK, target: target.slice() }));
  }

  newSocket(type: SockType): SockInode | Errno {
    return this.alloc(INODE_COST, (c) => ({ ...c, type }));
  }

  /** Frees `n` if it has neither a name nor a reference. */
  maybeFree(n: Inode): void {
    if (n.nlink > 0 || n.refs > 0 || this.live.get(n.ino) !== n) return;
    this.live.delete(n.ino);
    this.release(chargeOf(n));
    if (n.type === FILETYPE.REGULAR_FILE) n.data.clear();
  }

  private alloc<T extends Inode>(cost: number, make: (c: Common) => T, force = false): T | Errno {
    if (force) this.used += cost;
    else if (!this.charge(cost)) return E.NOSPC;
    const t = this.now();
    const n = make({ ino: this.nextIno++, nlink: 0, refs: 0, atim: t, mtim: t, ctim: t });
    this.live.set(n.ino, n);
    return n;
  }
}

/** Everything inode `n` has charged to the budget. */
export function chargeOf(n: Inode): number {
  if (n.type === FILETYPE.REGULAR_FILE) return INODE_COST + n.data.allocated;
  if (n.type === FILETYPE.SYMBOLIC_LINK) return INODE_COST + n.target.length;
  return INODE_COST;
}
