// Path resolution (xv6's namei), always relative to a starting directory: the directory fd's inode.
// Rules (CloudABI, which WASI preview1 inherited; Linux where CloudABI is silent):
//   - a path is bytes; '/' separates components, empty components and '.' are skipped;
//   - an empty path is ENOENT (CloudABI and Linux: no such entry); a NUL byte is EINVAL (a C string cannot
//     carry it, so it is a malformed argument, as the kernel's decodePath also says);
//   - more than PATH_MAX bytes, or a component of more than NAME_MAX bytes, is ENAMETOOLONG;
//   - an absolute path is ENOTCAPABLE, and so is '..' at the starting directory: resolution keeps the stack
//     of directories it walked through, '..' pops it, and it may never pop the start;
//   - symlinks are followed in intermediate components always, in the last only when asked; a target is
//     resolved from the directory holding the link, under the same rules (absolute or climbing above the
//     start: ENOTCAPABLE); following more than SYMLOOP_MAX links is ELOOP;
//   - a non-directory in the middle is ENOTDIR; a trailing '/' requires the result to be a directory
//     (ENOTDIR) and, for lookups, follows a final symlink as Linux does.
// Names are arbitrary bytes other than '/' and NUL (control bytes included, as on Linux); inside the tree
// they are keyed by "byte strings" (one UTF-16 unit per byte), so non-UTF-8 names round-trip exactly.
import { E, FILETYPE, utf8Encode } from '@cosix/kernel/abi';
import { type DirInode, type Inode, type LinkInode, isDir } from './inode.js';
import { NAME_MAX, PATH_MAX, SYMLOOP_MAX } from './params.js';
import type { Errno, PathArg } from './types.js';

const SLASH = 0x2f;

/** How to treat a symlink in the last component. */
export type Mode =
  | 'follow' // follow it (LOOKUP.SYMLINK_FOLLOW)
  | 'nofollow' // return the link itself, unless the path ends in '/' (then follow, as Linux does)
  | 'entry'; // never follow: the caller creates, removes or renames the entry itself

/** Where a path led. For '.' and '..' as the last component `parent` and `node` are the directory reached. */
export interface Found {
  parent: DirInode; // the directory holding the final entry
  name: string; // the final component's key ('' for '.' and '..')
  last: 'name' | 'dot' | 'dotdot';
  node: Inode | undefined; // the entry, or undefined if the name does not exist
  slash: boolean; // the path ended in '/'
}

export function toBytes(p: PathArg): Uint8Array {
  return typeof p === 'string' ? utf8Encode(p) : p;
}

/** The key a name's bytes are stored under. */
export function keyOf(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** The bytes of a stored key. */
export function bytesOf(key: string): Uint8Array {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i);
  return out;
}

/** Checks a path (or symlink target) and splits it into component keys. */
export function splitPath(b: Uint8Array): { comps: string[]; slash: boolean } | Errno {
  if (b.length > PATH_MAX) return E.NAMETOOLONG;
  if (b.length === 0) return E.NOENT;
  if (b.includes(0)) return E.INVAL;
  if (b[0] === SLASH) return E.NOTCAPABLE;
  const comps: string[] = [];
  for (let start = 0; start <= b.length;) {
    let end = b.indexOf(SLASH, start);
    if (end < 0) end = b.length;
    if (end - start > NAME_MAX) return E.NAMETOOLONG;
    if (end > start) comps.push(keyOf(b.subarray(start, end)));
    start = end + 1;
  }
  return { comps, slash: b[b.length - 1] === SLASH };
}

interface Walk {
  stack: DirInode[]; // directories walked through; stack[0] is the start and is never popped
  pending: string[]; // components still to walk, last one first
  slash: boolean;
  links: number;
}

/** Resolves `path` from `start`. Intermediate components must exist; the last one may be missing. */
export function resolve(start: DirInode, path: PathArg, mode: Mode): Found | Errno {
  const split = splitPath(toBytes(path));
  if (typeof split === 'number') return split;
  const w: Walk = { stack: [start], pending: split.comps.reverse(), slash: split.slash, links: 0 };
  while (w.pending.length > 0) {
    const c = w.pending.pop()!;
    const last = w.pending.length === 0;
    const dir = w.stack[w.stack.length - 1];
    if (c === '.' || c === '..') {
      if (c === '..' && w.stack.length === 1) return E.NOTCAPABLE;
      if (c === '..') w.stack.pop();
      if (last) return found(w, w.stack[w.stack.length - 1], '', c === '.' ? 'dot' : 'dotdot');
      continue;
    }
    const node = dir.entries.get(c);
    if (node?.type === FILETYPE.SYMBOLIC_LINK && (!last || mode === 'follow' || (mode === 'nofollow' && w.slash))) {
      const err = expand(w, node, last);
      if (err !== E.SUCCESS) return err;
      continue;
    }
    if (last) return found(w, dir, c, 'name');
    if (!node) return E.NOENT;
    if (!isDir(node)) return E.NOTDIR;
    w.stack.push(node);
  }
  return found(w, w.stack[w.stack.length - 1], '', 'dot');
}

function found(w: Walk, parent: DirInode, name: string, last: Found['last']): Found | Errno {
  const node = last === 'name' ? parent.entries.get(name) : parent;
  if (w.slash && node && !isDir(node)) return E.NOTDIR;
  return { parent, name, last, node, slash: w.slash };
}

/** Replaces a symlink component by its target's components. */
function expand(w: Walk, link: LinkInode, last: boolean): Errno {
  if (++w.links > SYMLOOP_MAX) return E.LOOP;
  const split = splitPath(link.target);
  if (typeof split === 'number') return split;
  for (let i = split.comps.length - 1; i >= 0; i--) w.pending.push(split.comps[i]);
  if (last) w.slash ||= split.slash;
  return E.SUCCESS;
}

/** Resolves a path that must exist, following a final symlink if `follow`. */
export function lookup(start: DirInode, path: PathArg, follow: boolean): Inode | Errno {
  const f = resolve(start, path, follow ? 'follow' : 'nofollow');
  if (typeof f === 'number') return f;
  return f.node ?? E.NOENT;
}
