// CloudABI rights (cloudabi.txt `rights`, ABI of 2017-03): bit i = 1n << i.
export const RIGHT_NAMES = [
  'FD_DATASYNC', 'FD_READ', 'FD_SEEK', 'FD_STAT_PUT_FLAGS', 'FD_SYNC', 'FD_TELL', 'FD_WRITE', 'FILE_ADVISE',
  'FILE_ALLOCATE', 'FILE_CREATE_DIRECTORY', 'FILE_CREATE_FILE', 'FILE_CREATE_FIFO', 'FILE_LINK_SOURCE',
  'FILE_LINK_TARGET', 'FILE_OPEN', 'FILE_READDIR', 'FILE_READLINK', 'FILE_RENAME_SOURCE', 'FILE_RENAME_TARGET',
  'FILE_STAT_FGET', 'FILE_STAT_FPUT_SIZE', 'FILE_STAT_FPUT_TIMES', 'FILE_STAT_GET', 'FILE_STAT_PUT_TIMES',
  'FILE_SYMLINK', 'FILE_UNLINK', 'MEM_MAP', 'MEM_MAP_EXEC', 'POLL_FD_READWRITE', 'POLL_MODIFY',
  'POLL_PROC_TERMINATE', 'POLL_WAIT', 'PROC_EXEC', 'SOCK_ACCEPT', 'SOCK_BIND_DIRECTORY', 'SOCK_BIND_SOCKET',
  'SOCK_CONNECT_DIRECTORY', 'SOCK_CONNECT_SOCKET', 'SOCK_LISTEN', 'SOCK_SHUTDOWN', 'SOCK_STAT_GET',
] as const;

export type RightName = (typeof RIGHT_NAMES)[number];

/** Right bits by name: `R.FD_READ === 2n`. */
export const R = Object.fromEntries(RIGHT_NAMES.map((n, i) => [n, 1n << BigInt(i)])) as {
  readonly [K in RightName]: bigint;
};

/** Every right this ABI defines (0x1ffffffffff). */
export const RIGHTS_ALL = (1n << BigInt(RIGHT_NAMES.length)) - 1n;

export function rightsOf(...names: RightName[]): bigint {
  return names.reduce((acc, n) => acc | R[n], 0n);
}

export function describeRights(bits: bigint): string {
  return RIGHT_NAMES.filter((n) => (bits & R[n]) !== 0n).join('|') || '0';
}
