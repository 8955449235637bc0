// WASI preview1 (wasi_snapshot_preview1), which was derived from CloudABI: the names, enumerations and
// struct layouts that differ from CloudABI, and the functions a WebAssembly program may import. libc's WASI
// personality maps each of them onto the CloudABI syscalls; the kernel refuses images that import anything
// else. Errno values are the same in both (WASI kept CloudABI's numbering).
import { FILETYPE, R, type RightName } from './index.js';

export const WASI_MODULE = 'wasi_snapshot_preview1';

export const WASI_FUNCTIONS = [
  'args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get', 'clock_res_get', 'clock_time_get',
  'fd_advise', 'fd_allocate', 'fd_close', 'fd_datasync', 'fd_fdstat_get', 'fd_fdstat_set_flags',
  'fd_fdstat_set_rights', 'fd_filestat_get', 'fd_filestat_set_size', 'fd_filestat_set_times', 'fd_pread',
  'fd_prestat_get', 'fd_prestat_dir_name', 'fd_pwrite', 'fd_read', 'fd_readdir', 'fd_renumber', 'fd_seek',
  'fd_sync', 'fd_tell', 'fd_write', 'path_create_directory', 'path_filestat_get', 'path_filestat_set_times',
  'path_link', 'path_open', 'path_readlink', 'path_remove_directory', 'path_rename', 'path_symlink',
  'path_unlink_file', 'poll_oneoff', 'proc_exit', 'proc_raise', 'random_get', 'sched_yield', 'sock_accept',
  'sock_recv', 'sock_send', 'sock_shutdown',
] as const;

/** WASI filetype <- CloudABI filetype. */
export const WASI_FILETYPE: Readonly<Record<number, number>> = {
  [FILETYPE.UNKNOWN]: 0, [FILETYPE.BLOCK_DEVICE]: 1, [FILETYPE.CHARACTER_DEVICE]: 2, [FILETYPE.DIRECTORY]: 3,
  [FILETYPE.REGULAR_FILE]: 4, [FILETYPE.SOCKET_DGRAM]: 5, [FILETYPE.SOCKET_STREAM]: 6, [FILETYPE.SYMBOLIC_LINK]: 7,
  [FILETYPE.FIFO]: 0, [FILETYPE.POLL]: 0, [FILETYPE.PROCESS]: 0, [FILETYPE.SHARED_MEMORY]: 0,
};

/** WASI right bit i is the CloudABI right named here (the two orders differ). */
export const WASI_RIGHTS: readonly RightName[] = [
  'FD_DATASYNC', 'FD_READ', 'FD_SEEK', 'FD_STAT_PUT_FLAGS', 'FD_SYNC', 'FD_TELL', 'FD_WRITE', 'FILE_ADVISE',
  'FILE_ALLOCATE', 'FILE_CREATE_DIRECTORY', 'FILE_CREATE_FILE', 'FILE_LINK_SOURCE', 'FILE_LINK_TARGET',
  'FILE_OPEN', 'FILE_READDIR', 'FILE_READLINK', 'FILE_RENAME_SOURCE', 'FILE_RENAME_TARGET', 'FILE_STAT_GET',
  'FILE_STAT_PUT_TIMES' /* path_filestat_set_size: CloudABI has no separate right */, 'FILE_STAT_PUT_TIMES',
  'FILE_STAT_FGET', 'FILE_STAT_FPUT_SIZE', 'FILE_STAT_FPUT_TIMES', 'FILE_SYMLINK', 'FILE_UNLINK' /* remove_directory */,
  'FILE_UNLINK', 'POLL_FD_READWRITE', 'SOCK_SHUTDOWN', 'SOCK_ACCEPT',
];

export function rightsToWasi(cloudabi: bigint): bigint {
  let w = 0n;
  WASI_RIGHTS.forEach((name, i) => { if (cloudabi & R[name]) w |= 1n << BigInt(i); });
  return w;
}

export function rightsFromWasi(wasi: bigint): bigint {
  let c = 0n;
  WASI_RIGHTS.forEach((name, i) => { if (wasi & (1n << BigInt(i))) c |= R[name]; });
  return c;
}

/** WASI clock id -> CloudABI clock id. */
export const WASI_CLOCK: readonly number[] = [3, 1, 2, 4];
/** WASI whence (set 0, cur 1, end 2) -> CloudABI whence. */
export const WASI_WHENCE: readonly number[] = [3, 1, 2];
/** WASI advice (normal, sequential, random, willneed, dontneed, noreuse) -> CloudABI advice. */
export const WASI_ADVICE: readonly number[] = [3, 5, 4, 6, 1, 2];
/** WASI signal numbers (POSIX order) -> CloudABI signal numbers (alphabetical). */
export const WASI_SIGNAL: readonly number[] = [
  0, 7, 9, 12, 8, 17, 1, 3, 6, 10, 22, 13, 23, 11, 2, 16, 4, 5, 14, 18, 19, 20, 21, 24, 25, 26, 0, 0, 0, 15,
];
export const WASI_EVENTTYPE = { CLOCK: 0, FD_READ: 1, FD_WRITE: 2 } as const;

/** WASI struct sizes that differ from CloudABI's. */
export const WASI_FILESTAT_SIZE = 64;   // dev, ino, filetype u8 @16, nlink u64 @24, size @32, atim @40, mtim @48, ctim @56
export const WASI_SUBSCRIPTION_SIZE = 48; // userdata, tag u8 @8, clock {id u32 @16, timeout @24, precision @32, flags u16 @40} | fd @16
export const WASI_EVENT_SIZE = 32;      // userdata, error u16 @8, type u8 @10, nbytes u64 @16, flags u16 @24
export const WASI_PRESTAT_SIZE = 8;     // tag u8 (0 = dir), name length u32 @4
