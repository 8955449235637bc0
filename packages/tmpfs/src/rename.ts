// file_rename: atomic (all checks run first, then the entries change in one step), within or across
// directories, over an existing file or an empty directory. POSIX rename(2) rules, Linux errno choices:
//   - source and target naming the same inode (the same entry, or two hard links): success, nothing changes;
//   - '.' or '..' as the last component of either path: EBUSY (Linux);
//   - a directory over a non-directory: ENOTDIR; over a non-empty directory: ENOTEMPTY;
//     into itself or its own subtree: EINVAL;
//   - a non-directory over a directory: EISDIR; a trailing '/' on a non-directory: ENOTDIR.
// A replaced target keeps its readdir slot, so a reader never sees the name twice (dir.ts).
import { E } from '@cosix/kernel/abi';
import { type DirInode, type Inode, type InodeTable, isDir } from './inode.js';
import { dropName, isWithin, modified, roomForSubdir } from './names.js';
import { type Found, resolve } from './path.js';
import type { Errno, PathArg } from './types.js';

export function rename(t: InodeTable, s1: DirInode, p1: PathArg, s2: DirInode, p2: PathArg): Errno {
  const src = resolve(s1, p1, 'entry');
  if (typeof src === 'number') return src;
  const dst = resolve(s2, p2, 'entry');
  if (typeof dst === 'number') return dst;
  if (src.last !== 'name' || dst.last !== 'name') return E.BUSY;
  const node = src.node;
  if (!node) return E.NOENT;
  if (dst.slash && !isDir(node)) return E.NOTDIR;
  if (dst.node === node) return E.SUCCESS;
  if (dst.parent.nlink === 0) return E.NOENT; // the target directory was removed
  const err = isDir(node) ? canMoveDir(t, node, src, dst) : dst.node && isDir(dst.node) ? E.ISDIR : E.SUCCESS;
  if (err !== E.SUCCESS) return err;
  move(t, node, src, dst);
  return E.SUCCESS;
}

function canMoveDir(t: InodeTable, node: DirInode, src: Found, dst: Found): Errno {
  const victim = dst.node;
  if (victim && !isDir(victim)) return E.NOTDIR;
  if (victim && victim.entries.size > 0) return E.NOTEMPTY;
  if (isWithin(dst.parent, node)) return E.INVAL;
  if (!victim && dst.parent !== src.parent) return roomForSubdir(t, dst.parent);
  return E.SUCCESS;
}

/** The change itself, after every check passed: nothing here can fail. */
function move(t: InodeTable, node: Inode, src: Found, dst: Found): void {
  const victim = dst.node;
  dst.parent.entries.set(dst.name, node); // replaces a victim in place, keeping its readdir slot
  src.parent.entries.delete(src.name);
  if (isDir(node) && src.parent !== dst.parent) {
    src.parent.nlink--;
    dst.parent.nlink++;
    node.parent = dst.parent;
  }
  modified(t, src.parent);
  modified(t, dst.parent);
  node.ctim = dst.parent.mtim; // Linux updates the moved inode's ctime
  if (victim) dropName(t, dst.parent, victim);
}
