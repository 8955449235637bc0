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
