// The shapes the tmpfs core hands back, and its one Result convention (restated in index.ts).
//
// Result convention: an operation that produces a value returns `T | Errno`, where T is never a plain number
// (values are objects, Uint8Arrays or bigints), so `typeof r === 'number'` (or `isErrno(r)`) means failure and
// r is an errno from '@cosix/kernel/abi' (`E`), never 0. An operation that produces nothing returns an `Errno`
// alone: E.SUCCESS (0) on success. Nothing in this package throws for a caller's mistake; a throw means an
// internal invariant is broken (a bug), and names the function and the rule.

/** A CloudABI errno number (`E.NOENT` ...). */
export type Errno = number;

/** A value or an errno; see the convention above. */
export type Result<T extends object | bigint> = T | Errno;

export function isErrno(r: unknown): r is Errno {
  return typeof r === 'number';
}

/** A path argument: bytes as they came from the caller, or a string (encoded as UTF-8). */
export type PathArg = Uint8Array | string;

/** cloudabi_filestat_t, with the device id the filesystem was constructed with. */
export interface Filestat {
  dev: bigint;
  ino: bigint;
  filetype: number; // FILETYPE.*
  nlink: number;
  size: bigint;
  atim: bigint; // nanoseconds, from the injected clock
  mtim: bigint;
  ctim: bigint;
}

/** One directory entry as file_readdir reports it; `next` is the cookie that resumes after this entry. */
export interface Dirent {
  name: Uint8Array;
  ino: bigint;
  type: number; // FILETYPE.*
  next: bigint;
}

/** What a successful open returns: the inode (now holding one more reference) and its type. */
export interface Opened {
  ino: bigint;
  type: number;
}

/** The times and size file_stat_put / file_stat_fput may set; which are used is chosen by FSFLAGS. */
export interface StatPut {
  atim?: bigint;
  mtim?: bigint;
  size?: bigint;
}

/** Space accounting, for the daemon's statistics and for tests. */
export interface Usage {
  used: number; // bytes charged: INODE_COST per live inode + allocated chunks + symlink targets
  limit: number; // the configured budget (Infinity when unlimited)
  inodes: number; // live inodes, including unlinked ones still referenced
}
