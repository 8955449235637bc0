// File data by inode: fd_pread, fd_pwrite (and O_APPEND), file_allocate, file_advise, fd_sync, fd_datasync.
// Writes are all-or-nothing: the chunks a write needs are charged before any byte is copied, so ENOSPC
// (or EFBIG) leaves the file exactly as it was. Directories are EISDIR; other non-regular inodes EINVAL.
import { ADVICE, E, FILETYPE } from '@cosix/kernel/abi';
import type { FileInode, Inode, InodeTable } from './inode.js';
import { modified } from './names.js';
import { CHUNK_SIZE, MAX_FILE_SIZE } from './params.js';
import type { Errno } from './types.js';

const MAX = BigInt(MAX_FILE_SIZE);
const ADVICES = new Set<number>(Object.values(ADVICE));

function regular(n: Inode): FileInode | Errno {
  if (n.type === FILETYPE.REGULAR_FILE) return n;
  return n.type === FILETYPE.DIRECTORY ? E.ISDIR : E.INVAL;
}

/**
 * Up to `len` bytes at `off` (fewer at the end of the file, none beyond it), into `into` when given (it
 * must hold `len` bytes). Updates atim.
 */
export function pread(t: InodeTable, n: Inode, off: bigint, len: number, into?: Uint8Array): Uint8Array | Errno {
  const f = regular(n);
  if (typeof f === 'number') return f;
  if (off < 0n || !Number.isSafeInteger(len) || len < 0) return E.INVAL;
  f.atim = t.now();
  if (off >= BigInt(f.data.size)) return new Uint8Array(0);
  if (into && into.length >= len) return into.subarray(0, f.data.readInto(Number(off), into.subarray(0, len)));
  return f.data.read(Number(off), len);
}

/** Writes all of `data` at `off`, or nothing. Returns the end offset (off + data.length). */
export function pwrite(t: InodeTable, n: Inode, off: bigint, data: Uint8Array): bigint | Errno {
  const f = regular(n);
  if (typeof f === 'number') return f;
  if (off < 0n) return E.INVAL;
  const end = off + BigInt(data.length);
  if (end > MAX) return E.FBIG;
  if (data.length === 0) return end; // POSIX: a zero-length write changes nothing
  const o = Number(off);
  if (!t.charge(f.data.missing(o, o + data.length) * CHUNK_SIZE)) return E.NOSPC;
  f.data.write(o, data);
  modified(t, f);
  return end;
}

/** O_APPEND: writes at the current end of the file. Returns the new end offset. */
export function append(t: InodeTable, n: Inode, data: Uint8Array): bigint | Errno {
  const f = regular(n);
  if (typeof f === 'number') return f;
  return pwrite(t, f, BigInt(f.data.size), data);
}

/**
 * file_allocate: reserves the space of [off, off + len) (its chunks are allocated as zeros, so later writes
 * there cannot fail with ENOSPC) and grows the size to off + len if smaller. len 0 is EINVAL, as for
 * posix_fallocate.
 */
export function allocate(t: InodeTable, n: Inode, off: bigint, len: bigint): Errno {
  const f = regular(n);
  if (typeof f === 'number') return f;
  if (off < 0n || len <= 0n) return E.INVAL;
  if (off + len > MAX) return E.FBIG;
  const o = Number(off), end = Number(off + len);
  if (!t.charge(f.data.missing(o, end) * CHUNK_SIZE)) return E.NOSPC;
  const before = f.data.size;
  f.data.reserve(o, end);
  if (f.data.size !== before) modified(t, f);
  return E.SUCCESS;
}

/** file_advise: the advice is validated and otherwise ignored (all data is in memory). */
export function advise(n: Inode, off: bigint, len: bigint, advice: number): Errno {
  if (!ADVICES.has(advice) || off < 0n || len < 0n) return E.INVAL;
  return isDirOrFile(n) ? E.SUCCESS : E.INVAL;
}

function isDirOrFile(n: Inode): boolean {
  return n.type === FILETYPE.REGULAR_FILE || n.type === FILETYPE.DIRECTORY;
}
