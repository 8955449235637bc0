// The errors each syscall can return, with the one cause of each: the source of the ERRORS sections in
// docs/syscalls/*.md. test/errors.test.ts provokes every pair listed here from a userland program, so an
// error documented here is an error tested.
import type { ErrnoName } from './errno.js';

type Errs = readonly (readonly [ErrnoName, string])[];
const BADF: readonly [ErrnoName, string] = ['BADF', 'the fd is not open in this process'];
const NOTCAP = (r: string): readonly [ErrnoName, string] => ['NOTCAPABLE', `the fd lacks ${r}`];
const FAULT = (what: string): readonly [ErrnoName, string] => ['FAULT', `${what} is not mapped with the access the call needs`];

export const SYSCALL_ERRORS: Readonly<Record<string, Errs>> = {
  clock_res_get: [['INVAL', 'unknown clock id']],
  clock_time_get: [['INVAL', 'unknown clock id']],
  condvar_signal: [['INVAL', 'scope is neither PRIVATE nor SHARED, the word is misaligned, or nwaiters is 0'], FAULT('the condvar word')],
  fd_close: [BADF],
  fd_create1: [['INVAL', 'the type is not POLL, SHARED_MEMORY, SOCKET_DGRAM or SOCKET_STREAM']],
  fd_create2: [['INVAL', 'the type is not FIFO, SOCKET_DGRAM or SOCKET_STREAM']],
  fd_datasync: [BADF, NOTCAP('FD_DATASYNC')],
  fd_dup: [BADF],
  fd_pread: [BADF, NOTCAP('FD_READ or FD_SEEK'), FAULT('an iovec buffer'), ['INVAL', 'the offset is 2^63 or more']],
  fd_pwrite: [BADF, NOTCAP('FD_WRITE or FD_SEEK'), FAULT('an iovec buffer'), ['INVAL', 'the offset is 2^63 or more'], ['NOMEM', "the machine's memory is used up: the shared-memory object cannot grow"]],
  fd_read: [BADF, NOTCAP('FD_READ'), FAULT('the iovec array or a buffer'), ['AGAIN', 'non-blocking and nothing to read'], ['INVAL', 'more than MAX_IOVS iovecs']],
  fd_replace: [BADF],
  fd_seek: [BADF, NOTCAP('FD_SEEK (FD_TELL for a zero move from the current position)'), ['INVAL', 'bad whence, or the result would be negative']],
  fd_stat_get: [BADF, FAULT('the fdstat buffer')],
  fd_stat_put: [BADF, NOTCAP('FD_STAT_PUT_FLAGS, or the new rights are not a subset of the current ones'), ['INVAL', 'no or unknown fdsflags, or unknown fdflags']],
  fd_sync: [BADF, NOTCAP('FD_SYNC')],
  fd_write: [BADF, NOTCAP('FD_WRITE'), FAULT('the iovec array or a buffer'), ['AGAIN', 'non-blocking and no room'], ['PIPE', 'the read end is gone'],
    ['NOMEM', "the machine's memory is used up: a pipe's buffer or a shared-memory object cannot grow"]],
  file_advise: [BADF, NOTCAP('FILE_ADVISE'), ['INVAL', 'unknown advice']],
  file_allocate: [BADF, NOTCAP('FILE_ALLOCATE'), ['INVAL', 'zero length, or an object that has no size to grow']],
  file_create: [BADF, ['NOTDIR', 'the fd is not a directory'], NOTCAP('FILE_CREATE_DIRECTORY'), ['INVAL', 'the type is not DIRECTORY (files are made by file_open with CREAT)']],
  file_link: [BADF, NOTCAP('FILE_LINK_SOURCE')],
  file_open: [BADF, ['NOTDIR', 'the fd is not a directory'], NOTCAP('FILE_OPEN, or asks for rights beyond its inheriting rights, or the path leaves the directory'), ['NOENT', 'no such file'], ['INVAL', 'unknown oflags, or a NUL or control byte in the path'], ['NAMETOOLONG', 'the path is longer than MAX_PATH']],
  file_readdir: [BADF, ['NOTDIR', 'the fd is not a directory'], NOTCAP('FILE_READDIR'), FAULT('the buffer')],
  file_readlink: [BADF, ['NOTDIR', 'the fd is not a directory'], NOTCAP('FILE_READLINK')],
  file_rename: [BADF, NOTCAP('FILE_RENAME_SOURCE')],
  file_stat_fget: [BADF, NOTCAP('FILE_STAT_FGET'), FAULT('the filestat buffer')],
  file_stat_fput: [BADF, NOTCAP('FILE_STAT_FPUT_SIZE or FILE_STAT_FPUT_TIMES'), ['INVAL', 'no or unknown fsflags, or SIZE mixed with times']],
  file_stat_get: [BADF, ['NOTDIR', 'the fd is not a directory'], NOTCAP('FILE_STAT_GET'), ['NOENT', 'no such file'], FAULT('the filestat buffer')],
  file_stat_put: [BADF, NOTCAP('FILE_STAT_PUT_TIMES'), ['INVAL', 'no or unknown fsflags (SIZE only through file_stat_fput)']],
  file_symlink: [BADF, NOTCAP('FILE_SYMLINK')],
  file_unlink: [BADF, NOTCAP('FILE_UNLINK'), ['INVAL', 'unknown flags']],
  lock_unlock: [['INVAL', 'bad scope or a misaligned word'], FAULT('the lock word'), ['PERM', 'the caller does not hold the lock']],
  mem_advise: [['INVAL', 'unaligned address, zero length, unknown advice, or a range holding pages the kernel reserved (control blocks; a WebAssembly process\'s kernel pages)'], ['NOMEM', 'part of the range is not mapped']],
  mem_map: [['INVAL', 'zero length, unknown flags, not exactly one of PRIVATE/SHARED, ANON with an fd, or FIXED over pages the kernel reserved (control blocks; a WebAssembly process\'s kernel pages)'], ['NOTSUP', 'WRITE together with EXEC (W^X)'], BADF, ['NODEV', 'the object cannot be mapped'],
    NOTCAP('MEM_MAP or FD_READ, FD_WRITE for a SHARED mapping with WRITE, or MEM_MAP_EXEC for EXEC'), ['NXIO', 'the range goes beyond the shared-memory object'], ['NOMEM', "no room for the mapping in the address space, or the machine's memory is used up"]],
  mem_protect: [['INVAL', 'unaligned address, zero length, or a range holding pages the kernel reserved (control blocks; a WebAssembly process\'s kernel pages)'], ['NOTSUP', 'WRITE together with EXEC (W^X)'], ['NOMEM', 'part of the range is not mapped'],
    ['NOTCAPABLE', 'the protection exceeds the maximum of some page: the fd it was mapped through lacked the right (see mem_map)']],
  mem_sync: [['INVAL', 'unknown flags, ASYNC with SYNC, or a range holding pages the kernel reserved (control blocks; a WebAssembly process\'s kernel pages)'], ['NOMEM', 'part of the range is not mapped']],
  mem_unmap: [['INVAL', 'unaligned address, zero length, or a range holding pages the kernel reserved (control blocks; a WebAssembly process\'s kernel pages)']],
  poll: [['INVAL', 'no subscriptions, an unknown type, or a lock/condvar subscription not first'], FAULT('the subscriptions or the events buffer')],
  poll_fd: [BADF, ['INVAL', 'the fd is not a poll object'], NOTCAP('POLL_MODIFY or POLL_WAIT'), FAULT('the events buffer')],
  proc_exec: [BADF, NOTCAP('PROC_EXEC'), ['NOEXEC', 'the file is not a Cosix image'], ['2BIG', 'the argdata is larger than MAX_ARGDATA']],
  proc_exit: [],
  proc_fork: [['AGAIN', 'the machine has as many processes or threads as its limits allow'], ['NOMEM', "the machine's memory is used up: no room for the child's core"]],
  proc_raise: [['INVAL', 'unknown signal']],
  random_get: [FAULT('the buffer'), ['INVAL', 'more than MAX_RANDOM_GET bytes']],
  sock_accept: [BADF, ['NOTSOCK', 'the fd is not a socket'], ['INVAL', 'the socket is not listening']],
  sock_bind: [BADF, ['NOTSOCK', 'the fd is not a socket'], ['ISCONN', 'the socket is connected'], NOTCAP('SOCK_BIND_SOCKET, or the directory lacks SOCK_BIND_DIRECTORY')],
  sock_connect: [BADF, ['NOTSOCK', 'the fd is not a socket'], ['ISCONN', 'the socket is connected'], NOTCAP('SOCK_CONNECT_SOCKET, or the directory lacks SOCK_CONNECT_DIRECTORY')],
  sock_listen: [BADF, ['NOTSOCK', 'the fd is not a socket'], ['DESTADDRREQ', 'the socket has no name'], ['INVAL', 'the socket is connected']],
  sock_recv: [BADF, ['NOTSOCK', 'the fd is not a socket'], ['INVAL', 'unknown flags'], FAULT('recv_in, recv_out or a buffer'), ['AGAIN', 'non-blocking and nothing to receive']],
  sock_send: [BADF, ['NOTSOCK', 'the fd is not a socket'], ['INVAL', 'unknown flags or too many fds'], FAULT('send_in, send_out or a buffer'), ['PIPE', 'the peer is gone or shut down'], ['NOTCONN', 'the socket is not connected'], ['AGAIN', 'non-blocking and no room'],
    ['NOMEM', "the machine's memory is used up: the bytes cannot be queued"]],
  sock_shutdown: [BADF, ['NOTSOCK', 'the fd is not a socket'], ['INVAL', 'how is not RD, WR or both'], ['NOTCONN', 'the socket is not connected']],
  sock_stat_get: [BADF, ['NOTSOCK', 'the fd is not a socket'], ['INVAL', 'unknown flags'], FAULT('the sockstat buffer')],
  thread_create: [FAULT('the threadattr'), ['AGAIN', 'the machine (maxThreads) or the process (MAX_THREADS_PER_PROC) has as many threads as its limit allows']],
  thread_exit: [],
  thread_yield: [],
};

/**
 * The errors a filesystem served by a daemon adds (tmpfs; hostfs returns the host's equivalents), on top of
 * the kernel's checks above: the FILESYSTEM ERRORS sections of the docs. test/errors.test.ts provokes every
 * pair on a tmpfs through the real syscalls. '*' is any call on the daemon's fds.
 */
export const FS_ERRORS: Readonly<Record<string, Errs>> = {
  '*': [['IO', 'the daemon is gone, or did not answer within the pseudo timeout (it is then cut off)']],
  fd_read: [['ISDIR', 'the fd is a directory']],
  fd_write: [['ISDIR', 'the fd is a directory'], ['NOSPC', 'the filesystem is full (its size limit), and nothing was written']],
  file_allocate: [['NOSPC', 'the filesystem is full']],
  file_create: [['EXIST', 'the name exists'], ['NOENT', 'a directory on the path does not exist']],
  file_link: [['EXIST', 'the new name exists'], ['PERM', 'the source is a directory'], ['XDEV', 'the two directories are on different filesystems']],
  file_open: [['EXIST', 'CREAT and EXCL, and the name exists'], ['NOTDIR', 'DIRECTORY, and the file is not a directory'], ['LOOP', 'more than SYMLOOP_MAX symlinks, or a symlink with SYMLINK_FOLLOW unset']],
  file_readlink: [['INVAL', 'the file is not a symbolic link']],
  file_rename: [['NOENT', 'the source does not exist'], ['NOTEMPTY', 'the target is a directory that is not empty'], ['ISDIR', 'a file over a directory'], ['NOTDIR', 'a directory over a file'], ['INVAL', 'a directory into itself or below itself'], ['XDEV', 'the two directories are on different filesystems']],
  file_stat_get: [['LOOP', 'more than SYMLOOP_MAX symlinks']],
  file_symlink: [['EXIST', 'the name exists']],
  file_unlink: [['ISDIR', 'a directory without REMOVEDIR'], ['NOTDIR', 'REMOVEDIR on a file'], ['NOTEMPTY', 'REMOVEDIR on a directory that is not empty']],
};

/**
 * Errors every syscall shares: an unknown number is ENOSYS; an argument slot holding more than its type is
 * refused before the call looks at it, never cut down to fit (syscalls/uaccess.ts, argumentsFit). A process
 * being ended gets no answer.
 */
export const COMMON_ERRORS = [
  ['NOSYS', 'the syscall number is not in this ABI (55 and up)'],
  ['BADF', 'an fd argument has a bit set above its low 32 bits'],
  ['INVAL', 'any other integer argument does not fit its type (u8, u16, u32, ptr or size), or a lookup argument has an unknown flag'],
  ['NOMEM', "the call is on a daemon's fd and the machine's memory has no room to queue the request"],
] as const;

/** The rights each syscall checks, and on which argument (the RIGHTS sections of the docs). */
export const SYSCALL_RIGHTS: Readonly<Record<string, string>> = {
  condvar_signal: 'none: the caller names memory it can write', fd_close: 'none', fd_create1: 'none (new fds get the rights of their kind)',
  fd_create2: 'none (pipe read end: FD_READ; write end: FD_WRITE; sockets: the socket set)', fd_datasync: 'FD_DATASYNC on fd',
  fd_dup: 'none; the copy has the same rights', fd_pread: 'FD_READ and FD_SEEK on fd', fd_pwrite: 'FD_WRITE and FD_SEEK on fd',
  fd_read: 'FD_READ on fd', fd_replace: 'none; `to` gets exactly the rights of `from`',
  fd_seek: 'FD_SEEK on fd, or only FD_TELL for a zero move from the current position', fd_stat_get: 'none',
  fd_stat_put: 'FD_STAT_PUT_FLAGS on fd to change flags; rights can only be a subset of the current ones',
  fd_sync: 'FD_SYNC on fd', fd_write: 'FD_WRITE on fd', file_advise: 'FILE_ADVISE on fd', file_allocate: 'FILE_ALLOCATE on fd',
  file_create: 'FILE_CREATE_DIRECTORY on the directory fd', file_link: 'FILE_LINK_SOURCE on fd1 (FILE_LINK_TARGET on fd2)',
  file_open: 'FILE_OPEN on the directory fd; requested base and inheriting rights within its inheriting rights; FILE_CREATE_FILE for CREAT',
  file_readdir: 'FILE_READDIR on fd', file_readlink: 'FILE_READLINK on fd', file_rename: 'FILE_RENAME_SOURCE on fd1 (FILE_RENAME_TARGET on fd2)',
  file_stat_fget: 'FILE_STAT_FGET on fd', file_stat_fput: 'FILE_STAT_FPUT_SIZE for SIZE, FILE_STAT_FPUT_TIMES for times',
  file_stat_get: 'FILE_STAT_GET on the directory fd', file_stat_put: 'FILE_STAT_PUT_TIMES on the directory fd',
  file_symlink: 'FILE_SYMLINK on fd', file_unlink: 'FILE_UNLINK on fd', lock_unlock: 'none: the caller must hold the lock',
  mem_map: 'MEM_MAP and FD_READ on fd, whatever the protection; FD_WRITE too for a SHARED mapping with WRITE (a PRIVATE one writes a copy); MEM_MAP_EXEC for EXEC; none for anonymous maps',
  mem_protect: 'none, but never beyond the maximum each page got at mem_map: READ, WRITE unless the mapping is SHARED and its fd lacked FD_WRITE, EXEC only with MEM_MAP_EXEC (anonymous memory: anything)',
  mem_sync: 'none; only pages mapped through an fd with FD_WRITE are written back and shown to read-only mappings of the object (the others are left alone, without error)', poll: 'POLL_FD_READWRITE on fd_read/fd_write fds, POLL_PROC_TERMINATE on process fds (reported per event)',
  poll_fd: 'POLL_MODIFY on the poll fd to change the set, POLL_WAIT to wait', proc_exec: 'PROC_EXEC on fd; the new table gets each listed fd with its rights',
  proc_fork: 'none; the process fd has POLL_PROC_TERMINATE and FILE_STAT_FGET', random_get: 'none',
  sock_accept: 'SOCK_ACCEPT on the socket', sock_bind: 'SOCK_BIND_SOCKET on the socket, SOCK_BIND_DIRECTORY on the directory',
  sock_connect: 'SOCK_CONNECT_SOCKET on the socket, SOCK_CONNECT_DIRECTORY on the directory', sock_listen: 'SOCK_LISTEN on the socket',
  sock_recv: 'FD_READ on the socket; received fds keep the rights they were sent with', sock_send: 'FD_WRITE on the socket',
  sock_shutdown: 'SOCK_SHUTDOWN on the socket', sock_stat_get: 'SOCK_STAT_GET on the socket',
};
