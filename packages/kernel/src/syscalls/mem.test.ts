// A WebAssembly process keeps the kernel's pages (control blocks, auxv and argdata) in reserved segments above
// its core, which its own allocator owns whole. Userland may not unmap, remap or re-protect those pages, as it
// may not touch the RESERVED pages of a JS process's core: every mem_* call on a range touching one is EINVAL.
// No WASI import reaches these calls, so the handlers are driven here directly, on a real process.
import { expect } from 'chai';
import { E, MAP_ANON_FD, MFLAGS, MPROT } from '../abi/index.js';
import { Kernel } from '../kernel.js';
import type { Process } from '../proc.js';
import { PAGE_SIZE, WASM_PAGE } from '../params.js';
import type { Thread } from '../thread.js';
import { mem_map, mem_protect, mem_sync, mem_unmap } from './mem.js';

/** Just enough of a thread of `proc` for the mem_* handlers: its argument slots. */
function caller(k: Kernel, proc: Process, args: (number | bigint)[]): Thread {
  return { kernel: k, proc, u32: (n: number) => Number(args[n]), u64: (n: number) => BigInt(args[n]), setResult: () => {} } as unknown as Thread;
}

describe('mem_* on the kernel pages of a WebAssembly process', () => {
  let k: Kernel, p: Process;
  before(() => {
    k = new Kernel({ minWorkers: 0 });
    const made = k.newProcess('wasm');
    if (typeof made === 'number') throw new Error(`newProcess: ${made}`);
    p = made;
    p.resetMemory(WASM_PAGE, 4 * WASM_PAGE); // a growable core, as exec of a .wasm gives
    expect(p.setupArgs(new Uint8Array(16), 1)).to.be.greaterThan(0);
  });
  after(() => k.shutdown());

  it('refuses mem_protect, mem_unmap, mem_sync and a FIXED mem_map over a control block page', () => {
    const cb = p.allocCb(), page = cb - (cb % PAGE_SIZE);
    expect(page, 'the CB lies above the core').to.be.at.least(p.vm.coreBytes);
    const seg = p.vm.segmentAt(page)!, before = seg.prot.slice();
    expect(mem_protect(caller(k, p, [page, PAGE_SIZE, 0])), 'mem_protect to nothing').to.equal(E.INVAL);
    expect(mem_protect(caller(k, p, [page, PAGE_SIZE, MPROT.READ])), 'mem_protect to READ').to.equal(E.INVAL);
    expect(mem_unmap(caller(k, p, [page, PAGE_SIZE])), 'mem_unmap').to.equal(E.INVAL);
    expect(mem_sync(caller(k, p, [page, PAGE_SIZE, 0])), 'mem_sync').to.equal(E.INVAL);
    const fixed = MFLAGS.ANON | MFLAGS.SHARED | MFLAGS.FIXED;
    expect(mem_map(caller(k, p, [page, PAGE_SIZE, MPROT.READ | MPROT.WRITE, fixed, MAP_ANON_FD, 0n])), 'FIXED mem_map').to.equal(E.INVAL);
    // A range that only starts before the kernel pages is refused too.
    expect(mem_unmap(caller(k, p, [page - PAGE_SIZE, 2 * PAGE_SIZE])), 'a range reaching into it').to.equal(E.INVAL);
    expect(p.vm.segmentAt(page), 'the segment is still mapped').to.equal(seg);
    expect([...seg.prot], 'its protections are unchanged').to.deep.equal([...before]);
    p.freeCb(cb);
  });

  it('refuses them on the auxv and argdata pages', () => {
    const auxv = p.auxv;
    expect(auxv).to.be.at.least(p.vm.coreBytes);
    expect(mem_protect(caller(k, p, [auxv, PAGE_SIZE, 0]))).to.equal(E.INVAL);
    expect(mem_unmap(caller(k, p, [auxv, PAGE_SIZE]))).to.equal(E.INVAL);
  });
});
