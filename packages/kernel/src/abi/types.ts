// CloudABI enumerations and flags (cloudabi.txt, ABI of 2017-03 as used by Cosix 1.0).

export const FILETYPE = {
  UNKNOWN: 0x00, BLOCK_DEVICE: 0x10, CHARACTER_DEVICE: 0x11, DIRECTORY: 0x20, FIFO: 0x30, POLL: 0x40,
  PROCESS: 0x50, REGULAR_FILE: 0x60, SHARED_MEMORY: 0x70, SOCKET_DGRAM: 0x80, SOCKET_STREAM: 0x82,
  SYMBOLIC_LINK: 0x90,
} as const;

export const FDFLAGS = { APPEND: 0x01, DSYNC: 0x02, NONBLOCK: 0x04, RSYNC: 0x08, SYNC: 0x10 } as const;
export const FDFLAGS_ALL = 0x1f;
export const FDSFLAGS = { FLAGS: 0x1, RIGHTS: 0x2 } as const;
export const OFLAGS = { CREAT: 0x1, DIRECTORY: 0x2, EXCL: 0x4, TRUNC: 0x8 } as const;
export const WHENCE = { CUR: 1, END: 2, SET: 3 } as const;
export const CLOCK = { MONOTONIC: 1, PROCESS_CPUTIME_ID: 2, REALTIME: 3, THREAD_CPUTIME_ID: 4 } as const;
export const SCOPE = { PRIVATE: 0x04, SHARED: 0x08 } as const;
export const MFLAGS = { ANON: 0x1, FIXED: 0x2, PRIVATE: 0x4, SHARED: 0x8 } as const;
export const MPROT = { EXEC: 0x1, WRITE: 0x2, READ: 0x4 } as const;
export const MSFLAGS = { ASYNC: 0x1, INVALIDATE: 0x2, SYNC: 0x4 } as const;
export const ADVICE = { DONTNEED: 1, NOREUSE: 2, NORMAL: 3, RANDOM: 4, SEQUENTIAL: 5, WILLNEED: 6 } as const;
export const ULFLAGS = { REMOVEDIR: 0x1 } as const;
export const LOOKUP = { SYMLINK_FOLLOW: 0x1 } as const;
export const FSFLAGS = { ATIM: 0x1, ATIM_NOW: 0x2, MTIM: 0x4, MTIM_NOW: 0x8, SIZE: 0x10 } as const;

/** Marks "no fd": proc_fork's child value and mem_map's fd for anonymous mappings. */
export const PROCESS_CHILD = 0xffffffff;
export const MAP_ANON_FD = 0xffffffff;

export const EVENTTYPE = {
  CLOCK: 1, CONDVAR: 2, FD_READ: 3, FD_WRITE: 4, LOCK_RDLOCK: 5, LOCK_WRLOCK: 6, PROC_TERMINATE: 7,
} as const;
export const SUBFLAGS = { ADD: 0x1, CLEAR: 0x2, DELETE: 0x4, DISABLE: 0x8, ENABLE: 0x10, ONESHOT: 0x20 } as const;
export const SUBCLOCKFLAGS = { ABSTIME: 0x1 } as const;
export const SUBRWFLAGS = { POLL: 0x1 } as const;
export const EVENTRWFLAGS = { HANGUP: 0x1 } as const;

export const RIFLAGS = { PEEK: 0x4, WAITALL: 0x10 } as const;
export const ROFLAGS = { FDS_TRUNCATED: 0x1, DATA_TRUNCATED: 0x8 } as const;
export const SDFLAGS = { RD: 0x1, WR: 0x2 } as const;
export const SSFLAGS = { CLEAR_ERROR: 0x1 } as const;
export const SSTATE = { ACCEPTCONN: 0x1 } as const;

// Lock and condvar words (cloudabi.txt `lock`, `condvar`).
export const LOCK_UNLOCKED = 0x00000000;
export const LOCK_WRLOCKED = 0x40000000;
export const LOCK_KERNEL_MANAGED = 0x80000000;
export const LOCK_BOGUS = 0x80000000;
export const LOCK_OWNER_MASK = 0x3fffffff;
export const CONDVAR_HAS_NO_WAITERS = 0;

export const SIGNAL_NAMES = [
  'NONE', 'ABRT', 'ALRM', 'BUS', 'CHLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'KILL', 'PIPE', 'QUIT', 'SEGV',
  'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'USR1', 'USR2', 'VTALRM', 'XCPU', 'XFSZ',
] as const;
export const SIG = Object.fromEntries(SIGNAL_NAMES.map((n, i) => [n, i])) as {
  readonly [K in (typeof SIGNAL_NAMES)[number]]: number;
};

/** auxv types (cloudabi.txt `auxtype`). */
export const AT = {
  NULL: 0, PHDR: 3, PHNUM: 4, PAGESZ: 6, BASE: 7, ARGDATA: 256, ARGDATALEN: 257, CANARY: 258, CANARYLEN: 259,
  NCPUS: 260, TID: 261, SYSINFO_EHDR: 262,
} as const;
