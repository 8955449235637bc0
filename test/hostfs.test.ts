// hostfs as a daemon: the kernel's side (HostfsMount) and a worker thread of the host serving the files.
// A daemon that dies in the middle of a stream of requests fails them with EIO, and the kernel goes on.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostfsMount, RIGHTSETS, spawnProgram } from '@cosix/kernel';
import { ArgFd, E } from '@cosix/kernel/abi';
import { TestMachine } from './harness.js';

describe('hostfs daemon', function () {
  this.timeout(60_000);
  let m: TestMachine, dir: string;
  before(() => { m = new TestMachine(); dir = mkdtempSync(join(tmpdir(), 'cosix-hostfs-')); });
  after(async () => { await m.shutdown(); rmSync(dir, { recursive: true, force: true }); });

  it('a mount whose daemon worker is stopped mid-stream fails its callers with EIO; the kernel goes on', async function () {
    const k = m.kernel, mount = new HostfsMount(k, dir, false), before = m.output.length;
    const p = spawnProgram(k, 'fs_hammer', { dir: new ArgFd(3) }, [...m.caps(), { obj: mount.directory(), rights: RIGHTSETS.all }]);
    while (mount.reverse.inFlight === 0 && !m.output.slice(before).includes('fs_hammer')) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50)); // let requests flow for a while
    await mount.worker!.terminate(); // the daemon dies, as a crash would end it
    await p.done;
    const [, n, errno] = /fs_hammer: (\d+) (\d+)/.exec(m.output.slice(before)) ?? [];
    expect(Number(n), m.output.slice(before)).to.be.greaterThan(0);
    expect(Number(errno)).to.equal(E.IO);
    expect((await m.run('hello', { stdout: new ArgFd(0), text: 'still here\n' })).output).to.equal('still here\n');
    const s = await m.settled();
    expect(s, JSON.stringify(s)).to.include({ liveProcesses: 0, threads: 0, waiters: 0, timers: 0 });
  });

  it('no escape through a race: a directory swapped for a symlink out of the tree while a program opens through it', async function () {
    // The program opens sub/secret over and over; meanwhile a shell swaps sub for a symlink to a directory
    // outside the mount that has a secret of its own. hostfs walks each component through an fd it holds,
    // with O_NOFOLLOW, so a swap can only make an open fail, never reach the outside file.
    const inner = join(dir, 'race'), outer = join(dir, 'outside');
    mkdirSync(join(inner, 'sub'), { recursive: true }); mkdirSync(outer);
    writeFileSync(join(inner, 'sub/secret'), 'inside'); writeFileSync(join(outer, 'secret'), 'OUTSIDE');
    const swapper = spawn('bash', ['-c', `cd ${inner}; while :; do mv sub sub.real; ln -s ${outer} sub; rm sub; mv sub.real sub; done`], { stdio: 'ignore' });
    try {
      const k = m.kernel, mount = new HostfsMount(k, inner, true), before = m.output.length;
      const p = spawnProgram(k, 'race_open', { dir: new ArgFd(3), path: 'sub/secret', inside: 'inside', n: 3000, stdout: new ArgFd(0) },
        [...m.caps(), { obj: mount.directory(), rights: RIGHTSETS.all }]);
      await p.done;
      await mount.stop();
      const [, ok, refused, escaped] = /race_open: (\d+) (\d+) (\d+)/.exec(m.output.slice(before)) ?? [];
      expect(Number(escaped), m.output.slice(before)).to.equal(0);
      expect(Number(ok), 'some opens reached the inside file').to.be.greaterThan(0);
      expect(Number(refused), 'and some raced with a swap (else the test proved nothing)').to.be.greaterThan(0);
    } finally {
      swapper.kill('SIGKILL');
    }
  });

  it('mem_map of a host file follows the fd\'s rights: a read-only fd is never mapped writable, and its mapping never writes the file', async function () {
    // maprights_test (test/programs) maps ro.txt through an fd with FD_READ only: SHARED with WRITE must fail,
    // mem_protect must not raise it, and mem_sync after the program stored into the mapping must not write
    // it back. rw.txt, mapped through a writable fd, is the control: its change must reach the host. Then
    // shared.txt is mapped read-only by a reader process that stores into it, and writable by a writer that syncs.
    const sub = join(dir, 'maps'), text = 'host bytes that no read-only mapping may change\n'.padEnd(4096, '.');
    mkdirSync(sub);
    writeFileSync(join(sub, 'ro.txt'), text); writeFileSync(join(sub, 'rw.txt'), text);
    const k = m.kernel, mount = new HostfsMount(k, sub, false), before = m.output.length;
    const p = spawnProgram(k, 'maprights_test', { dir: new ArgFd(3), bootfs: new ArgFd(1), text }, [...m.caps(), { obj: mount.directory(), rights: RIGHTSETS.all }]);
    const status = await p.done;
    await mount.stop();
    const out = m.output.slice(before);
    expect(out, out).to.include('maprights_test: ok');
    expect(status).to.deep.equal({ code: 0, signal: 0 });
    expect(readFileSync(join(sub, 'ro.txt'), 'utf8'), 'the host file behind the read-only fd').to.equal(text);
    expect(readFileSync(join(sub, 'rw.txt'), 'utf8'), 'the control').to.equal('CHANGED' + text.slice(7));
    // shared.txt: a reader process stored SCRIBBLE into its read-only mapping, and a writer synced its
    // writable mapping of the same file afterwards: the host file has the writer's bytes and none of the reader's.
    const want = text.slice(0, 100) + 'STORED' + text.slice(106, 200) + 'PWRITE' + text.slice(206);
    expect(readFileSync(join(sub, 'shared.txt'), 'utf8'), 'the file a read-only mapper stored into').to.equal(want);
    const s = await m.settled();
    expect(s, JSON.stringify(s)).to.include({ liveProcesses: 0, threads: 0, waiters: 0, timers: 0 });
  });

  it('a mount that is cut off (as for a missed deadline) ends its daemon process and worker', async function () {
    const k = m.kernel, mount = new HostfsMount(k, dir, false), w = mount.worker!;
    const gone = new Promise((r) => w.once('exit', r));
    expect(mount.proc.alive).to.equal(true);
    mount.reverse.cutOff();
    expect(mount.proc.alive).to.equal(false);
    await gone;
    const s = await m.settled();
    expect(s, JSON.stringify(s)).to.include({ liveProcesses: 0, threads: 0, workersBusy: 0 });
  });

  it('a root that is not a directory is refused when mounting', () => {
    expect(() => new HostfsMount(m.kernel, join(dir, 'missing'), false)).to.throw(/ENOENT/);
  });
});
