// The pool worker's task: run one thread of a process. This is the machine's "CPU". Every program is
// hostile; the worker keeps it inside two walls (docs/ARCHITECTURE.md, "Threat model"):
//
// 1. The worker's own realm (the "host realm": Node.js, piscina, this file) is locked down with SES before
//    any program runs: every intrinsic is frozen, and the Function, AsyncFunction, GeneratorFunction and
//    AsyncGeneratorFunction constructors reached through prototypes are inert. Should a host object leak to a
//    program (V8 makes some host-realm objects itself, such as a shared memory's buffer refreshed after
//    another thread grew it), its prototype chain leads only to frozen intrinsics that cannot evaluate code,
//    and the host realm's global object (with `process`) is not reachable from any intrinsic.
// 2. Each thread runs in a fresh V8 context (its own realm, made here, never reused) with no Node.js globals.
//    What the runtime hands in is made in that realm or moved into it: the memory object is re-homed, its
//    buffer is made anew by the context's own Memory.prototype.grow(0), segment buffers are re-homed, and the
//    runtime's host functions are called only from closures built in the context before the program is
//    evaluated (they pass primitives and context objects, never a host function or a host error).
//    The context has its own microtask queue (`microtaskMode: 'afterEvaluate'`), drained only while its
//    thread's task runs: when the task ends, nothing of that process can run on this worker again (no pending
//    promise job, no FinalizationRegistry callback: that constructor and Atomics.waitAsync are removed, and
//    WebAssembly's async compile functions settle at once). The next process starts in a new realm.
import 'ses';
import vm from 'node:vm';
import { readFileSync } from 'node:fs';
import { types } from 'node:util';
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { CB } from '../abi/control.js';
import type { TaskResult, ThreadTask } from './task.js';

declare function lockdown(options?: Record<string, string>): void;

// Freezes the host realm. Node's and piscina's code run after this as before: they use their own captured
// primordials and never write intrinsics. Host errors keep their stacks (errorTaming 'unsafe'): only the
// kernel sees them; a program's own errors are formatted by the context's locked prepareStackTrace below.
lockdown({ errorTaming: 'unsafe', consoleTaming: 'unsafe', overrideTaming: 'moderate', stackFiltering: 'verbose', evalTaming: 'unsafe-eval', domainTaming: 'unsafe' });

const scripts = new Map<number, vm.Script>();
const MAX_CACHED_SCRIPTS = 32;

/** The thread running on this worker (a worker runs one task at a time). */
let current: Running | undefined;

function compiled(task: ThreadTask): vm.Script {
  let s = scripts.get(task.imageId);
  if (!s) {
    // `import()` in a program is refused with an error of the program's own realm.
    s = new vm.Script(task.image, { filename: `cosix:${task.name}`, importModuleDynamically: refuseImport as never });
    if (scripts.size >= MAX_CACHED_SCRIPTS) scripts.delete(scripts.keys().next().value!);
    scripts.set(task.imageId, s);
  }
  return s;
}

function refuseImport(): never {
  // Only the running thread's context can be evaluating: throw its own TypeError.
  throw current ? current.realm.typeError('import() is not available to programs') : undefined;
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

/**
 * Reports the host thread's id and CPU time to the kernel in task.hostInfo (which the program never sees), and
 * for the program's information in its CB (in the core, or in a kernel segment for wasm).
 */
function recordHostThread(task: ThreadTask): void {
  const [ostid, cpu] = hostThreadStats();
  const info = new Int32Array(task.hostInfo);
  Atomics.store(info, 2, Number(cpu & 0xffffffffn) | 0);
  Atomics.store(info, 3, Number(cpu >> 32n) | 0);
  Atomics.store(info, 0, ostid);
  const seg = task.segments.find((s) => task.cb >= s.start && task.cb < s.start + s.len);
  const i32 = new Int32Array(seg ? seg.sab : (task.memory.buffer as unknown as SharedArrayBuffer));
  const b = (seg ? seg.offset + task.cb - seg.start : task.cb) >> 2;
  i32[b + CB.OSTID] = ostid;
  i32[b + CB.CPU0] = Number(cpu & 0xffffffffn) | 0;
  i32[b + CB.CPU0 + 1] = Number(cpu >> 32n) | 0;
}

// Evaluated in each new context before the program, so every function here belongs to the context's realm
// and captures the intrinsics it uses before the program can touch them. The host functions (hostPull,
// hostWait, hostDone) stay in this closure: they are called directly and never passed to anything.
const CONTEXT_RUNTIME = `'use strict';
(function (hostPull, hostWait, hostDone) {
  const G = globalThis, P = Promise, Err = Error, TypeErr = TypeError, defineProperty = Object.defineProperty;
  const freeze = Object.freeze, WA = WebAssembly, Module = WA.Module, Instance = WA.Instance;
  const errorToString = Error.prototype.toString, apply = Reflect.apply, startsWith = String.prototype.startsWith;
  // Nothing may run in this realm after its thread ends: no console (the inspector's), no finalizers, no
  // waitAsync of the context's own (the runtime's is gated), and WebAssembly compiles settle at once.
  delete G.console;
  delete G.FinalizationRegistry;
  delete Atomics.waitAsync;
  delete WA.compileStreaming;
  delete WA.instantiateStreaming;
  WA.compile = function compile(bytes) { return new P((res) => res(new Module(bytes))); };
  WA.instantiate = function instantiate(src, imports) {
    return new P((res) => {
      if (src instanceof Module) return res(new Instance(src, imports));
      const module = new Module(src);
      res({ module, instance: new Instance(module, imports) });
    });
  };
  // Stack traces show the program's own frames only (no host paths), and a program cannot install a
  // prepareStackTrace of its own: that would hand it the call sites of the runtime's frames.
  const format = function prepareStackTrace(err, sites) {
    let text;
    try { text = apply(errorToString, err, []); } catch { text = 'Error'; }
    for (let i = 0; i < sites.length; i++) {
      const file = sites[i].getScriptNameOrSourceURL();
      if (typeof file === 'string' && apply(startsWith, file, ['cosix:'])) text += '\\n    at ' + sites[i].toString();
    }
    return text;
  };
  defineProperty(Err, 'prepareStackTrace', { value: format, writable: false, enumerable: false, configurable: false });
  defineProperty(G, 'Error', { value: Err, writable: false, enumerable: false, configurable: false });
  return freeze({
    typeError: (message) => new TypeErr(message),
    segment: (start, len, offset, sab) => freeze({ start, len, offset, sab }),
    list: (items) => freeze(items),
    pull: () => hostPull(),
    waitAsync: (i32, index, value, timeout) => new P((resolve) => { hostWait(i32.buffer, i32.byteOffset + 4 * index, value, timeout, resolve); }),
    buffer: (memory) => { memory.grow(0); return memory.buffer; },
    boot: (fields) => freeze(fields),
    run: (boot) => {
      let image;
      const ok = () => hostDone('returned', '');
      const fail = (e) => {
        let exit = false, message = 'unprintable exception';
        try { exit = e !== null && typeof e === 'object' && e.cosixExit === true; } catch {}
        try { message = e !== null && typeof e === 'object' && 'stack' in e ? '' + e.stack : '' + e; } catch {}
        hostDone(exit ? 'dead' : 'error', typeof message === 'string' ? message : '');
      };
      try {
        image = G.__cosix_image;
        if (!image || typeof image.start !== 'function') return hostDone('error', 'image has no start()');
        P.resolve(image.start(boot)).then(ok, fail);
      } catch (e) { fail(e); }
    },
  });
})`;

/** The context-side runtime (made by CONTEXT_RUNTIME). */
interface ContextRuntime {
  typeError(message: string): Error;
  segment(start: number, len: number, offset: number, sab: SharedArrayBuffer): unknown;
  list(items: unknown[]): unknown;
  pull(): unknown;
  waitAsync(i32: Int32Array, index: number, value: number, timeout: number): Promise<string>;
  buffer(memory: WebAssembly.Memory): SharedArrayBuffer;
  boot(fields: Record<string, unknown>): unknown;
  run(boot: unknown): void;   // starts the image's start(boot); the outcome comes back through hostDone
}

/** One thread on this worker: its context and what the host side knows of it. */
interface Running {
  ctx: vm.Context;
  realm: ContextRuntime;
  protos: { SAB: object; Mem: object; Module: object };
  ended: boolean;
  done: (r: TaskResult) => void;
}

const drainScript = new vm.Script('');
const STRAY_JOB_DRAIN_MS = 50;

/** Runs the context's pending promise jobs (its queue is drained only here and after an evaluation). */
function drain(t: Running): void {
  if (!t.ended) drainScript.runInContext(t.ctx);
}

function rehome<T extends object>(obj: T, proto: object): T {
  if (Object.isExtensible(obj)) Object.setPrototypeOf(obj, proto);
  return obj;
}

function segmentList(t: Running, list: ThreadTask['segments']): unknown {
  return t.realm.list(list.map((s) => t.realm.segment(s.start, s.len, s.offset, rehome(s.sab, t.protos.SAB))));
}

/** hostPull: drains the segment channel; returns the newest list (context realm), or undefined. */
function pullFrom(port: MessagePort | undefined, t: () => Running): () => unknown {
  return () => {
    let latest: ThreadTask['segments'] | undefined;
    for (let m = port && receiveMessageOnPort(port); m; m = receiveMessageOnPort(port!)) latest = m.message;
    return latest ? segmentList(t(), latest) : undefined;
  };
}

/**
 * hostWait: Atomics.waitAsync in the host realm (one made inside a vm context was seen never to resolve under
 * load). Takes only a SharedArrayBuffer, numbers and the context's resolve function; answers through it with
 * a string ('ok', 'not-equal', 'timed-out', or 'invalid' for bad arguments), never with a host object, and
 * never after the thread has ended.
 */
function waitFor(t: () => Running) {
  return (buf: unknown, byteOffset: unknown, value: unknown, timeout: unknown, resolve: (r: string) => void): void => {
    const run = t();
    if (!types.isSharedArrayBuffer(buf) || typeof byteOffset !== 'number' || typeof value !== 'number' || typeof timeout !== 'number') return resolve('invalid');
    let r: { async: boolean; value: Promise<string> | string };
    try {
      r = Atomics.waitAsync(new Int32Array(buf, byteOffset, 1), 0, value, timeout) as typeof r;
    } catch {
      return resolve('invalid');
    }
    if (!r.async) return resolve(r.value as string);
    (r.value as Promise<string>).then((v) => {
      if (run.ended) return;
      resolve(v);
      drain(run);
    });
  };
}

export default async function runThread(task: ThreadTask): Promise<TaskResult> {
  recordHostThread(task);
  const ctx = vm.createContext(Object.create(null), { name: task.name, codeGeneration: { strings: true, wasm: true }, microtaskMode: 'afterEvaluate' });
  let run: Running | undefined;
  const self = () => run!;
  const realm = vm.runInContext(CONTEXT_RUNTIME, ctx)(pullFrom(task.port, self), waitFor(self), (reason: string, message: string) => self().done({ reason: reason as TaskResult['reason'], message }));
  const protos = vm.runInContext('({ SAB: SharedArrayBuffer.prototype, Mem: WebAssembly.Memory.prototype, Module: WebAssembly.Module.prototype })', ctx);
  const finished = new Promise<TaskResult>((resolve) => {
    run = { ctx, realm, protos, ended: false, done: (r) => { if (!run!.ended) { run!.ended = true; resolve(r); } } };
  });
  current = run;
  const memory = rehome(task.memory, protos.Mem);
  const boot = realm.boot({
    memory, buffer: realm.buffer(memory), cb: task.cb, auxv: task.auxv, tid: task.tid, kind: task.kind,
    entry: task.entry, arg: task.arg, name: task.name, segments: segmentList(run!, task.segments),
    pull: realm.pull, module: task.module ? rehome(task.module, protos.Module) : undefined, waitAsync: realm.waitAsync,
  });
  // A pending Atomics.waitAsync holds no handle on the worker's event loop: keep the loop alive while the
  // thread runs, so that async programs' waits (and their timeouts) are served. The same timer drains the
  // context now and then: a job that V8 queues there from outside a drain (the rejection of an `import()`,
  // which Node settles asynchronously) would otherwise wait for the thread's next runtime wait, maybe forever.
  const keepAlive = setInterval(() => drain(run!), STRAY_JOB_DRAIN_MS);
  try {
    compiled(task).runInContext(ctx);
    realm.run(boot);
    drain(run!);
    return await finished;
  } catch (e) {
    // Only the runtime's own failures land here (the program's go through `run`): the message is the host's.
    run!.ended = true;
    let message = 'the image failed to load';
    try { message = String(e); } catch { /* a hostile toString */ }
    return { reason: 'error', message };
  } finally {
    run!.ended = true;
    if (current === run) current = undefined;
    clearInterval(keepAlive);
    task.port?.close();
  }
}
