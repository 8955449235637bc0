// The pool worker's task: run one thread of a process. This is the machine's "CPU": it evaluates the
// program image in a fresh V8 context that has no Node.js builtins (no require, process, fetch or timers),
// hands it the process's memory and its control block address, and returns when the thread ends.
//
// The context sees only objects created in its own realm: the memory objects passed in get their prototypes
// re-homed into the context, so `x.constructor.constructor` leads to the context's Function, not the host's.
import vm from 'node:vm';
import { readFileSync } from 'node:fs';
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { CB } from '../abi/control.js';
import type { TaskResult, ThreadTask } from './task.js';

const scripts = new Map<number, vm.Script>();
const MAX_CACHED_SCRIPTS = 32;

function compiled(task: ThreadTask): vm.Script {
  let s = scripts.get(task.imageId);
  if (!s) {
    s = new vm.Script(task.image, { filename: `cosix:${task.name}` });
    if (scripts.size >= MAX_CACHED_SCRIPTS) scripts.delete(scripts.keys().next().value!);
    scripts.set(task.imageId, s);
  }
  return s;
}

function hostThreadStats(): [number, bigint] {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'latin1');
    const sched = readFileSync('/proc/thread-self/schedstat', 'latin1');
    return [Number(stat.slice(0, stat.indexOf(' '))), BigInt(sched.slice(0, sched.indexOf(' ')))];
  } catch {
    return [0, 0n];
  }
}

/** Writes the host thread's id and CPU time into the CB (in the core, or in a kernel segment for wasm). */
function recordHostThread(task: ThreadTask): void {
  const [ostid, cpu] = hostThreadStats();
  const seg = task.segments.find((s) => task.cb >= s.start && task.cb < s.start + s.len);
  const i32 = new Int32Array(seg ? seg.sab : (task.memory.buffer as unknown as SharedArrayBuffer));
  const b = (seg ? seg.offset + task.cb - seg.start : task.cb) >> 2;
  i32[b + CB.OSTID] = ostid;
  i32[b + CB.CPU0] = Number(cpu & 0xffffffffn) | 0;
  i32[b + CB.CPU0 + 1] = Number(cpu >> 32n) | 0;
}

/**
 * Moves a host object into the context's realm by giving it the context's prototype. WebAssembly memory
 * buffers are not extensible and keep their host prototype; for them (and anything else that leaks) the
 * host realm's Function.prototype.constructor is disabled below, which closes the classic
 * `x.constructor.constructor('return process')()` escape.
 */
function rehome<T extends object>(obj: T, proto: object): T {
  if (Object.isExtensible(obj)) Object.setPrototypeOf(obj, proto);
  return obj;
}

Object.defineProperty(Function.prototype, 'constructor', {
  value: function constructorIsDisabled() { throw new TypeError('Function constructor is not available'); },
  writable: false, configurable: false,
});

// Built inside the context, so the record and its functions belong to the context's realm. `pull` wraps a
// host function in a context closure: userland can call it but never reach the host function object.
const makeBoot = `(function (memory, buffer, cb, auxv, tid, kind, entry, arg, name, segments, hostPull, module, hostWait) {
  const pull = () => hostPull();
  const waitAsync = (i32, index, value, timeout) => hostWait(i32.buffer, i32.byteOffset + 4 * index, value, timeout);
  return Object.freeze({ memory, buffer, cb, auxv, tid, kind, entry, arg, name, segments, pull, module, waitAsync });
})`;

/**
 * Atomics.waitAsync done in the worker's own realm for the context: a waitAsync created inside a vm context
 * was seen never to resolve (not even at its timeout) in async daemons under load. Resolves to the usual
 * 'ok' | 'not-equal' | 'timed-out' string; takes only a buffer, a byte offset and numbers.
 */
function hostWaitAsync(buf: SharedArrayBuffer, byteOffset: number, value: number, timeout: number): Promise<string> | string {
  const r = Atomics.waitAsync(new Int32Array(buf, byteOffset, 1), 0, value, timeout);
  return r.async ? r.value : r.value;
}

type Realm = { SAB: object; Mem: object; Module: object; Arr: object; Obj: object };

function segmentList(ctx: vm.Context, realm: Realm, list: ThreadTask['segments']): unknown {
  const segs = list.map((s) => {
    const o = vm.runInContext('({})', ctx);
    o.start = s.start; o.len = s.len; o.offset = s.offset; o.sab = rehome(s.sab, realm.SAB);
    return o;
  });
  return rehome(segs, realm.Arr);
}

/** Drains the segment channel; returns the newest list (context realm), or undefined if nothing came. */
function pullFrom(port: MessagePort | undefined, ctx: vm.Context, realm: Realm): () => unknown {
  return () => {
    let latest: ThreadTask['segments'] | undefined;
    for (let m = port && receiveMessageOnPort(port); m; m = receiveMessageOnPort(port!)) latest = m.message;
    return latest ? segmentList(ctx, realm, latest) : undefined;
  };
}

export default async function runThread(task: ThreadTask): Promise<TaskResult> {
  const buffer = task.memory.buffer as unknown as SharedArrayBuffer;
  recordHostThread(task);
  const ctx = vm.createContext(Object.create(null), { name: task.name, codeGeneration: { strings: true, wasm: true } });
  // V8 gives every context a `console` that talks to the inspector; a program writes through its fds only.
  vm.runInContext('delete globalThis.console', ctx);
  const realm = vm.runInContext('({ SAB: SharedArrayBuffer.prototype, Mem: WebAssembly.Memory.prototype, Module: WebAssembly.Module.prototype, Arr: Array.prototype, Obj: Object.prototype })', ctx);
  rehome(task.memory, realm.Mem);
  rehome(buffer, realm.SAB);
  const boot = vm.runInContext(makeBoot, ctx)(
    task.memory, buffer, task.cb, task.auxv, task.tid, task.kind, task.entry, task.arg, task.name,
    segmentList(ctx, realm, task.segments), pullFrom(task.port, ctx, realm),
    task.module ? rehome(task.module, realm.Module) : undefined, hostWaitAsync);
  // A pending Atomics.waitAsync holds no handle on the worker's event loop: keep the loop alive while the
  // thread runs, so that async programs' waits (and their timeouts) are served.
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    compiled(task).runInContext(ctx);
    const image = (ctx as Record<string, unknown>).__cosix_image as { start?: (b: unknown) => unknown } | undefined;
    if (!image || typeof image.start !== 'function') return { reason: 'error', message: 'image has no start()' };
    await image.start(boot);
    return { reason: 'returned' };
  } catch (e) {
    if (e && typeof e === 'object' && (e as { cosixExit?: boolean }).cosixExit === true) return { reason: 'dead' };
    return { reason: 'error', message: describe(e) };
  } finally {
    clearInterval(keepAlive);
    task.port?.close();
  }
}

function describe(e: unknown): string {
  try {
    return e instanceof Object && 'stack' in e ? String((e as { stack: unknown }).stack) : String(e);
  } catch {
    return 'unprintable exception';
  }
}

