// A consistency check of the whole tree, for tests and for the daemon's self-test: every invariant the
// other modules maintain, recomputed from scratch. Returns the broken ones (empty when all hold).
//   - every entry names a live inode; a directory appears in exactly one entry and its parent is that one;
//   - a directory's nlink is 2 + its subdirectories; a non-directory's nlink is its number of entries;
//   - a live inode without a name has nlink 0 and at least one reference (otherwise it leaked);
//   - file data keeps its invariants (file.ts); the budget's `used` is the sum of what live inodes charge.
import { type DirInode, type Inode, type InodeTable, chargeOf, isDir } from './inode.js';
import { FILETYPE } from '@cosix/kernel/abi';

export function fsck(t: InodeTable, root: DirInode): string[] {
  const problems: string[] = [];
  const names = new Map<Inode, number>();
  const dirs = new Set<DirInode>([root]);
  for (const work = [root]; work.length > 0;) {
    const dir = work.pop()!;
    let subdirs = 0;
    for (const [name, child] of dir.entries.entries()) {
      if (t.get(child.ino) !== child) problems.push(`entry ${JSON.stringify(name)} of ${dir.ino} names freed inode ${child.ino}`);
      if (!isDir(child)) {
        names.set(child, (names.get(child) ?? 0) + 1);
        continue;
      }
      subdirs++;
      if (dirs.has(child)) problems.push(`directory ${child.ino} has two entries`);
      if (child.parent !== dir) problems.push(`directory ${child.ino}: '..' is ${child.parent.ino}, entry is in ${dir.ino}`);
      dirs.add(child);
      work.push(child);
    }
    if (dir.nlink !== 2 + subdirs) problems.push(`directory ${dir.ino}: nlink ${dir.nlink}, expected ${2 + subdirs}`);
  }
  problems.push(...checkInodes(t, dirs, names));
  return problems;
}

function checkInodes(t: InodeTable, dirs: Set<DirInode>, names: Map<Inode, number>): string[] {
  const problems: string[] = [];
  let charged = 0;
  for (const n of t.values()) {
    charged += chargeOf(n);
    const named = isDir(n) ? dirs.has(n) : names.has(n);
    if (!named && n.nlink !== 0) problems.push(`inode ${n.ino}: unreachable with nlink ${n.nlink}`);
    if (!named && n.refs === 0) problems.push(`inode ${n.ino}: no name and no reference, but not freed`);
    if (named && !isDir(n) && n.nlink !== names.get(n)) problems.push(`inode ${n.ino}: nlink ${n.nlink}, names ${names.get(n)}`);
    const bad = n.type === FILETYPE.REGULAR_FILE ? n.data.check() : undefined;
    if (bad) problems.push(`inode ${n.ino}: ${bad}`);
  }
  if (charged !== t.used) problems.push(`space: ${t.used} bytes charged, live inodes account for ${charged}`);
  return problems;
}
