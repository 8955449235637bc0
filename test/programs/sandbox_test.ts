// A program sees only ECMAScript builtins and libc: no require, process, fetch, timers or Node globals, and
// the classic constructor-chain escapes from the objects it is handed do not reach the host.
import type { Os } from '@cosix/libc';
import { Checker } from './lib/check.js';

declare const globalThis: Record<string, unknown>;

function escapes(os: Os): unknown[] {
  const tries: (() => unknown)[] = [
    () => (os.mem.buffer as unknown as { constructor: { constructor: (s: string) => () => unknown } }).constructor.constructor('return process')(),
    () => ((os.mem.u8 as unknown as { constructor: { constructor: (s: string) => () => unknown } }).constructor.constructor('return process')()),
    () => (Object.getPrototypeOf(os.mem.buffer).constructor.constructor('return process')()),
    () => ((() => 0).constructor('return process')()),
    () => Function('return this')().process,
    () => Function('return typeof require === "undefined" ? undefined : require')(),
  ];
  return tries.map((f) => { try { return f(); } catch { return undefined; } });
}

export function main(os: Os): number {
  const c = new Checker(os, 'sandbox_test');
  for (const name of ['require', 'process', 'fetch', 'setTimeout', 'setImmediate', 'queueMicrotask', 'Buffer', 'console', 'module', '__dirname']) {
    c.eq(typeof globalThis[name], 'undefined', `global ${name}`);
  }
  escapes(os).forEach((r, i) => c.ok(r === undefined, `escape attempt ${i} reached the host`));
  return c.done();
}
