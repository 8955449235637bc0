// Loading WebAssembly programs. A module may import only WASI preview1 functions, wasi-threads'
// `wasi.thread-spawn` and a memory `env.memory`; it must export `_start`. Its memory becomes the process's
// core: a module that defines its own memory is rewritten at load time so that the memory is imported
// instead (shared, with a maximum), which lets the kernel create it and every thread worker map it. The cost
// is one pass over the section headers and a copy of the module bytes, once per image.
import { WASI_FUNCTIONS, WASI_MODULE } from './abi/index.js';

export const WASM_MAX_PAGES = 16384; // 1 GiB: the core must end below SEGMENT_BASE
const KNOWN = new Set<string>(WASI_FUNCTIONS);

export interface WasmImage { module: WebAssembly.Module; bytes: Uint8Array; minPages: number; maxPages: number }

function leb(b: Uint8Array, at: number): [number, number] {
  let v = 0, shift = 0, i = at;
  for (;;) {
    if (i >= b.length || shift > 28) throw new Error('bad LEB128');
    const x = b[i++];
    v += (x & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(x & 0x80)) return [v, i];
  }
}

function encLeb(v: number): number[] {
  const out: number[] = [];
  do { let x = v % 128; v = Math.floor(v / 128); if (v) x |= 0x80; out.push(x); } while (v);
  return out;
}

interface Section { id: number; head: number; start: number; end: number } // header at head; payload [start, end)

function sections(b: Uint8Array): Section[] {
  const out: Section[] = [];
  for (let i = 8; i < b.length;) {
    const id = b[i];
    const [len, p] = leb(b, i + 1);
    if (p + len > b.length) throw new Error('section beyond the end of the module');
    out.push({ id, head: i, start: p, end: p + len });
    i = p + len;
  }
  return out;
}

/** Joins byte chunks. Sections are copied as slices: spreading one into a call's arguments overflows the stack
 *  for sections of a few hundred KiB (a Rust build's .debug_info, a large code section). */
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function section(id: number, payload: Uint8Array[]): Uint8Array[] {
  const len = payload.reduce((n, p) => n + p.length, 0);
  return [Uint8Array.of(id, ...encLeb(len)), ...payload];
}
const str = (s: string) => { const b = new TextEncoder().encode(s); return concat([Uint8Array.from(encLeb(b.length)), b]); };

/** Reads the limits of the module's own memory (memory section, one entry) or returns undefined. */
function ownMemory(b: Uint8Array, s: Section): [number, number | undefined] {
  const [count, p] = leb(b, s.start);
  if (count !== 1) throw new Error('a module with several memories');
  const flags = b[p];
  const [min, q] = leb(b, p + 1);
  return [min, flags & 1 ? leb(b, q)[0] : undefined];
}

/** The module with its memory turned into an imported shared memory `env.memory` of [min, max] pages. */
function importMemory(b: Uint8Array, secs: Section[], min: number, max: number): Uint8Array {
  const mem = concat([str('env'), str('memory'), Uint8Array.of(0x02, 0x03, ...encLeb(min), ...encLeb(max))]);
  const out: Uint8Array[] = [b.subarray(0, 8)];
  let done = false;
  const addImports = (existing?: Section) => {
    if (existing) {
      const [count, p] = leb(b, existing.start);
      out.push(...section(2, [Uint8Array.from(encLeb(count + 1)), b.subarray(p, existing.end), mem]));
    } else out.push(...section(2, [Uint8Array.of(1), mem]));
    done = true;
  };
  for (const s of secs) {
    if (!done && s.id === 2) { addImports(s); continue; }
    if (!done && s.id !== 0 && s.id !== 1) addImports(); // imports go right after the type section
    if (s.id === 5) continue; // the memory section is gone
    out.push(b.subarray(s.head, s.end));
  }
  if (!done) addImports();
  return concat(out);
}

/** The limits of an imported memory (threaded modules import a shared one), if the module has one. */
function importedMemory(b: Uint8Array, secs: Section[]): { min: number; max: number; shared: boolean } | undefined {
  const imp = secs.find((s) => s.id === 2);
  if (!imp) return undefined;
  let [count, p] = leb(b, imp.start);
  const skipName = (at: number) => { const [n, q] = leb(b, at); return q + n; };
  while (count-- > 0) {
    p = skipName(skipName(p));
    const kind = b[p++];
    if (kind === 0) { p = leb(b, p)[1]; continue; }              // function: type index
    if (kind === 1) { p += 1; const f = b[p++]; p = leb(b, p)[1]; if (f & 1) p = leb(b, p)[1]; continue; } // table
    if (kind === 3) { p += 2; continue; }                         // global: type, mutability
    if (kind !== 2) return undefined;
    const flags = b[p++];
    const [min, q] = leb(b, p);
    const max = flags & 1 ? leb(b, q)[0] : WASM_MAX_PAGES;
    return { min, max, shared: (flags & 2) !== 0 };
  }
  return undefined;
}

/** Checks and prepares a WebAssembly program; a string says why it cannot run. */
export function prepareWasm(bytes: Uint8Array): WasmImage | string {
  if (!WebAssembly.validate(bytes)) return 'not a valid WebAssembly module';
  let mod = new WebAssembly.Module(bytes);
  for (const imp of WebAssembly.Module.imports(mod)) {
    const ok = (imp.module === WASI_MODULE && imp.kind === 'function' && KNOWN.has(imp.name))
      || (imp.module === 'wasi' && imp.name === 'thread-spawn') || (imp.module === 'env' && imp.name === 'memory' && imp.kind === 'memory');
    if (!ok) return `imports ${imp.kind} ${imp.module}.${imp.name}, which Cosix does not provide`;
  }
  if (!WebAssembly.Module.exports(mod).some((e) => e.name === '_start' && e.kind === 'function')) return 'exports no _start function';
  const secs = sections(bytes);
  const own = secs.find((s) => s.id === 5);
  let min = 1, max = WASM_MAX_PAGES, out = bytes;
  if (own) {
    const [mn, mx] = ownMemory(bytes, own);
    min = mn; max = Math.min(mx ?? WASM_MAX_PAGES, WASM_MAX_PAGES);
    if (min > max) return `needs ${min} pages of memory, more than the ${WASM_MAX_PAGES} allowed`;
    out = importMemory(bytes, secs, min, max);
    try { mod = new WebAssembly.Module(out); } catch (e) { return `cannot import its memory: ${(e as Error).message}`; }
  } else {
    const lim = importedMemory(bytes, secs);
    if (!lim) return 'has no memory';
    if (!lim.shared) return 'imports a memory that is not shared';
    [min, max] = [lim.min, Math.min(lim.max, WASM_MAX_PAGES)];
  }
  return { module: mod, bytes: out, minPages: Math.max(min, 1), maxPages: max };
}
