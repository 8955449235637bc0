// The CloudABI system call table (cloudabi@7d7501c, 55 calls), defined once. The kernel's dispatcher, libc's
// stubs and docs/syscalls/*.md are all derived from it. Each argument occupies one 64-bit slot of the thread's
// control block (see control.ts); `lookup` packs {fd, flags} into the low and high words of its slot.

export type ArgType = 'fd' | 'u8' | 'u16' | 'u32' | 'u64' | 'ptr' | 'size' | 'lookup';
export type ResultType = 'fd' | 'u32' | 'u64' | 'ptr' | 'size';
export type Family = 'clock' | 'fd' | 'file' | 'mem' | 'poll' | 'proc' | 'random' | 'sock' | 'sync' | 'thread';

export interface SyscallSpec {
  readonly num: number;
  readonly name: string;
  readonly family: Family;
  readonly args: readonly (readonly [string, ArgType])[];
  readonly results: readonly (readonly [string, ResultType])[];
  readonly brief: string;
}

type A = readonly [string, ArgType];
type Rs = readonly (readonly [string, ResultType])[];
const s = (num: number, name: string, family: Family, args: A[], results: Rs, brief: string): SyscallSpec =>
  ({ num, name, family, args, results, brief });

export const SYSCALLS: readonly SyscallSpec[] = [
  s(0, 'clock_res_get', 'clock', [['clock_id', 'u32']], [['resolution', 'u64']], 'resolution of a clock'),
  s(1, 'clock_time_get', 'clock', [['clock_id', 'u32'], ['precision', 'u64']], [['time', 'u64']], 'read a clock'),
  s(2, 'condvar_signal', 'sync', [['condvar', 'ptr'], ['scope', 'u8'], ['nwaiters', 'u32']], [], 'wake waiters of a condition variable'),
  s(3, 'fd_close', 'fd', [['fd', 'fd']], [], 'close a file descriptor'),
  s(4, 'fd_create1', 'fd', [['type', 'u8']], [['fd', 'fd']], 'create a poll, shared memory or socket object'),
  s(5, 'fd_create2', 'fd', [['type', 'u8']], [['fd1', 'fd'], ['fd2', 'fd']], 'create a pipe or a socket pair'),
  s(6, 'fd_datasync', 'fd', [['fd', 'fd']], [], 'flush file data'),
  s(7, 'fd_dup', 'fd', [['from', 'fd']], [['fd', 'fd']], 'duplicate a descriptor to the lowest free number'),
  s(8, 'fd_pread', 'fd', [['fd', 'fd'], ['iovs', 'ptr'], ['iovs_len', 'size'], ['offset', 'u64']], [['nread', 'size']], 'read at an offset'),
  s(9, 'fd_pwrite', 'fd', [['fd', 'fd'], ['iovs', 'ptr'], ['iovs_len', 'size'], ['offset', 'u64']], [['nwritten', 'size']], 'write at an offset'),
  s(10, 'fd_read', 'fd', [['fd', 'fd'], ['iovs', 'ptr'], ['iovs_len', 'size']], [['nread', 'size']], 'read into buffers'),
  s(11, 'fd_replace', 'fd', [['from', 'fd'], ['to', 'fd']], [], 'atomically replace descriptor `to` by a copy of `from`'),
  s(12, 'fd_seek', 'fd', [['fd', 'fd'], ['offset', 'u64'], ['whence', 'u8']], [['newoffset', 'u64']], 'move the file offset'),
  s(13, 'fd_stat_get', 'fd', [['fd', 'fd'], ['buf', 'ptr']], [], 'get type, flags and rights'),
  s(14, 'fd_stat_put', 'fd', [['fd', 'fd'], ['buf', 'ptr'], ['flags', 'u16']], [], 'set flags or shrink rights'),
  s(15, 'fd_sync', 'fd', [['fd', 'fd']], [], 'flush file data and metadata'),
  s(16, 'fd_write', 'fd', [['fd', 'fd'], ['iovs', 'ptr'], ['iovs_len', 'size']], [['nwritten', 'size']], 'write from buffers'),
  s(17, 'file_advise', 'file', [['fd', 'fd'], ['offset', 'u64'], ['len', 'u64'], ['advice', 'u8']], [], 'advise on file access'),
  s(18, 'file_allocate', 'file', [['fd', 'fd'], ['offset', 'u64'], ['len', 'u64']], [], 'allocate file space'),
  s(19, 'file_create', 'file', [['fd', 'fd'], ['path', 'ptr'], ['path_len', 'size'], ['type', 'u8']], [], 'create a directory'),
  s(20, 'file_link', 'file', [['fd1', 'lookup'], ['path1', 'ptr'], ['path1_len', 'size'], ['fd2', 'fd'], ['path2', 'ptr'], ['path2_len', 'size']], [], 'create a hard link'),
  s(21, 'file_open', 'file', [['dirfd', 'lookup'], ['path', 'ptr'], ['path_len', 'size'], ['oflags', 'u16'], ['fds', 'ptr']], [['fd', 'fd']], 'open a file'),
  s(22, 'file_readdir', 'file', [['fd', 'fd'], ['buf', 'ptr'], ['buf_len', 'size'], ['cookie', 'u64']], [['bufused', 'size']], 'read directory entries'),
  s(23, 'file_readlink', 'file', [['fd', 'fd'], ['path', 'ptr'], ['path_len', 'size'], ['buf', 'ptr'], ['buf_len', 'size']], [['bufused', 'size']], 'read a symbolic link'),
  s(24, 'file_rename', 'file', [['fd1', 'fd'], ['path1', 'ptr'], ['path1_len', 'size'], ['fd2', 'fd'], ['path2', 'ptr'], ['path2_len', 'size']], [], 'rename a file'),
  s(25, 'file_stat_fget', 'file', [['fd', 'fd'], ['buf', 'ptr']], [], 'stat an open file'),
  s(26, 'file_stat_fput', 'file', [['fd', 'fd'], ['buf', 'ptr'], ['flags', 'u16']], [], 'set size or times of an open file'),
  s(27, 'file_stat_get', 'file', [['fd', 'lookup'], ['path', 'ptr'], ['path_len', 'size'], ['buf', 'ptr']], [], 'stat a path'),
  s(28, 'file_stat_put', 'file', [['fd', 'lookup'], ['path', 'ptr'], ['path_len', 'size'], ['buf', 'ptr'], ['flags', 'u16']], [], 'set times of a path'),
  s(29, 'file_symlink', 'file', [['path1', 'ptr'], ['path1_len', 'size'], ['fd', 'fd'], ['path2', 'ptr'], ['path2_len', 'size']], [], 'create a symbolic link'),
  s(30, 'file_unlink', 'file', [['fd', 'fd'], ['path', 'ptr'], ['path_len', 'size'], ['flags', 'u8']], [], 'remove a file or directory'),
  s(31, 'lock_unlock', 'sync', [['lock', 'ptr'], ['scope', 'u8']], [], 'release a kernel-managed lock'),
  s(32, 'mem_advise', 'mem', [['mapping', 'ptr'], ['mapping_len', 'size'], ['advice', 'u8']], [], 'advise on memory use'),
  s(33, 'mem_map', 'mem', [['addr', 'ptr'], ['len', 'size'], ['prot', 'u8'], ['flags', 'u8'], ['fd', 'fd'], ['off', 'u64']], [['mem', 'ptr']], 'map memory'),
  s(34, 'mem_protect', 'mem', [['mapping', 'ptr'], ['mapping_len', 'size'], ['prot', 'u8']], [], 'change page protections'),
  s(35, 'mem_sync', 'mem', [['mapping', 'ptr'], ['mapping_len', 'size'], ['flags', 'u8']], [], 'synchronise a mapping with its object'),
  s(36, 'mem_unmap', 'mem', [['mapping', 'ptr'], ['mapping_len', 'size']], [], 'unmap memory'),
  s(37, 'poll', 'poll', [['in', 'ptr'], ['out', 'ptr'], ['nsubscriptions', 'size']], [['nevents', 'size']], 'wait for events'),
  s(38, 'poll_fd', 'poll', [['fd', 'fd'], ['in', 'ptr'], ['nin', 'size'], ['out', 'ptr'], ['nout', 'size'], ['timeout', 'ptr']], [['nevents', 'size']], 'modify and wait on a persistent event set'),
  s(39, 'proc_exec', 'proc', [['fd', 'fd'], ['data', 'ptr'], ['data_len', 'size'], ['fds', 'ptr'], ['fds_len', 'size']], [], 'replace the process image'),
  s(40, 'proc_exit', 'proc', [['rval', 'u32']], [], 'terminate the process'),
  s(41, 'proc_fork', 'proc', [], [['fd', 'fd'], ['tid', 'u32']], 'fork the process'),
  s(42, 'proc_raise', 'proc', [['sig', 'u8']], [], 'send a signal to the process itself'),
  s(43, 'random_get', 'random', [['buf', 'ptr'], ['buf_len', 'size']], [], 'fill a buffer with secure random bytes'),
  s(44, 'sock_accept', 'sock', [['sock', 'fd'], ['buf', 'ptr']], [['conn', 'fd']], 'accept a connection'),
  s(45, 'sock_bind', 'sock', [['sock', 'fd'], ['fd', 'fd'], ['path', 'ptr'], ['path_len', 'size']], [], 'bind a socket to a name in a directory'),
  s(46, 'sock_connect', 'sock', [['sock', 'fd'], ['fd', 'fd'], ['path', 'ptr'], ['path_len', 'size']], [], 'connect a socket to a name in a directory'),
  s(47, 'sock_listen', 'sock', [['sock', 'fd'], ['backlog', 'u32']], [], 'listen for connections'),
  s(48, 'sock_recv', 'sock', [['sock', 'fd'], ['in', 'ptr'], ['out', 'ptr']], [], 'receive data and descriptors'),
  s(49, 'sock_send', 'sock', [['sock', 'fd'], ['in', 'ptr'], ['out', 'ptr']], [], 'send data and descriptors'),
  s(50, 'sock_shutdown', 'sock', [['sock', 'fd'], ['how', 'u8']], [], 'shut down one or both directions'),
  s(51, 'sock_stat_get', 'sock', [['sock', 'fd'], ['buf', 'ptr'], ['flags', 'u8']], [], 'socket state and pending error'),
  s(52, 'thread_create', 'thread', [['attr', 'ptr']], [['tid', 'u32']], 'start a thread'),
  s(53, 'thread_exit', 'thread', [['lock', 'ptr'], ['scope', 'u8']], [], 'unlock the join lock and end the thread'),
  s(54, 'thread_yield', 'thread', [], [], 'yield the processor'),
];

/** Syscall numbers by name: `SYS.fd_read === 10`. */
export const SYS: Readonly<Record<string, number>> = Object.fromEntries(SYSCALLS.map((c) => [c.name, c.num]));
export const NSYSCALLS = SYSCALLS.length;
