/**
 * @cosix/tmpfs - the filesystem core of the tmpfs daemon: a pure, synchronous in-memory filesystem with the
 * CloudABI file_* semantics (which WASI preview1 inherited). It imports only '@cosix/kernel/abi' (errno
 * values, FILETYPE, OFLAGS, LOOKUP, ULFLAGS, FSFLAGS, ADVICE); the daemon that serves pseudo fds wraps it.
 *
 * Result convention (once, for every method): an operation that produces a value returns `T | Errno`, where
 * T is never a plain number (an object, a Uint8Array or a bigint), so `typeof r === 'number'` (or
 * `isErrno(r)`) means it failed and r is the errno (`E.*`, never 0). An operation that produces nothing
 * returns an `Errno`: E.SUCCESS (0) on success. Caller mistakes never throw; a throw is a broken internal
 * invariant. A failed operation changes nothing.
 *
 * Table of contents
 *   fs         Tmpfs: the instance and its operations, by inode number (start here)
 *   path       path checks and resolution (the confinement rules are listed at its top)
 *   namespace  open, create, link, symlink, readlink, unlink, readdir
 *   rename     rename and its edge cases
 *   attr       stat and stat_put (times, size)
 *   data       pread, pwrite, append, allocate, advise
 *   names      entry insertion and removal with nlink and timestamp bookkeeping
 *   inode      inodes, the inode table, the space budget
 *   dir        directory entries with stable readdir cookies
 *   file       sparse file data
 *   fsck       the consistency check
 *   params     every limit, in one place
 */
export { Tmpfs, type TmpfsOptions } from './fs.js';
export {
  type Dirent, type Errno, type Filestat, type Opened, type PathArg, type Result, type StatPut, type Usage, isErrno,
} from './types.js';
export * from './params.js';
export { TmpfsServer, serve, encodeStat, encodeDirents } from './daemon.js';
