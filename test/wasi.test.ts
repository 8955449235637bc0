// WebAssembly (WASI preview1) programs as Cosix processes: WAT modules assembled here with wabt, and the
// C userland built with clang + wasi-libc (committed builds, checked against their sources), run through
// `cosix run` with hostfs and inside Cosix against tmpfs.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';
import { TestMachine } from './harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'packages/kernel/dist/cli.js');
const cosix = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000, input: '' });

describe('WASI programs', function () {
  this.timeout(60_000);
  let dir: string;
  const wat: Record<string, string> = {};
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cosix-wasi-'));
    const wabt = await wabtInit();
    for (const f of readdirSync(join(ROOT, 'test/wasm'))) {
      const m = wabt.parseWat(f, readFileSync(join(ROOT, 'test/wasm', f), 'utf8'), { threads: true });
      wat[f.replace('.wat', '')] = join(dir, f.replace('.wat', '.wasm'));
      writeFileSync(wat[f.replace('.wat', '')], m.toBinary({}).buffer);
      m.destroy();
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a module that defines its own memory: stdout, args, exit code', () => {
    const r = cosix('run', wat.hello, '--', 'a', 'b');
    expect(r.stdout).to.equal('hello from wasm\n');
    expect(r.status).to.equal(43);
  });

  it('a trap is a non-zero exit with a message, never a kernel crash', () => {
    const r = cosix('run', wat.trap);
    expect(r.status).to.equal(134);
    expect(r.stderr).to.include('wasm trap: unreachable');
  });

  it('refuses modules that import unknown functions, and files that are not WebAssembly', () => {
    const u = cosix('run', wat.unknown);
    expect(u.status).to.equal(126);
    expect(u.stderr).to.include('env.launch_missiles');
    const bad = join(dir, 'bad.wasm');
    writeFileSync(bad, Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff]));
    const b = cosix('run', bad);
    expect(b.status).to.equal(126);
    expect(b.stderr).to.include('not a valid WebAssembly module');
  });

  it('runs a C program carrying 6 MiB of debug sections (a Rust or large C build\'s size), as node:wasi does', () => {
    const leb = (v: number) => { const o: number[] = []; do { let x = v & 127; v = Math.floor(v / 128); if (v) x |= 128; o.push(x); } while (v); return o; };
    const custom = (name: string, size: number) => {
      const n = Buffer.from(name);
      return Buffer.concat([Buffer.from([0, ...leb(1 + n.length + size), n.length]), n, Buffer.alloc(size, 0x2a)]);
    };
    const big = join(dir, 'c_misc_debug.wasm');
    writeFileSync(big, Buffer.concat([readFileSync(join(ROOT, 'test/programs/c/c_misc.wasm')), custom('.debug_info', 4 << 20), custom('.debug_str', 2 << 20)]));
    const r = cosix('run', big, '--env', 'COSIX=yes');
    expect(r.stdout, r.stderr).to.include('c_misc: ok');
    expect(r.status).to.equal(0);
  });

  it('a program that runs out of memory gets memory.grow = -1 at its maximum and exits normally', () => {
    expect(cosix('run', wat.oom).status).to.equal(49); // 1 + 3 * 16 pages: the next 16 would pass 64
  });

  it('a program that loops forever is killed by --timeout', () => {
    expect(cosix('run', wat.loop, '--timeout', '300').status).to.equal(124);
  });

  it('runs wasi-threads modules: threads are Cosix threads on the shared memory', () => {
    expect(cosix('run', wat.threads).status).to.equal(40);
  });

  it('C programs: files through hostfs with --dir, clocks, args, env and traps', () => {
    const data = mkdtempSync(join(dir, 'data-'));
    const f = cosix('run', join(ROOT, 'test/programs/c/c_files.wasm'), '--dir', `${data}::/data`);
    expect(f.stdout, f.stderr).to.include('c_files: ok');
    expect(f.status).to.equal(0);
    const m = cosix('run', join(ROOT, 'test/programs/c/c_misc.wasm'), '--env', 'COSIX=yes');
    expect(m.stdout).to.include('c_misc: ok');
    expect(cosix('run', join(ROOT, 'test/programs/c/c_misc.wasm'), '--', 'exit', '9').status).to.equal(9);
    expect(cosix('run', join(ROOT, 'test/programs/c/c_misc.wasm'), '--', 'trap').status).to.equal(134);
    const edges = cosix('run', join(ROOT, 'test/programs/c/c_wasi_edges.wasm'), '--dir', `${mkdtempSync(join(dir, 'edges-'))}::/data`, '--', 'hostfs');
    expect(edges.stdout, edges.stderr).to.include('c_wasi_edges: ok');
  });

  it('C programs: the same file tests against tmpfs, inside Cosix, with nothing left behind', async () => {
    const m = new TestMachine();
    try {
      for (const program of ['c_files', 'c_misc', 'c_wasi_edges']) {
        const r = await m.runWithPseudo('c_runner', { program, env: { COSIX: 'yes' }, args: ['tmpfs'] });
        expect(r.output).to.include(`${program}: ok`);
        expect(r.status).to.deep.equal({ code: 0, signal: 0 });
      }
      // Four C processes append to one file and make directories at once; then a fifth checks every line.
      const conc = await m.runWithPseudo('c_runner', { program: 'c_concurrent', args: ['write'], writers: 4, then: ['check', '4'] });
      expect(conc.output, conc.output).to.include('c_concurrent: ok');
      expect(conc.status).to.deep.equal({ code: 0, signal: 0 });
      // A trapping WebAssembly process ends alone: the kernel and the next process are fine.
      const trap = await m.runWithPseudo('c_runner', { program: 'c_misc', args: ['trap'] });
      expect(trap.status).to.deep.equal({ code: 128 + 1, signal: 0 }); // c_runner reports 128 + CloudABI SIGABRT
      expect(trap.output).to.include('wasm trap: unreachable');
      expect((await m.run('pipe_test')).status).to.deep.equal({ code: 0, signal: 0 });
      const s = await m.settled();
      expect(s).to.include({ liveProcesses: 0, threads: 0, waiters: 0, objects: 0 });
    } finally { await m.shutdown(); }
  });

  it('every committed C build matches its source (run scripts/build-c.sh after editing a .c file)', () => {
    const cdir = join(ROOT, 'test/programs/c');
    const manifest = JSON.parse(readFileSync(join(cdir, 'manifest.json'), 'utf8')) as Record<string, string>;
    const sources = readdirSync(cdir).filter((f) => f.endsWith('.c'));
    expect(Object.keys(manifest).sort()).to.deep.equal(sources.sort());
    for (const src of sources) {
      expect(createHash('sha256').update(readFileSync(join(cdir, src))).digest('hex'), `${src} changed without a rebuild`).to.equal(manifest[src]);
      expect(readdirSync(cdir)).to.include(src.replace('.c', '.wasm'));
    }
  });
});
