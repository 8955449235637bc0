// Tmpfs: one in-memory filesystem instance. Its methods are the CloudABI file_* and fd_* operations a daemon
// serves on pseudo fds, addressed by inode number (a handle's inode) and, for path operations, by the inode
// of the directory the path is relative to. The kernel has checked rights before a request gets here; this
// class implements semantics only. It is synchronous and has no kernel or I/O dependency: time comes from
// the injected `now`, and nothing here blocks.
//
// Lifetime: an inode lives while it has a name or a reference. `open` takes a reference; `ref` takes one
// for any other handle the daemon keeps (the root directory's, a duplicated one); `unref` gives one back.
// A file unlinked while referenced keeps working and is freed, its space returned, at the last unref.
//
// Errors. Every path operation can fail with the path errors (PATH below); each method's comment lists the
// others. Each listed error is provoked by a test beside this file.
//   PATH: EBADF (`dir` names no live inode), ENOTDIR (`dir` or a middle component is not a directory, or a
//         trailing '/' on a non-directory), ENOENT (a missing component, an empty path), EINVAL (a NUL byte,
//         unknown lookup flags), ENAMETOOLONG (path > PATH_MAX or component > NAME_MAX bytes), ENOTCAPABLE
//         (absolute path, '..' or a symlink leaving the start directory), ELOOP (more than SYMLOOP_MAX links).
//   By inode: EBADF when `ino` names no live inode.
import { E, FILETYPE, LOOKUP } from '@cosix/kernel/abi';
import { setAttrs, statOf } from './attr.js';
import { advise, allocate, append, pread, pwrite } from './data.js';
import { fsck } from './fsck.js';
import { type DirInode, type Inode, InodeTable } from './inode.js';
import * as ns from './namespace.js';
import { lookup } from './path.js';
import { LINK_MAX } from './params.js';
import { rename } from './rename.js';
import type { Dirent, Errno, Filestat, Opened, PathArg, Result, StatPut, Usage } from './types.js';

export interface TmpfsOptions {
  dev?: bigint; // device id reported in every stat (default 0; served through a pseudo pair, the kernel sets its own)
  now: () => bigint; // realtime clock, nanoseconds
  limit?: number; // space budget in bytes (default: unlimited); see inode.ts for what is charged
  linkMax?: number; // largest nlink, beyond which new names are EMLINK (default LINK_MAX)
}

export class Tmpfs {
  readonly dev: bigint;
  /** Inode number of the root directory. */
  readonly root: bigint;
  private readonly table: InodeTable;
  private readonly rootDir: DirInode;

  constructor(opts: TmpfsOptions) {
    this.dev = opts.dev ?? 0n;
    this.table = new InodeTable(opts.limit ?? Infinity, opts.linkMax ?? LINK_MAX, opts.now);
    this.rootDir = this.table.newRoot(); // charged even if the limit is smaller: then every allocation is ENOSPC
    this.root = this.rootDir.ino;
  }

  // --- Handles ---

  /** Takes a reference to a live inode (one per handle the daemon keeps). EBADF. */
  ref(ino: bigint): Errno {
    const n = this.table.get(ino);
    if (!n) return E.BADF;
    n.refs++;
    return E.SUCCESS;
  }

  /** Gives a reference back; frees the inode if that was the last one and it has no name. EBADF, EINVAL. */
  unref(ino: bigint): Errno {
    const n = this.table.get(ino);
    if (!n) return E.BADF;
    if (n.refs === 0) return E.INVAL; // the daemon holds no reference to give back
    n.refs--;
    this.table.maybeFree(n);
    return E.SUCCESS;
  }

  // --- Namespace (paths relative to the directory inode `dir`) ---

  /**
   * file_open; takes a reference on the inode returned. PATH, EINVAL (unknown oflags, CREAT|DIRECTORY),
   * ENOENT (missing without CREAT; the directory was removed), EEXIST (CREAT|EXCL), ENOTDIR (DIRECTORY on a
   * non-directory), EISDIR (CREAT or TRUNC on a directory), ELOOP (a final symlink without FOLLOW), ENOSPC.
   */
  open(dir: bigint, path: PathArg, oflags: number, lookupflags: number): Result<Opened> {
    return this.withDir(dir, (d) => ns.open(this.table, d, path, oflags, lookupflags));
  }

  /** file_create of a directory or socket node. PATH, EINVAL (other types), EEXIST, EMLINK, ENOSPC. */
  create(dir: bigint, path: PathArg, type: number): Errno {
    return this.withDir(dir, (d) => ns.create(this.table, d, path, type));
  }

  /** file_link. PATH (either path), EPERM (a directory), EEXIST, EMLINK. */
  link(dir1: bigint, path1: PathArg, lookupflags: number, dir2: bigint, path2: PathArg): Errno {
    return this.withDir(dir1, (d1) => this.withDir(dir2, (d2) => ns.link(this.table, d1, path1, lookupflags, d2, path2)));
  }

  /** file_rename. PATH, EBUSY ('.' or '..'), ENOTDIR, EISDIR, ENOTEMPTY, EINVAL (into its subtree), EMLINK. */
  rename(dir1: bigint, path1: PathArg, dir2: bigint, path2: PathArg): Errno {
    return this.withDir(dir1, (d1) => this.withDir(dir2, (d2) => rename(this.table, d1, path1, d2, path2)));
  }

  /** file_symlink. PATH, ENOENT/EINVAL/ENAMETOOLONG (empty, NUL, overlong target), EEXIST, ENOSPC. */
  symlink(target: PathArg, dir: bigint, path: PathArg): Errno {
    return this.withDir(dir, (d) => ns.symlink(this.table, target, d, path));
  }

  /** file_readlink: the whole target. PATH, EINVAL (not a symlink). */
  readlink(dir: bigint, path: PathArg): Result<Uint8Array> {
    return this.withDir(dir, (d) => ns.readlink(d, path));
  }

  /** file_unlink. PATH, EINVAL (bad flags, rmdir '.'), EISDIR, ENOTDIR, ENOTEMPTY (also rmdir '..'). */
  unlink(dir: bigint, path: PathArg, ulflags: number): Errno {
    return this.withDir(dir, (d) => ns.unlink(this.table, d, path, ulflags));
  }

  /** Up to `max` entries of directory `dir` from `cookie` (0 = the start). EBADF, ENOTDIR, ENOENT (removed). */
  readdir(dir: bigint, cookie: bigint, max = Infinity): Result<Dirent[]> {
    return this.withDir(dir, (d) => ns.readdir(this.table, d, cookie, max));
  }

  // --- Attributes ---

  /** file_stat_get. PATH. */
  stat(dir: bigint, path: PathArg, lookupflags: number): Result<Filestat> {
    return this.withPath(dir, path, lookupflags, (n) => statOf(this.dev, n));
  }

  /** file_stat_fget. EBADF. */
  statFget(ino: bigint): Result<Filestat> {
    return this.withInode(ino, (n) => statOf(this.dev, n));
  }

  /** file_stat_put: times only (FSFLAGS.SIZE is EINVAL by path, as in CloudABI). PATH, EINVAL (flags). */
  statPut(dir: bigint, path: PathArg, lookupflags: number, st: StatPut, fsflags: number): Errno {
    return this.withPath(dir, path, lookupflags, (n) => setAttrs(this.table, n, st, fsflags, false));
  }

  /** file_stat_fput: times and size (truncating, or extending with a hole). EBADF, EINVAL, EISDIR, EFBIG. */
  statFput(ino: bigint, st: StatPut, fsflags: number): Errno {
    return this.withInode(ino, (n) => setAttrs(this.table, n, st, fsflags, true));
  }

  // --- Data (regular files) ---

  /**
   * fd_pread: up to `len` bytes, in a new buffer or, when given, at the start of `into` (which must hold
   * `len` bytes; the result is then a view of it). EBADF, EISDIR, EINVAL (not a regular file; negative
   * offset or length).
   */
  pread(ino: bigint, off: bigint, len: number, into?: Uint8Array): Result<Uint8Array> {
    return this.withInode(ino, (n) => pread(this.table, n, off, len, into));
  }

  /** fd_pwrite: all of `data` at `off`, or nothing; returns the end offset. As pread, and EFBIG, ENOSPC. */
  pwrite(ino: bigint, off: bigint, data: Uint8Array): Result<bigint> {
    return this.withInode(ino, (n) => pwrite(this.table, n, off, data));
  }

  /** Writes at the end of the file (O_APPEND); returns the new size. As pwrite. */
  append(ino: bigint, data: Uint8Array): Result<bigint> {
    return this.withInode(ino, (n) => append(this.table, n, data));
  }

  /** file_allocate. EBADF, EISDIR, EINVAL (not a regular file, len 0), EFBIG, ENOSPC. */
  allocate(ino: bigint, off: bigint, len: bigint): Errno {
    return this.withInode(ino, (n) => allocate(this.table, n, off, len));
  }

  /** file_advise. EBADF, EINVAL (unknown advice, negative range, not a file or directory). */
  advise(ino: bigint, off: bigint, len: bigint, advice: number): Errno {
    return this.withInode(ino, (n) => advise(n, off, len, advice));
  }

  /** fd_sync and fd_datasync: memory is the medium, so there is nothing to flush. EBADF. */
  sync(ino: bigint): Errno {
    return this.withInode(ino, () => E.SUCCESS);
  }

  datasync(ino: bigint): Errno {
    return this.sync(ino);
  }

  // --- Whole filesystem ---

  usage(): Usage {
    return { used: this.table.used, limit: this.table.limit, inodes: this.table.count };
  }

  /** Every broken invariant of the tree (fsck.ts); empty when consistent. */
  fsck(): string[] {
    return fsck(this.table, this.rootDir);
  }

  private withInode<T>(ino: bigint, f: (n: Inode) => T | Errno): T | Errno {
    const n = this.table.get(ino);
    return n ? f(n) : E.BADF;
  }

  private withDir<T>(ino: bigint, f: (d: DirInode) => T | Errno): T | Errno {
    const n = this.table.get(ino);
    if (!n) return E.BADF;
    return n.type === FILETYPE.DIRECTORY ? f(n) : E.NOTDIR;
  }

  private withPath<T>(dir: bigint, path: PathArg, lookupflags: number, f: (n: Inode) => T | Errno): T | Errno {
    if ((lookupflags & ~LOOKUP.SYMLINK_FOLLOW) !== 0) return E.INVAL;
    return this.withDir(dir, (d) => {
      const n = lookup(d, path, (lookupflags & LOOKUP.SYMLINK_FOLLOW) !== 0);
      return typeof n === 'number' ? n : f(n);
    });
  }
}
