// Adding and removing directory entries, with the nlink and timestamp bookkeeping every namespace operation
// shares. nlink: a non-directory counts its names; a named directory has 2 + its subdirectories ('.' and its
// entry in the parent, plus each child's '..'), and 0 once removed. Adding or removing an entry updates the
// directory's mtim and ctim; a change of an inode's link count updates its ctim (POSIX).
import { E } from '@cosix/kernel/abi';
import { type DirInode, type Inode, type InodeTable, isDir } from './inode.js';
import type { Errno } from './types.js';

/** Sets mtim and ctim of a directory whose entries changed (or a file whose data changed). */
export function modified(t: InodeTable, n: Inode): void {
  n.mtim = n.ctim = t.now();
}

/** EMLINK if one more name for the non-directory `node` would exceed the table's link limit. */
export function roomForLink(t: InodeTable, node: Inode): Errno {
  return node.nlink >= t.linkMax ? E.MLINK : E.SUCCESS;
}

/** EMLINK if one more subdirectory (one more '..' link) in `parent` would exceed the link limit. */
export function roomForSubdir(t: InodeTable, parent: DirInode): Errno {
  return parent.nlink >= t.linkMax ? E.MLINK : E.SUCCESS;
}

/** Enters `node` in `parent` under the new key `name`. */
export function addName(t: InodeTable, parent: DirInode, name: string, node: Inode): void {
  parent.entries.set(name, node);
  if (isDir(node)) {
    node.parent = parent;
    node.nlink = 2;
    parent.nlink++;
  } else {
    node.nlink++;
  }
  modified(t, parent);
  node.ctim = parent.mtim;
}

/** Drops one name of `node` (its entry has already left the directory `parent`); frees it if unreferenced. */
export function dropName(t: InodeTable, parent: DirInode, node: Inode): void {
  if (isDir(node)) {
    node.nlink = 0;
    parent.nlink--;
  } else {
    node.nlink--;
  }
  node.ctim = t.now();
  t.maybeFree(node);
}

/** Removes the entry `name` (naming `node`) from `parent`. */
export function removeName(t: InodeTable, parent: DirInode, name: string, node: Inode): void {
  if (!parent.entries.delete(name)) throw new Error('removeName: the entry is not in its directory');
  modified(t, parent);
  dropName(t, parent, node);
}

/** True if `dir` is `a` or lies below it (walking '..' up to the root). */
export function isWithin(dir: DirInode, a: DirInode): boolean {
  for (let d = dir; ; d = d.parent) {
    if (d === a) return true;
    if (d.parent === d) return false;
  }
}
