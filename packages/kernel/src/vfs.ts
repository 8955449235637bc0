// Read-only kernel trees (bootfs, procfs): a directory object and a file object over a tree of nodes. A
// node's contents are produced when it is opened, so procfs files are snapshots taken at open time.
import { E, FILETYPE } from './abi/index.js';
import type { Kernel } from './kernel.js';
import { Description, KObject, type Stat, KERNEL_DEV } from './object.js';
import { components, wantsDir } from './path.js';

export interface Node {
  readonly ino: bigint;
  readonly type: number;                         // FILETYPE.DIRECTORY or REGULAR_FILE
  readonly entries?: () => Map<string, Node>;    // directories
  readonly content?: () => Uint8Array;           // regular files
  readonly dev: bigint;
  readonly name?: string;                         // for files: the name it was built under (process names)
}

let nextTreeIno = 1n << 32n;
export function dirNode(dev: bigint, entries: () => Map<string, Node>): Node {
  return { ino: nextTreeIno++, type: FILETYPE.DIRECTORY, entries, dev };
}
export function fileNode(dev: bigint, content: () => Uint8Array, name?: string): Node {
  return { ino: nextTreeIno++, type: FILETYPE.REGULAR_FILE, content, dev, name };
}

/** Resolves `path` below `root`; ENOENT, ENOTDIR or ENOTCAPABLE. */
export function walk(root: Node, path: string): Node | number {
  const parts = components(path);
  if (typeof parts === 'number') return parts;
  let n = root;
  for (const c of parts) {
    if (!n.entries) return E.NOTDIR;
    const next = n.entries().get(c);
    if (!next) return E.NOENT;
    n = next;
  }
  if (wantsDir(path) && n.type !== FILETYPE.DIRECTORY) return E.NOTDIR;
  return n;
}

export function nodeStat(n: Node, size: bigint, t: bigint): Stat {
  return { dev: n.dev, ino: n.ino, filetype: n.type, nlink: 1, size, atim: t, mtim: t, ctim: t };
}

/** Anything that can be opened by path through a directory fd. */
export interface Directory {
  open(path: string, oflags: number): KObject | number;
  statPath(path: string): Stat | number;
  readdir(cookie: bigint): { name: string; ino: bigint; type: number; next: bigint }[];
}

export class TreeDir extends KObject implements Directory {
  readonly type = FILETYPE.DIRECTORY;
  constructor(kernel: Kernel, readonly node: Node) { super(kernel); }

  open(path: string, oflags: number): KObject | number {
    const n = walk(this.node, path);
    if (typeof n === 'number') return n === E.NOENT && oflags & 1 ? E.ROFS : n;
    return n.entries ? new TreeDir(this.kernel, n) : new TreeFile(this.kernel, n);
  }

  statPath(path: string): Stat | number {
    const n = walk(this.node, path);
    if (typeof n === 'number') return n;
    return nodeStat(n, n.content ? BigInt(n.content().length) : 0n, this.kernel.realtime());
  }

  readdir(cookie: bigint): { name: string; ino: bigint; type: number; next: bigint }[] {
    const all: [string, Node][] = [['.', this.node], ['..', this.node], ...[...this.node.entries!()].sort(([a], [b]) => (a < b ? -1 : 1))];
    return all.slice(Number(cookie)).map(([name, n], i) => ({ name, ino: n.ino, type: n.type, next: cookie + BigInt(i + 1) }));
  }

  override stat(): Stat { return nodeStat(this.node, 0n, this.kernel.realtime()); }
}

export class TreeFile extends KObject {
  readonly type = FILETYPE.REGULAR_FILE;
  readonly data: Uint8Array;
  constructor(kernel: Kernel, readonly node: Node) {
    super(kernel);
    this.data = node.content!();
  }

  override read(d: Description, max: number): Uint8Array | number {
    const r = this.pread(d, max, d.offset);
    if (typeof r !== 'number') d.offset += BigInt(r.length);
    return r;
  }

  override pread(_d: Description, max: number, off: bigint): Uint8Array | number {
    if (off >= BigInt(this.data.length)) return new Uint8Array(0);
    const o = Number(off);
    return this.data.slice(o, Math.min(this.data.length, o + max));
  }

  override write(): number { return -E.ROFS; }
  override pwrite(): number { return -E.ROFS; }
  override seekable(): boolean { return true; }
  override size(): bigint { return BigInt(this.data.length); }
  override stat(): Stat { return { ...nodeStat(this.node, this.size(), this.kernel.realtime()), dev: KERNEL_DEV + this.node.dev }; }
}
