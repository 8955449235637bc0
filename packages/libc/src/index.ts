// @cosix/libc: the userland runtime linked into every program image. Programs see only this and the ABI.
export { Os, NOBODY, type FdStat, type FileStat, type PollEvent, type PollSub, type RecvResult } from './os.js';
export { Sys, Errno, ThreadGone } from './sys.js';
export { Memory, Heap } from './memory.js';
export { Locks } from './lock.js';
export { Net, type NetSocket, type SockStat } from './net.js';
export { start, type Boot, type Program, type Main, type Entry } from './crt0.js';
export * from '@cosix/kernel/abi';
