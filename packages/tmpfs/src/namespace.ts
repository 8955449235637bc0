// The namespace operations other than rename: file_open, file_create, file_link, file_symlink,
// file_readlink, file_unlink and file_readdir. Every check runs before the first change, so a failed call
// changes nothing. Errors follow CloudABI, and Linux where CloudABI is silent; the choices are noted inline.
import { E, FILETYPE, LOOKUP, OFLAGS, ULFLAGS } from '@cosix/kernel/abi';
import { COOKIE_DOT, COOKIE_DOTDOT } from './dir.js';
import { type DirInode, type Inode, type InodeTable, type SockType, isDir } from './inode.js';
import { addName, modified, removeName, roomForLink, roomForSubdir } from './names.js';
import { type Found, bytesOf, lookup, resolve, toBytes } from './path.js';
import { PATH_MAX } from './params.js';
import type { Dirent, Errno, Opened, PathArg } from './types.js';

const OFLAGS_ALL = OFLAGS.CREAT | OFLAGS.DIRECTORY | OFLAGS.EXCL | OFLAGS.TRUNC;

/** file_open. The returned inode holds one more reference, which the caller gives back with unref. */
export function open(t: InodeTable, start: DirInode, path: PathArg, oflags: number, lookupflags: number): Opened | Errno {
  if ((oflags & ~OFLAGS_ALL) !== 0 || (lookupflags & ~LOOKUP.SYMLINK_FOLLOW) !== 0) return E.INVAL;
  // Linux 6.4+ refuses O_CREAT|O_DIRECTORY with EINVAL (it can only ever create a regular file).
  if (oflags & OFLAGS.CREAT && oflags & OFLAGS.DIRECTORY) return E.INVAL;
  // O_CREAT|O_EXCL never follows a final symlink: an existing link, dangling or not, is EEXIST (POSIX).
  const excl = (oflags & OFLAGS.CREAT) !== 0 && (oflags & OFLAGS.EXCL) !== 0;
  const f = resolve(start, path, excl ? 'entry' : lookupflags & LOOKUP.SYMLINK_FOLLOW ? 'follow' : 'nofollow');
  if (typeof f === 'number') return f;
  const node = f.node ?? openNew(t, f, oflags);
  if (typeof node === 'number') return node;
  if (f.node) {
    const err = openExisting(t, node, oflags, excl);
    if (err !== E.SUCCESS) return err;
  }
  node.refs++;
  return { ino: node.ino, type: node.type };
}

function openExisting(t: InodeTable, node: Inode, oflags: number, excl: boolean): Errno {
  if (excl) return E.EXIST;
  if (node.type === FILETYPE.SYMBOLIC_LINK) return E.LOOP; // not following a final symlink (O_NOFOLLOW)
  if (oflags & OFLAGS.DIRECTORY && !isDir(node)) return E.NOTDIR;
  if (isDir(node) && oflags & (OFLAGS.CREAT | OFLAGS.TRUNC)) return E.ISDIR;
  if (oflags & OFLAGS.TRUNC && node.type === FILETYPE.REGULAR_FILE) {
    t.release(node.data.allocated);
    node.data.clear();
    modified(t, node);
  }
  return E.SUCCESS;
}

function openNew(t: InodeTable, f: Found, oflags: number): Inode | Errno {
  if (!(oflags & OFLAGS.CREAT)) return E.NOENT;
  const err = canCreate(f, false);
  if (err !== E.SUCCESS) return err;
  const node = t.newFile();
  if (typeof node === 'number') return node;
  addName(t, f.parent, f.name, node);
  return node;
}

/** The checks shared by everything that makes a new name `f`: it must not exist, and where it goes must be live. */
function canCreate(f: Found, dir: boolean): Errno {
  if (f.node) return E.EXIST; // includes '.' and '..' (Linux mkdir("."): EEXIST)
  // A trailing '/' demands a directory; Linux says EISDIR for open("new/", O_CREAT), we keep ENOTDIR's one meaning.
  if (f.slash && !dir) return E.NOTDIR;
  if (f.parent.nlink === 0) return E.NOENT; // the directory was removed while a handle kept it (Linux: ENOENT)
  return E.SUCCESS;
}

/** file_create: a directory, or a socket node (for binding UNIX sockets). Regular files come from open. */
export function create(t: InodeTable, start: DirInode, path: PathArg, type: number): Errno {
  const dir = type === FILETYPE.DIRECTORY;
  if (!dir && type !== FILETYPE.SOCKET_STREAM && type !== FILETYPE.SOCKET_DGRAM) return E.INVAL;
  const f = resolve(start, path, 'entry');
  if (typeof f === 'number') return f;
  const err = canCreate(f, dir);
  if (err !== E.SUCCESS) return err;
  if (dir && roomForSubdir(t, f.parent) !== E.SUCCESS) return E.MLINK;
  const node = dir ? t.newDir(f.parent) : t.newSocket(type as SockType);
  if (typeof node === 'number') return node;
  addName(t, f.parent, f.name, node);
  return E.SUCCESS;
}

/** file_link: a new name for an existing non-directory. */
export function link(t: InodeTable, s1: DirInode, p1: PathArg, lookupflags: number, s2: DirInode, p2: PathArg): Errno {
  if ((lookupflags & ~LOOKUP.SYMLINK_FOLLOW) !== 0) return E.INVAL;
  const node = lookup(s1, p1, (lookupflags & LOOKUP.SYMLINK_FOLLOW) !== 0);
  if (typeof node === 'number') return node;
  if (isDir(node)) return E.PERM; // POSIX: hard links to directories are not supported
  const f = resolve(s2, p2, 'entry');
  if (typeof f === 'number') return f;
  const err = canCreate(f, false);
  if (err !== E.SUCCESS) return err;
  const room = roomForLink(t, node);
  if (room !== E.SUCCESS) return room;
  addName(t, f.parent, f.name, node);
  return E.SUCCESS;
}

/**
 * file_symlink: a copy of `target` is stored as given; it is checked (absolute, escaping) only when followed.
 */
export function symlink(t: InodeTable, target: PathArg, start: DirInode, path: PathArg): Errno {
  const bytes = toBytes(target).slice();
  if (bytes.length > PATH_MAX) return E.NAMETOOLONG;
  if (bytes.length === 0) return E.NOENT; // Linux: symlink("", ...) is ENOENT
  if (bytes.includes(0)) return E.INVAL;
  const f = resolve(start, path, 'entry');
  if (typeof f === 'number') return f;
  const err = canCreate(f, false);
  if (err !== E.SUCCESS) return err;
  const node = t.newSymlink(bytes);
  if (typeof node === 'number') return node;
  addName(t, f.parent, f.name, node);
  return E.SUCCESS;
}

/** file_readlink: the whole target (the caller truncates to its buffer). EINVAL if not a symlink. */
export function readlink(start: DirInode, path: PathArg): Uint8Array | Errno {
  const node = lookup(start, path, false);
  if (typeof node === 'number') return node;
  if (node.type !== FILETYPE.SYMBOLIC_LINK) return E.INVAL;
  return node.target.slice();
}

/** file_unlink: removes a non-directory, or with REMOVEDIR an empty directory. */
export function unlink(t: InodeTable, start: DirInode, path: PathArg, ulflags: number): Errno {
  if ((ulflags & ~ULFLAGS.REMOVEDIR) !== 0) return E.INVAL;
  const rmdir = (ulflags & ULFLAGS.REMOVEDIR) !== 0;
  const f = resolve(start, path, 'entry');
  if (typeof f === 'number') return f;
  // Linux: rmdir(".") is EINVAL, rmdir("..") ENOTEMPTY, unlink of either EISDIR.
  if (f.last !== 'name') return !rmdir ? E.ISDIR : f.last === 'dot' ? E.INVAL : E.NOTEMPTY;
  const node = f.node;
  if (!node) return E.NOENT;
  // Without REMOVEDIR a directory is EISDIR, as Linux unlinkat() and WASI's path_unlink_file say
  // (POSIX allows EPERM too); with REMOVEDIR a non-directory is ENOTDIR.
  if (rmdir !== isDir(node)) return rmdir ? E.NOTDIR : E.ISDIR;
  if (isDir(node) && node.entries.size > 0) return E.NOTEMPTY;
  removeName(t, f.parent, f.name, node);
  return E.SUCCESS;
}

/**
 * file_readdir: up to `max` entries from `cookie`, '.' and '..' first (see dir.ts for the cookie rules).
 * A removed directory has no entries at all: ENOENT, as Linux's getdents on a dead directory.
 */
export function readdir(t: InodeTable, dir: DirInode, cookie: bigint, max: number): Dirent[] | Errno {
  if (dir.nlink === 0) return E.NOENT;
  const out: Dirent[] = [];
  const special: [bigint, Inode][] = [[BigInt(COOKIE_DOT), dir], [BigInt(COOKIE_DOTDOT), dir.parent]];
  for (const [c, n] of special) {
    if (cookie <= c && out.length < max) out.push({ name: bytesOf(c === 0n ? '.' : '..'), ino: n.ino, type: n.type, next: c + 1n });
  }
  const from = cookie > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(cookie);
  for (const e of dir.entries.from(from, max - out.length)) {
    out.push({ name: bytesOf(e.name), ino: e.value.ino, type: e.value.type, next: BigInt(e.next) });
  }
  dir.atim = t.now();
  return out;
}
