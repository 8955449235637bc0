// The sandbox attack corpus (issue 9). Each attack is a hostile program's attempt to run code in the host
// realm of its worker. Escaping means running PAYLOAD with Node's `process` in scope: it copies a secret host
// file to an evidence file, which test/sandbox.test.ts looks for after the run. The same attacks run on the
// hardened runtime (they must never escape) and on the previous runtime, test/fixtures/unhardened-runtime.ts
// (the ones in ESCAPES_UNHARDENED must escape it, so these tests cannot pass vacuously).
//
// An attack gets `env`: what any program can reach (its memory's buffer, the runtime's waitAsync and segment
// pull through libc) and a `kit` of helpers that try every escape on every value the attack gets hold of.
import { SYS } from '@cosix/kernel/abi';
import type { Os } from '@cosix/libc';

export interface Env {
  os: Os;
  buffer: SharedArrayBuffer;
  wait: ((i32: unknown, index: unknown, value: unknown, timeout: unknown) => unknown) | undefined;
  pull: () => unknown;
  payload: string;
}

type Fn = (...args: unknown[]) => unknown;
const isObj = (v: unknown): v is object => v !== null && (typeof v === 'object' || typeof v === 'function');

/** Helpers shared by the attacks; `found` collects objects of a foreign realm that are not frozen. */
export class Kit {
  readonly found: string[] = [];
  private readonly seen = new WeakSet<object>();
  constructor(private readonly payload: string) {}

  /** Tries every constructor chain of `v` (Function, AsyncFunction, GeneratorFunction, ...) with the payload. */
  tryEscape(v: unknown): void {
    if (!isObj(v) || this.seen.has(v) || this.busy) return;
    this.busy = true;
    try { this.escapeVia(v); } finally { this.busy = false; }
  }

  private busy = false;

  private escapeVia(v: object): void {
    this.seen.add(v);
    this.noteForeign(v);
    // Constructors only: calling the value itself (a resolve function, an executor) would break the attack's
    // own machinery, and a value that is itself a Function constructor is some object's constructor too.
    const fns: unknown[] = [];
    const get = (f: () => unknown) => { try { const x = f(); if (isObj(x)) fns.push(x); } catch { /* guarded */ } };
    get(() => (v as { constructor: unknown }).constructor);
    get(() => Object.getPrototypeOf(v));
    get(() => Object.getPrototypeOf(v)?.constructor);
    for (const f of [...fns]) get(() => (f as { constructor: unknown }).constructor);
    for (const f of [...fns]) get(() => Object.getPrototypeOf(f)?.constructor);
    for (const f of fns) {
      if (typeof f !== 'function') continue;
      try {
        const made = (f as Fn)(this.payload);
        if (typeof made !== 'function') continue;
        const r = (made as Fn)() as { next?: () => unknown; then?: (a: Fn, b: Fn) => unknown } | undefined;
        if (r && typeof r.next === 'function') { const n = r.next(); if (isObj(n) && typeof (n as { then?: unknown }).then === 'function') (n as Promise<unknown>).then(() => 0, () => 0); }
        if (r && typeof r.then === 'function') r.then(() => 0, () => 0);
      } catch { /* this one did not work */ }
    }
  }

  /** Plants `then` getters, Symbol.species and coercion hooks on every prototype on `v`'s chain. */
  plant(v: unknown): void {
    for (let p = isObj(v) ? v : undefined; p; p = Object.getPrototypeOf(p) ?? undefined) {
      this.noteForeign(p);
      const kit = this, proto = p;
      // Transparent hooks: they try their receiver and arguments, then behave as before (the attack must not
      // break its own promises and conversions, or it would hang before the runtime ever touches them).
      const then = (() => { try { return (proto as { then?: unknown }).then; } catch { return undefined; } })();
      const prim = (() => { try { return (proto as { [Symbol.toPrimitive]?: unknown })[Symbol.toPrimitive]; } catch { return undefined; } })();
      try { Object.defineProperty(p, 'then', { get() { kit.tryEscape(this); return then; }, configurable: true }); } catch { /* frozen */ }
      try {
        Object.defineProperty(p, Symbol.toPrimitive, {
          value(this: unknown, hint: string) {
            kit.tryEscape(this);
            if (typeof prim === 'function') return (prim as Fn).call(this, hint);
            const o = this as { valueOf(): unknown; toString(): unknown };
            const first = hint === 'string' ? o.toString() : o.valueOf();
            return isObj(first) ? (hint === 'string' ? o.valueOf() : o.toString()) : first;
          },
          configurable: true, writable: true,
        });
      } catch { /* frozen */ }
      const hook = function (this: unknown, ...args: unknown[]) { kit.tryEscape(this); args.forEach((a) => kit.tryEscape(a)); };
      const ctor = (() => { try { return (p as { constructor?: unknown }).constructor; } catch { return undefined; } })();
      if (isObj(ctor)) {
        this.tryEscape(ctor);
        try { Object.defineProperty(ctor, Symbol.species, { get() { return function Species(this: unknown, ...a: unknown[]) { hook.apply(this, a); return new (ctor as new (...x: unknown[]) => object)(...a); }; }, configurable: true }); } catch { /* frozen */ }
      }
    }
  }

  /** Records `v` if it belongs to another realm (its chain does not end at this realm's Object.prototype) and is not frozen. */
  noteForeign(v: unknown): void {
    if (!isObj(v)) return;
    let p: object | null = v, last: object = v;
    for (let i = 0; p && i < 64; i++) { last = p; p = Object.getPrototypeOf(p); }
    if (last !== Object.prototype && !Object.isFrozen(last)) this.found.push(`${Object.prototype.toString.call(v)} whose realm's Object.prototype is writable`);
  }

  /** Objects that run `tryEscape` on everything their hooks and traps are handed. */
  hostile(): unknown[] {
    const kit = this;
    const hook = function (this: unknown, ...args: unknown[]) { kit.tryEscape(this); args.forEach((a) => kit.tryEscape(a)); return 1; };
    const traps: ProxyHandler<object> = {};
    for (const t of ['get', 'set', 'has', 'apply', 'construct', 'ownKeys', 'getPrototypeOf', 'getOwnPropertyDescriptor', 'defineProperty', 'deleteProperty'] as const) {
      (traps as Record<string, Fn>)[t] = (...args: unknown[]) => { args.forEach((a) => kit.tryEscape(a)); return Reflect.apply((Reflect as unknown as Record<string, Fn>)[t], undefined, args); };
    }
    const coercing = { valueOf: hook, toString: hook, [Symbol.toPrimitive]: hook, get buffer() { hook.call(this); return undefined; }, get byteOffset() { hook.call(this); return 0; } };
    return [coercing, new Proxy({}, traps), new Proxy(function () { /* target */ }, traps), new Proxy(new Int32Array(4), traps), new Proxy(coercing, traps)];
  }
}

/** Promise jobs that never end: each queues the next (run in whatever turn follows this process's exit). */
function storm(): void {
  const next = (): void => { void Promise.resolve().then(next); };
  next();
}

function spinForever(): void {
  for (;;) { /* a CPU hog in someone else's time */ }
}

/** Makes a shared mapping, so that the runtime hands the program a segment list (and its buffers). */
function sharedSegment(os: Os): void {
  os.sys.arg(4, 0xffffffff); os.sys.arg(5, 0);
  if (os.sys.call(SYS.mem_map, 0, 65536, 3, 9) === 0) os.mem.bytes(os.sys.r(0), 4)[0] = 1;
}

/** Lets the runtime run: an async wait through the runtime's waitAsync (the host awaits, resolves, drains). */
async function yieldToRuntime(env: Env): Promise<void> {
  const w = new Int32Array(new SharedArrayBuffer(4));
  if (env.wait) await (env.wait(w, 0, 1, 0) as Promise<unknown>);
  if (env.wait) await (env.wait(w, 0, 0, 5) as Promise<unknown>);
}

const OWN_PROTOTYPES = (): object[] => [Object.prototype, Function.prototype, Array.prototype, Promise.prototype, ArrayBuffer.prototype,
  SharedArrayBuffer.prototype, Object.getPrototypeOf(Uint8Array.prototype), Int32Array.prototype, Uint8Array.prototype, DataView.prototype,
  Error.prototype, TypeError.prototype, RangeError.prototype, RegExp.prototype, Map.prototype, Set.prototype, Symbol.prototype, String.prototype,
  Object.getPrototypeOf(async function () { /* */ }), Object.getPrototypeOf(function* () { /* */ }), Object.getPrototypeOf(async function* () { /* */ })];

export const ATTACKS: Record<string, (env: Env, kit: Kit) => Promise<void> | void> = {
  /** No attack: a bystander that starts on the same worker after an attack. */
  none() { /* nothing */ },
  /** The reported chain: the buffer's prototypes lead to a realm whose Object.prototype takes a `then` getter. */
  async buffer(env, kit) {
    kit.tryEscape(env.buffer);
    kit.plant(env.buffer);
    kit.plant(new Uint8Array(env.buffer));
    await yieldToRuntime(env);
  },
  /** Everything the runtime returns: waitAsync's promise and its value, segment lists and their buffers. */
  async 'runtime-values'(env, kit) {
    const w = new Int32Array(new SharedArrayBuffer(4));
    const p = env.wait?.(w, 0, 0, 1);
    kit.tryEscape(p); kit.plant(p);
    kit.tryEscape(await p);
    sharedSegment(env.os);
    const segs = env.pull();
    kit.tryEscape(segs); kit.plant(segs);
    for (const s of (Array.isArray(segs) ? segs : []) as { sab?: unknown }[]) { kit.tryEscape(s); kit.plant(s); kit.tryEscape(s.sab); kit.plant(s.sab); }
    await yieldToRuntime(env);
  },
  /** Errors the runtime throws or answers for bad arguments. */
  async 'runtime-errors'(env, kit) {
    const bad: unknown[][] = [[{}, 0, 0, 0], [new Int32Array(new SharedArrayBuffer(8)), 1e9, 0, 0], [null, null, null, null], [new Int32Array(4), 0, 0, 0], [1, 2, 3, 4]];
    for (const args of bad) {
      try { const r = (env.wait as Fn | undefined)?.(...args); kit.tryEscape(r); kit.plant(r); kit.tryEscape(await r); } catch (e) { kit.tryEscape(e); kit.plant(e); }
    }
    try { kit.tryEscape((env.pull as Fn)(1, 2, 3)); } catch (e) { kit.tryEscape(e); kit.plant(e); }
    await yieldToRuntime(env);
  },
  /** toString / valueOf / toPrimitive / getter hooks on values handed to the runtime and to libc. */
  async hooks(env, kit) {
    for (const h of kit.hostile()) {
      for (const args of [[h, 0, 0, 1], [new Int32Array(new SharedArrayBuffer(4)), h, h, 1]]) {
        try { const r = (env.wait as Fn | undefined)?.(...args); kit.tryEscape(r); kit.tryEscape(await r); } catch (e) { kit.tryEscape(e); kit.plant(e); }
      }
      try { env.os.sys.call(SYS.fd_write, h as never, h as never, h as never); } catch (e) { kit.tryEscape(e); }
    }
    await yieldToRuntime(env);
  },
  /** Proxies handed to the runtime and to libc (every trap tries its arguments). */
  async proxies(env, kit) {
    const [, ...proxies] = kit.hostile();
    for (const p of proxies) {
      try { const r = (env.wait as Fn | undefined)?.(p, p, p, 1); kit.tryEscape(r); kit.tryEscape(await r); } catch (e) { kit.tryEscape(e); kit.plant(e); }
      try { kit.tryEscape((env.pull as Fn)(p)); } catch (e) { kit.tryEscape(e); }
    }
    await yieldToRuntime(env);
  },
  /** Symbol.species on every constructor the runtime might use to make a derived object. */
  async species(env, kit) {
    for (const proto of OWN_PROTOTYPES()) kit.plant(proto);
    kit.plant(env.buffer);
    sharedSegment(env.os);
    kit.tryEscape(env.pull());
    await yieldToRuntime(env);
  },
  /** Pollution of every intrinsic reachable (the program's own), then a round of runtime work. */
  async pollution(env, kit) {
    const kitHook = function (this: unknown, ...a: unknown[]) { kit.tryEscape(this); a.forEach((x) => kit.tryEscape(x)); };
    for (const proto of OWN_PROTOTYPES()) {
      kit.plant(proto);
      for (const name of ['toString', 'valueOf'] as const) {
        try { const orig = (proto as Record<string, Fn>)[name]; if (typeof orig !== 'function') continue; Object.defineProperty(proto, name, { value: function (this: unknown, ...a: unknown[]) { kitHook.apply(this, a); return orig.apply(this, a); }, configurable: true, writable: true }); } catch { /* ok */ }
      }
    }
    // ...and every prototype reachable from what the runtime hands over.
    kit.plant(env.buffer);
    try { const r = env.wait?.(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0); kit.plant(r); kit.plant(await r); } catch (e) { kit.plant(e); }
    try { const r = env.wait?.({}, 0, 0, 0); kit.plant(r); kit.plant(await r); } catch (e) { kit.plant(e); }
    sharedSegment(env.os);
    const segs = env.pull();
    kit.plant(segs);
    for (const x of (Array.isArray(segs) ? segs : []) as { sab?: unknown }[]) { kit.plant(x); kit.plant(x.sab); }
    await yieldToRuntime(env);
  },
  /** Error.prepareStackTrace and captureStackTrace: call sites of the runtime's frames, and host paths. */
  async stack(env, kit) {
    // Synchronously inside main, the runtime's frames are on the stack below the program's.
    const first = String(new Error('here').stack);
    if (/file:|node:|\/work\/|\/packages\//.test(first)) kit.found.push(`a stack trace shows host paths: ${first.slice(0, 300)}`);
    const E = Error as unknown as { prepareStackTrace?: unknown; captureStackTrace?: (o: object) => void };
    const take = (_e: unknown, sites: { getThis(): unknown; getFunction(): unknown }[]) => { for (const s of sites) { try { kit.tryEscape(s.getThis()); kit.tryEscape(s.getFunction()); } catch { /* */ } } return 'x'; };
    try { E.prepareStackTrace = take; } catch { /* locked */ }
    try { Object.defineProperty(Error, 'prepareStackTrace', { value: take }); } catch { /* locked */ }
    const E0 = Error;
    try { (globalThis as Record<string, unknown>).Error = { prepareStackTrace: take }; void new E0('x').stack; } catch { /* locked */ }
    try { (globalThis as Record<string, unknown>).Error = E0; } catch { /* locked */ }
    const probe = { get buffer() { const o = {}; E.captureStackTrace?.(o); void (o as { stack?: unknown }).stack; void new Error('from a runtime call').stack; return undefined; } };
    try { await (env.wait?.(probe, 0, 0, 0) as Promise<unknown>); } catch (e) { kit.tryEscape(e); void (e as { stack?: unknown })?.stack; }
    const o = {}; E.captureStackTrace?.(o); void (o as { stack?: unknown }).stack;
    const stack = String(new Error('here').stack);
    if (/file:|node:|\/work\/|\/packages\//.test(stack)) kit.found.push(`a stack trace shows host paths: ${stack.slice(0, 200)}`);
    await yieldToRuntime(env);
  },
  /** WebAssembly compile and instantiate with hostile imports. */
  async wasm(env, kit) {
    const WebAssembly = (globalThis as unknown as { WebAssembly: { instantiate: Fn; compile: Fn } }).WebAssembly;
    // (module (import "m" "f" (func $f (param i32))) (func (export "go") i32.const 7 call $f))
    const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 2, 96, 1, 127, 0, 96, 0, 0, 2, 7, 1, 1, 109, 1, 102, 0, 0, 3, 2, 1, 1, 7, 6, 1, 2, 103, 111, 0, 1, 10, 8, 1, 6, 0, 65, 7, 16, 0, 11]);
    const [, proxy] = kit.hostile();
    const imports = new Proxy({ m: { f: (...a: unknown[]) => a.forEach((x) => kit.tryEscape(x)) } }, { get: (t, k, r) => { kit.tryEscape(t); kit.tryEscape(r); return Reflect.get(t, k, r); } });
    try {
      const p = WebAssembly.instantiate(bytes, imports);
      kit.tryEscape(p); kit.plant(p);
      const r = await p as unknown as { module: unknown; instance: { exports: Record<string, unknown> } };
      kit.tryEscape(r); kit.tryEscape(r.module); kit.plant(r.instance);
      (r.instance.exports.go as Fn)();
      kit.tryEscape(await WebAssembly.compile(bytes));
    } catch (e) { kit.tryEscape(e); }
    try { await WebAssembly.instantiate(bytes, proxy); } catch (e) { kit.tryEscape(e); kit.plant(e); }
    kit.tryEscape(WebAssembly);
    await yieldToRuntime(env);
    // An instantiation whose continuation leaves a storm of promise jobs behind as the process exits.
    await WebAssembly.instantiate(bytes, imports);
    storm();
  },
  /** Callbacks that would run after the process exits, on the next process's time (they spin forever). */
  'late-callback'(env) {
    const G = globalThis as unknown as { FinalizationRegistry?: new (f: () => void) => { register(o: object, v: unknown): void }; gc?: () => void };
    if (G.FinalizationRegistry) { const r = new G.FinalizationRegistry(spinForever); for (let i = 0; i < 1000; i++) r.register(new Uint8Array(1 << 16), i); }
    const w = new Int32Array(new SharedArrayBuffer(4));
    const own = (Atomics as unknown as { waitAsync?: (a: Int32Array, i: number, v: number, t: number) => { async: boolean; value: Promise<unknown> } }).waitAsync;
    if (own) { const r = own(w, 0, 0, 300); if (r.async) void r.value.then(spinForever); }
    const p = env.wait?.(w, 0, 0, 300) as Promise<unknown> | undefined;
    void p?.then(spinForever);
    storm();
  },
  /** import() of a host module, directly, through eval and through a Function. */
  async import(env, kit) {
    const spec = ['node', 'fs'].join(':');
    const tries = [() => import(spec), () => (0, eval)('import("node:fs")'), () => Function('return import("fs")')()];
    for (const t of tries) {
      try { const m = await t(); kit.tryEscape(m); kit.found.push('import() gave a host module'); } catch (e) { kit.tryEscape(e); kit.plant(e); }
    }
    await yieldToRuntime(env);
  },
  /** Plants everything it can reach and exits at once: the plant must not act on the next process. */
  plant(env, kit) {
    kit.plant(env.buffer);
    kit.plant(new Uint8Array(env.buffer));
    for (const proto of OWN_PROTOTYPES()) kit.plant(proto);
    try { const r = env.wait?.({}, 0, 0, 0); kit.plant(r); } catch (e) { kit.plant(e); }
  },
};

/**
 * What each attack achieves on the previous runtime (asserted by test/sandbox.test.ts, so these tests cannot
 * pass vacuously): 'escape' runs the payload in the host realm; 'leak' shows the program a writable foreign
 * realm or the host's file paths. 'none': the attack achieves nothing there either (hostile wasm imports, and
 * promise jobs and callbacks left behind at exit, which the previous runtime's worker did not run on the next
 * process's time in our measurements); it stays as a probe of the hardened runtime.
 */
export const UNHARDENED_OUTCOME: Record<string, 'escape' | 'leak' | 'none'> = {
  buffer: 'escape', 'runtime-values': 'escape', 'runtime-errors': 'escape', hooks: 'escape', proxies: 'escape',
  species: 'escape', pollution: 'escape', stack: 'leak', wasm: 'none', import: 'escape', plant: 'escape', 'late-callback': 'none',
};
