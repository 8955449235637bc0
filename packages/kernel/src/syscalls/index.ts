// The dispatch table, built from the ABI's syscall list: a syscall without a handler fails the build. Each
// entry first checks that the argument slots fit the types the ABI gives them (uaccess.ts, argumentsFit),
// so no handler ever sees a value cut down to 32 bits.
import { SYSCALLS } from '../abi/index.js';
import type { Ret, Thread } from '../thread.js';
import * as clock from './clock.js';
import * as fd from './fd.js';
import * as file from './file.js';
import * as mem from './mem.js';
import * as poll from './poll.js';
import * as proc from './proc.js';
import * as sock from './sock.js';
import * as sync from './sync.js';
import * as thread from './thread.js';
import { argumentsFit } from './uaccess.js';

type Handler = (t: Thread) => Ret;
const all: Record<string, unknown> = { ...clock, ...fd, ...file, ...mem, ...poll, ...proc, ...sock, ...sync, ...thread };

export const HANDLERS: readonly (Handler | undefined)[] = SYSCALLS.map((s) => {
  const h = all[s.name];
  if (typeof h !== 'function') throw new Error(`syscall ${s.num} ${s.name} has no handler`);
  const handler = h as Handler, fit = argumentsFit(s);
  return fit ? (t: Thread) => fit(t) || handler(t) : handler;
});
