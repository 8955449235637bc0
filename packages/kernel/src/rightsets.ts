// The rights a new descriptor of each kind of object starts with (base, inheriting). A process can only
// narrow them afterwards.
import { R, RIGHTS_ALL, rightsOf } from './abi/index.js';

export interface RightSet { base: bigint; inheriting: bigint }

const POLLABLE = rightsOf('POLL_FD_READWRITE', 'FD_STAT_PUT_FLAGS', 'FILE_STAT_FGET');
const SOCKET = POLLABLE | rightsOf('FD_READ', 'FD_WRITE', 'SOCK_SHUTDOWN', 'SOCK_STAT_GET', 'SOCK_ACCEPT',
  'SOCK_LISTEN', 'SOCK_BIND_DIRECTORY', 'SOCK_BIND_SOCKET', 'SOCK_CONNECT_DIRECTORY', 'SOCK_CONNECT_SOCKET');

export const RIGHTSETS = {
  pipeRead: { base: POLLABLE | R.FD_READ, inheriting: 0n },
  pipeWrite: { base: POLLABLE | R.FD_WRITE, inheriting: 0n },
  socket: { base: SOCKET, inheriting: SOCKET },
  shm: {
    base: rightsOf('FD_READ', 'FD_WRITE', 'FD_SEEK', 'FD_TELL', 'MEM_MAP', 'FILE_STAT_FGET', 'FILE_STAT_FPUT_SIZE', 'FILE_ALLOCATE',
      'FD_STAT_PUT_FLAGS'),
    inheriting: 0n,
  },
  poll: { base: rightsOf('POLL_MODIFY', 'POLL_WAIT', 'FILE_STAT_FGET'), inheriting: 0n },
  process: { base: rightsOf('POLL_PROC_TERMINATE', 'FILE_STAT_FGET'), inheriting: 0n },
  console: { base: POLLABLE | R.FD_READ | R.FD_WRITE, inheriting: 0n },
  /**
   * A NIC's raw-frames fd (nicdev.ts): whole frames in and out, poll, non-blocking mode. FD_SEEK is there only
   * because fd_pread needs it, to read the 8-byte info record (MAC, link state); the fd itself cannot seek.
   */
  rawFrames: { base: POLLABLE | rightsOf('FD_READ', 'FD_WRITE', 'FD_SEEK'), inheriting: 0n },
  /** A read-only directory tree (bootfs, procfs): open, read and stat below it, and exec what is in it. */
  roDir: {
    base: rightsOf('FILE_OPEN', 'FILE_READDIR', 'FILE_STAT_FGET', 'FILE_STAT_GET'),
    inheriting: rightsOf('FILE_OPEN', 'FILE_READDIR', 'FILE_STAT_FGET', 'FILE_STAT_GET', 'FD_READ', 'FD_SEEK',
      'FD_TELL', 'PROC_EXEC', 'MEM_MAP', 'POLL_FD_READWRITE', 'FILE_ADVISE'),
  },
  /** The daemon's end of a pseudo pair: it reads requests and writes answers. */
  reverse: { base: POLLABLE | R.FD_READ | R.FD_WRITE, inheriting: 0n },
  /** The factory of pseudo pairs (a kernel-served datagram socket). */
  pseudoFactory: { base: POLLABLE | R.FD_READ | R.FD_WRITE, inheriting: RIGHTS_ALL },
  all: { base: RIGHTS_ALL, inheriting: RIGHTS_ALL },
} satisfies Record<string, RightSet>;
