// proc_exec, proc_exit, proc_fork, proc_raise.
//
// proc_fork for programs that run in workers: a worker cannot copy a JavaScript stack, so the child cannot
// resume where the parent called fork. The child gets an exact copy of the parent's memory (core copied,
// shared mappings shared) and descriptor table (same descriptions and rights), and one thread that starts
// in the image's fork entry: libc records a continuation in the syscall's first argument slot (ignored by
// the kernel's ABI), the child's thread finds that slot in its copy of the control block, sees proc_fork
// "return" PROCESS_CHILD, and runs the continuation. libc's fork(fn) is therefore fork-with-continuation;
// programs that need the parent's stack state must keep it in memory.
import { CB, CB_NARGS, E, R, SIG, STATE, PROCESS_CHILD } from '../abi/index.js';
import { imageOf, loadImage } from '../bootfs.js';
import { isPseudo } from '../pseudo.js';
import type { Image } from '../proc.js';
import { pReadAll } from './pseudofile.js';
import type { Fd } from '../fdtable.js';
import { CORE_BYTES, MAX_ARGDATA, MAX_EXEC_BYTES } from '../params.js';
import { RIGHTSETS } from '../rightsets.js';
import { NO_REPLY, type Ret, type Thread } from '../thread.js';
import { installNew } from './fd.js';

export function proc_exec(t: Thread): Ret {
  const f = t.proc.fds.get(t.u32(0), R.PROC_EXEC);
  if (typeof f === 'number') return f;
  const dataLen = t.u32(2), nfds = t.u32(4);
  if (dataLen > MAX_ARGDATA) return E['2BIG'];
  const argdata = t.proc.vm.read(t.u32(1), dataLen);
  if (typeof argdata === 'number') return argdata;
  if (nfds > 1024) return E.INVAL;
  const raw = t.proc.vm.read(t.u32(3), nfds * 4);
  if (typeof raw === 'number') return raw;
  const dv = new DataView(raw.buffer);
  const fds: Fd[] = [];
  for (let i = 0; i < nfds; i++) {
    const g = t.proc.fds.get(dv.getUint32(i * 4, true), 0n);
    if (typeof g === 'number') return g;
    fds.push(g);
  }
  const keep = fds.map((x) => ({ desc: x.desc.ref(), base: x.base, inheriting: x.inheriting }));
  const release = (e: number) => { for (const x of keep) x.desc.unref(); return e; };
  const obj = f.desc.obj;
  if (isPseudo(obj)) {
    // An executable on a daemon's filesystem (tmpfs): fetch its bytes first, then exec as usual.
    return pReadAll(t, obj, MAX_EXEC_BYTES, E.NOEXEC, (bytes) => {
      if (typeof bytes === 'number') return release(bytes);
      const image = loadImage(bytes, `pseudo:${obj.handle}`);
      return typeof image === 'number' ? release(image) : commitExec(t, image, argdata, keep);
    });
  }
  const image = imageOf(obj);
  if (typeof image === 'number') return release(image);
  return commitExec(t, image, argdata, keep);
}

/** The point of no return of proc_exec: tear the old program down and start `image` with `keep` as fds. */
function commitExec(t: Thread, image: Image, argdata: Uint8Array, keep: Fd[]): Ret {
  const proc = t.proc, k = t.kernel;
  for (const th of [...proc.threads.values()]) th.kill();
  proc.fds.closeAll();
  for (const x of keep) { proc.fds.install(x.desc, x.base, x.inheriting); x.desc.unref(); }
  proc.execs++;
  proc.name = image.name;
  // Past the point of no return: a program that cannot start (no memory for its core, no thread) ends the process.
  const e = proc.resetMemory(CORE_BYTES) || k.startProgram(proc, image, argdata);
  if (e) k.terminate(proc, { code: 0, signal: SIG.KILL });
  return NO_REPLY;
}

export function proc_exit(t: Thread): Ret {
  t.kernel.terminate(t.proc, { code: t.u32(0), signal: 0 });
  return NO_REPLY;
}

const IGNORED = new Set([SIG.CHLD, SIG.CONT, SIG.URG]);
const STOPS = new Set([SIG.STOP, SIG.TSTP, SIG.TTIN, SIG.TTOU]);

export function proc_raise(t: Thread): Ret {
  const sig = t.u32(0);
  if (sig === 0 || sig > SIG.XFSZ) return E.INVAL;
  if (IGNORED.has(sig)) return 0;
  if (STOPS.has(sig)) {
    // Stopped for good: CloudABI has no way to send SIGCONT, so the thread sleeps until the process is killed.
    return t.blockOn([t.proc.terminated], undefined, () => NO_REPLY);
  }
  t.kernel.terminate(t.proc, { code: 0, signal: sig });
  return NO_REPLY;
}

export function proc_fork(t: Thread): Ret {
  const k = t.kernel, parent = t.proc;
  const child = k.newProcess(parent.name, parent.vm.coreBytes);
  if (typeof child === 'number') return child;
  child.copyMemoryFrom(parent, t.cbAddr);
  child.claimCb(t.cbAddr);
  child.fds.copyFrom(parent.fds);
  const ct = k.newThread(child, true, t.cbAddr);
  if (typeof ct === 'number') { k.terminate(child, { code: 0, signal: SIG.KILL }); return ct; }
  const fd = installNew(t, k.processObject(child), RIGHTSETS.process);
  if (fd < 0) { k.terminate(child, { code: 0, signal: SIG.KILL }); return -fd; }
  // The child's copy of this CB shows proc_fork returning PROCESS_CHILD and its own tid; its argument slots
  // (cleared when the thread was set up) get the parent's back: they carry libc's continuation.
  const m = ct.i32, b = ct.base;
  for (let i = 0; i < 2 * CB_NARGS; i++) m[b + CB.ARGS + i] = t.i32[t.base + CB.ARGS + i];
  m[b + CB.ERRNO] = 0;
  m[b + CB.RESULTS] = PROCESS_CHILD | 0; m[b + CB.RESULTS + 1] = 0;
  m[b + CB.RESULTS + 2] = ct.tid; m[b + CB.RESULTS + 3] = 0;
  m[b + CB.KSPIN] = 0;
  Atomics.store(m, b + CB.STATE, STATE.RESPONSE);
  k.runThread(ct, { kind: 'fork', entry: 0, arg: 0 });
  t.setResult(fd, ct.tid);
  return 0;
}
