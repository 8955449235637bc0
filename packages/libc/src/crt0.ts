// Program start-up. The runtime worker calls the image's start(boot) with the thread's boot record; this
// sets up libc for the thread and runs main, a thread entry or a fork continuation, then ends the thread
// through the kernel (proc_exit / thread_exit), which is the only way a thread ends.
import { AT, SCOPE, SIG, SYS, decodeArgdata, utf8Decode, type ArgValue } from '@cosix/kernel/abi';
import { Heap, Memory, PAGE, mmapAnon } from './memory.js';
import { FORK_MAGIC, Os } from './os.js';
import { SCRATCH_BYTES } from './lock.js';
import { Sys, ThreadGone } from './sys.js';
import { Wasi } from './wasi.js';

export interface Boot {
  memory: unknown; buffer: SharedArrayBuffer; cb: number; auxv: number; tid: number;
  kind: 'main' | 'thread' | 'fork'; entry: number; arg: number; name: string;
  segments: readonly { start: number; len: number; offset: number; sab: SharedArrayBuffer }[];
  pull: () => unknown;
  module?: unknown;   // a WebAssembly program to run with the WASI personality
  waitAsync?: (i32: Int32Array, index: number, value: number, timeout: number) => unknown; // the runtime's
}

export type Main = (os: Os, args: ArgValue) => number | void | Promise<number | void>;
export type Entry = (os: Os, arg: number) => number | void | Promise<number | void>;
export interface Program { main: Main; entries?: Record<string, Entry> }

function auxv(mem: Memory, at: number): Map<number, number> {
  const m = new Map<number, number>();
  for (let p = at; ; p += 8) {
    const b = mem.bytes(p, 8), dv = new DataView(b.buffer, b.byteOffset, 8);
    const k = dv.getUint32(0, true);
    if (k === AT.NULL) return m;
    m.set(k, dv.getUint32(4, true));
  }
}

/** The program's argdata, wherever the kernel put it. */
export function argdataOf(mem: Memory, auxvAt: number): ArgValue {
  const a = auxv(mem, auxvAt);
  return decodeArgdata(mem.bytes(a.get(AT.ARGDATA)!, a.get(AT.ARGDATALEN)!).slice());
}

/** A WebAssembly program: the WASI personality runs it (main thread or a wasi-threads thread). */
async function runWasm(sys: Sys, mem: Memory, boot: Boot): Promise<void> {
  const w = new Wasi(sys, mem, boot.memory as WebAssembly.Memory, boot.module as WebAssembly.Module, argdataOf(mem, boot.auxv), boot.tid);
  if (boot.kind === 'thread') w.startThread(boot.arg); else w.start();
}

/** Per-thread libc. The lock scratch area is mapped directly: the heap's own lock needs it before malloc. */
function setup(sys: Sys, mem: Memory, globals: number): Os {
  let os: Os | undefined;
  const heap = new Heap(mem, sys, globals, (a) => os!.locks.wrlock(a, SCOPE.PRIVATE), (a) => os!.locks.unlock(a, SCOPE.PRIVATE));
  const scratchLen = Math.ceil(SCRATCH_BYTES / PAGE) * PAGE;
  os = new Os(sys, mem, heap, mmapAnon(sys, scratchLen), scratchLen);
  return os;
}

async function run(boot: Boot, prog: Program): Promise<void> {
  const mem = new Memory(boot.buffer, boot.segments, boot.pull);
  const [cbBuf, cbOff] = mem.locate(boot.cb); // in the core, or in a kernel segment (WebAssembly programs)
  const sys = new Sys(cbBuf, cbOff);
  sys.hostWait = boot.waitAsync;
  if (boot.module) return runWasm(sys, mem, boot);
  if (boot.kind === 'main') {
    const os = setup(sys, mem, Heap.createGlobals(sys, mem));
    const code = await prog.main(os, argdataOf(mem, boot.auxv));
    os.exit(typeof code === 'number' ? code : 0);
  }
  if (boot.kind === 'thread') {
    const dv = mem.dv, rec = boot.entry;
    const os = setup(sys, mem, dv.getUint32(rec, true));
    const name = str(mem.u8.slice(rec + 24, rec + 24 + dv.getUint32(rec + 12, true)));
    const fn = prog.entries?.[name];
    if (!fn) throw new Error(`no thread entry named ${name}`);
    await fn(os, dv.getUint32(rec + 8, true));
    os.releaseThread();
    sys.call(SYS.thread_exit, rec + 4, SCOPE.PRIVATE);
    throw new ThreadGone();
  }
  // fork: this thread's CB is a copy of the parent's, still holding proc_fork's answer and argument slots.
  sys.completeInherited();
  const rec = sys.argSlot(0), dv = mem.dv;
  if (rec + 16 > mem.coreBytes || dv.getUint32(rec, true) !== FORK_MAGIC) throw new Error('fork child without a continuation record');
  const os = setup(sys, mem, dv.getUint32(rec + 4, true));
  const name = str(mem.u8.slice(rec + 16, rec + 16 + dv.getUint32(rec + 12, true)));
  const arg = dv.getUint32(rec + 8, true);
  if (name === '__exec') os.execFromRecord(arg);
  const fn = prog.entries?.[name];
  if (!fn) throw new Error(`no fork entry named ${name}`);
  const code = await fn(os, arg);
  os.exit(typeof code === 'number' ? code : 0);
}

const str = (b: Uint8Array) => utf8Decode(b) ?? '';

/** The image's entry point: the runtime calls it with the thread's boot record. */
export function start(boot: Boot, prog: Program): Promise<void> {
  return run(boot, prog).catch((err: unknown) => {
    if (err instanceof ThreadGone) throw err;
    // An uncaught exception is the program's abort(): report it on fd 2, then die of SIGABRT.
    const sys = new Sys(boot.buffer, boot.cb);
    sys.recover();
    try { reportCrash(sys, new Memory(boot.buffer, boot.segments, boot.pull), err); } catch { /* fd 2 may be gone */ }
    sys.call(SYS.proc_raise, SIG.ABRT);
    throw new ThreadGone();
  });
}

function reportCrash(sys: Sys, mem: Memory, err: unknown): void {
  const text = `uncaught exception: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`;
  const bytes = Uint8Array.from(text.slice(0, 3000), (c) => c.charCodeAt(0) & 0x7f);
  sys.arg(4, 0xffffffff); sys.arg(5, 0);
  if (sys.call(SYS.mem_map, 0, 4096 * 2, 6, 5)) return;
  const p = sys.r(0);
  mem.u8.set(bytes, p + 8);
  mem.dv.setUint32(p, p + 8, true); mem.dv.setUint32(p + 4, bytes.length, true);
  sys.call(SYS.fd_write, 2, p, 1);
}
