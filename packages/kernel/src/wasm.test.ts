import { expect } from 'chai';
import { prepareWasm } from './wasm.js';

// (module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32))) (memory 2 5) (func (export "_start")))
const OWN_MEMORY = Uint8Array.from([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 2, 96, 1, 127, 0, 96, 0, 0, 2, 36, 1, 22, 119, 97, 115, 105, 95, 115, 110, 97,
  112, 115, 104, 111, 116, 95, 112, 114, 101, 118, 105, 101, 119, 49, 9, 112, 114, 111, 99, 95, 101, 120, 105, 116,
  0, 0, 3, 2, 1, 1, 5, 4, 1, 1, 2, 5, 7, 10, 1, 6, 95, 115, 116, 97, 114, 116, 0, 1, 10, 4, 1, 2, 0, 11,
]);

describe('prepareWasm', () => {
  it('turns a module\'s own memory into an imported shared env.memory with the same limits', () => {
    const w = prepareWasm(OWN_MEMORY);
    if (typeof w === 'string') throw new Error(w);
    expect([w.minPages, w.maxPages]).to.deep.equal([2, 5]);
    const imports = WebAssembly.Module.imports(w.module);
    expect(imports.map((i) => `${i.module}.${i.name}:${i.kind}`)).to.deep.equal(['wasi_snapshot_preview1.proc_exit:function', 'env.memory:memory']);
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 5, shared: true });
    const inst = new WebAssembly.Instance(w.module, { wasi_snapshot_preview1: { proc_exit: () => {} }, env: { memory } });
    expect(typeof inst.exports._start).to.equal('function');
  });

  it('rewrites a module with a multi-megabyte code section and custom section (each copied as a slice, not spread into a call)', () => {
    const leb = (v: number) => { const o: number[] = []; do { let x = v & 127; v = Math.floor(v / 128); if (v) x |= 128; o.push(x); } while (v); return o; };
    const nops = new Uint8Array(3 << 20).fill(0x01); // 3 MiB of nop: a function body as large as a big C build's code
    const fnSize = leb(1 + nops.length + 1);                // no locals, the nops, end
    const code = [Uint8Array.from([10, ...leb(1 + fnSize.length + 1 + nops.length + 1), 1, ...fnSize, 0]), nops, Uint8Array.of(11)];
    const name = new TextEncoder().encode('.debug_info');
    const debug = new Uint8Array(4 << 20).fill(7);
    const custom = [Uint8Array.from([0, ...leb(1 + name.length + debug.length), name.length]), name, debug];
    const head = OWN_MEMORY.subarray(0, OWN_MEMORY.length - 6); // everything before the code section `10 4 1 2 0 11`
    const parts = [head, ...code, ...custom];
    const big = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
    parts.reduce((at, x) => (big.set(x, at), at + x.length), 0);
    const w = prepareWasm(big);
    if (typeof w === 'string') throw new Error(w);
    expect(w.bytes.length).to.be.greaterThan(7 << 20);
    const sections = (WebAssembly.Module as unknown as { customSections(m: WebAssembly.Module, n: string): ArrayBuffer[] }).customSections;
    expect(sections(w.module, '.debug_info')[0].byteLength).to.equal(debug.length);
    expect(WebAssembly.Module.imports(w.module).map((i) => i.name)).to.include('memory');
  });

  it('refuses what it cannot run, saying why', () => {
    expect(prepareWasm(Uint8Array.from([0, 97, 115, 109, 1, 0, 0, 0, 9]))).to.equal('not a valid WebAssembly module');
    const noStart = OWN_MEMORY.slice();
    noStart[noStart.indexOf(95, 60)] = 96; // "_start" -> "`start"
    expect(prepareWasm(noStart)).to.equal('exports no _start function');
    const unknown = OWN_MEMORY.slice();
    unknown[unknown.indexOf(112, 40)] = 113; // "proc_exit" -> "qroc_exit"
    expect(prepareWasm(unknown)).to.match(/imports function wasi_snapshot_preview1\.qroc_exit/);
  });
});
