// file_stat_get / fget and file_stat_put / fput: attributes of an inode, and setting its times and size.
// Setting is all-or-nothing: every flag and value is checked before anything changes.
import { E, FILETYPE, FSFLAGS } from '@cosix/kernel/abi';
import { type Inode, type InodeTable, isDir } from './inode.js';
import { CHUNK_SIZE, MAX_FILE_SIZE } from './params.js';
import type { Errno, Filestat, StatPut } from './types.js';

const FSFLAGS_ALL = FSFLAGS.ATIM | FSFLAGS.ATIM_NOW | FSFLAGS.MTIM | FSFLAGS.MTIM_NOW | FSFLAGS.SIZE;

export function statOf(dev: bigint, n: Inode): Filestat {
  return { dev, ino: n.ino, filetype: n.type, nlink: n.nlink, size: sizeOf(n), atim: n.atim, mtim: n.mtim, ctim: n.ctim };
}

/** Regular files: bytes; symlinks: target bytes (POSIX); directories and sockets: 0. */
function sizeOf(n: Inode): bigint {
  if (n.type === FILETYPE.REGULAR_FILE) return BigInt(n.data.size);
  if (n.type === FILETYPE.SYMBOLIC_LINK) return BigInt(n.target.length);
  return 0n;
}

/**
 * Sets the attributes FSFLAGS selects. `sizeAllowed` is false for file_stat_put: CloudABI (FreeBSD's
 * cloudabi_sys_file_stat_put) accepts only the time flags by path, so SIZE there is EINVAL; by fd it may be
 * combined with the time flags. ATIM with ATIM_NOW (or MTIM with MTIM_NOW) is EINVAL, as is a selected
 * value that is missing. Any change updates ctim; a size change also mtim.
 */
export function setAttrs(t: InodeTable, n: Inode, st: StatPut, fsflags: number, sizeAllowed: boolean): Errno {
  const err = checkAttrs(n, st, fsflags, sizeAllowed);
  if (err !== E.SUCCESS) return err;
  const now = t.now();
  if (fsflags & FSFLAGS.SIZE && n.type === FILETYPE.REGULAR_FILE) {
    t.release(n.data.resize(Number(st.size!)) * CHUNK_SIZE); // growing leaves a hole: nothing to charge
    n.mtim = now;
  }
  if (fsflags & FSFLAGS.ATIM) n.atim = st.atim!;
  else if (fsflags & FSFLAGS.ATIM_NOW) n.atim = now;
  if (fsflags & FSFLAGS.MTIM) n.mtim = st.mtim!;
  else if (fsflags & FSFLAGS.MTIM_NOW) n.mtim = now;
  if (fsflags !== 0) n.ctim = now;
  return E.SUCCESS;
}

function checkAttrs(n: Inode, st: StatPut, fsflags: number, sizeAllowed: boolean): Errno {
  if ((fsflags & ~FSFLAGS_ALL) !== 0) return E.INVAL;
  if (fsflags & FSFLAGS.ATIM && fsflags & FSFLAGS.ATIM_NOW) return E.INVAL;
  if (fsflags & FSFLAGS.MTIM && fsflags & FSFLAGS.MTIM_NOW) return E.INVAL;
  if ((fsflags & FSFLAGS.ATIM && st.atim === undefined) || (fsflags & FSFLAGS.MTIM && st.mtim === undefined)) return E.INVAL;
  if (!(fsflags & FSFLAGS.SIZE)) return E.SUCCESS;
  if (!sizeAllowed || st.size === undefined || st.size < 0n) return E.INVAL;
  if (isDir(n)) return E.ISDIR;
  if (n.type !== FILETYPE.REGULAR_FILE) return E.INVAL;
  if (st.size > BigInt(MAX_FILE_SIZE)) return E.FBIG;
  return E.SUCCESS;
}
