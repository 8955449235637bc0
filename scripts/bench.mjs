#!/usr/bin/env node
// npm run bench: every figure is printed beside a baseline measured in the same run, as a ratio, because
// the machines this runs on are shared and noisy. `--quick` shortens every run (used by the smoke test).
import { PassThrough } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { SerialPort } from '@cosix/hw';
import { bootKernel, ConsoleDevice, HostfsMount, PseudoFactory, RIGHTSETS, spawnProgram } from '@cosix/kernel';
import { closeSync, existsSync, readFileSync, mkdtempSync, openSync, readSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, connect as netConnect } from 'node:net';
import { spawnSync } from 'node:child_process';
import { WASI } from 'node:wasi';
import { fileURLToPath } from 'node:url';
import { bulkThroughput, lossyGoodput, manyConnections } from '../packages/netstack/dist/bench/tcp.js';
import { ArgFd } from '@cosix/kernel/abi';

const quick = process.argv.includes('--quick');
// `--core`: only the syscall, lock, pipe and spawn figures (the ones a change to the thread runtime moves).
const core = process.argv.includes('--core');
const NPROCS = quick ? 50 : Number(process.env.COSIX_BENCH_PROCS ?? 1000);
const rows = [];
const row = (name, value, unit, baseName, base, better = 'lower') => {
  const ratio = better === 'lower' ? base / value : value / base;
  rows.push({ name, value, unit, baseName, base, ratio });
  console.log(`${name.padEnd(44)} ${fmt(value).padStart(10)} ${unit.padEnd(8)} | ${baseName.padEnd(34)} ${fmt(base).padStart(10)} ${unit.padEnd(8)} | ${ratio.toFixed(2)}x`);
};
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toPrecision(3));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p99 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)];

function machine() {
  let out = '';
  const stream = new PassThrough();
  stream.on('data', (b) => { out += b; });
  const serial = new SerialPort(stream);
  // NPROCS sleepers at once (the RSS-per-process figure) need a machine larger than the default one: room
  // for their threads, processes and cores, and an OOM ceiling that lets the host hold them.
  const room = NPROCS + 64;
  const k = bootKernel({
    serial, minWorkers: 4, maxWorkers: room, maxThreads: room, maxProcesses: room, memoryBytes: room * 16 * 2 ** 20 + 2 ** 30,
    oomRssBytes: Number.MAX_SAFE_INTEGER,
  });
  /** Runs bootfs program `name` with fds 0 and 2 the console, 1 bootfs, 3 `fd3` (a pseudo-pair factory by default). */
  const runWith = (name, args, fd3) => {
    const con = new ConsoleDevice(k, serial);
    const before = out.length;
    const r = spawnProgram(k, name, args ?? { stdout: new ArgFd(0) }, [{ obj: con, rights: RIGHTSETS.console }, { obj: k.bootfs.rootObject(k), rights: RIGHTSETS.roDir }, { obj: con, rights: RIGHTSETS.console }, fd3 ?? { obj: PseudoFactory.open(k), rights: RIGHTSETS.pseudoFactory }]);
    return { ...r, output: () => out.slice(before) };
  };
  return { k, run: (name, args) => runWith(name, args), runWith };
}

/** postMessage round trips between the main thread and a worker, timed in the worker (us). */
async function postMessageRtt(n) {
  const code = `
    const { parentPort } = require('node:worker_threads');
    const xs = []; let t0 = 0, i = 0;
    parentPort.on('message', () => {
      if (i > 0) xs.push((performance.now() - t0) * 1000);
      if (i++ === ${n}) { parentPort.postMessage({ xs }); return; }
      t0 = performance.now(); parentPort.postMessage('ping');
    });`;
  const w = new Worker(code, { eval: true });
  const res = await new Promise((resolve) => {
    w.on('message', (m) => (m === 'ping' ? w.postMessage('pong') : resolve(m.xs)));
    w.postMessage('start');
  });
  await w.terminate();
  return res.slice(Math.floor(res.length / 10));
}

async function coldWorker(n) {
  const xs = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const w = new Worker('require("node:worker_threads").parentPort.postMessage(0)', { eval: true });
    await new Promise((r) => w.once('exit', r));
    xs.push(performance.now() - t0);
  }
  return xs;
}

async function main() {
  console.log(`Cosix benchmarks${quick ? ' (quick)' : ''} on ${process.version}; ratio > 1 means Cosix is better than the baseline\n`);
  const { k, run, runWith } = machine();

  const b = run('bench_syscall', { stdout: new ArgFd(0), quick });
  await b.done;
  const res = JSON.parse(b.output().trim().split('\n').pop());
  const pm = await postMessageRtt(quick ? 2000 : 20000);
  row('null syscall round trip, median', res.nullSyscall.median, 'us', 'postMessage round trip, median', median(pm));
  row('null syscall round trip, p99 (of batch means)', res.nullSyscall.p99, 'us', 'postMessage round trip, p99', p99(pm));
  row('uncontended lock+unlock per thread', res.locks.lockPerSec / 1e6, 'M/s', 'bare Atomics.compareExchange pair', res.locks.casPerSec / 1e6, 'higher');
  row('contended lock handoff (2 threads), median', res.contended.median, 'us', 'null syscall round trip, median', res.nullSyscall.median);
  row('pipe, 64 KiB writes, process to process', res.pipe.mbps, 'MB/s', 'raw SharedArrayBuffer ring copy', res.ring.mbps, 'higher');

  const spawnMs = [];
  for (let i = 0; i < (quick ? 10 : 100); i++) {
    const t0 = performance.now();
    await run('hello', { stdout: new ArgFd(0), text: '' }).done;
    spawnMs.push(performance.now() - t0);
  }
  const cold = await coldWorker(quick ? 5 : 20);
  row('process spawn to exit (trivial), median', median(spawnMs), 'ms', 'cold new Worker to exit, median', median(cold));
  if (core) { for (const p of [...k.procs]) k.terminate(p, { code: 0, signal: 10 }); process.exit(0); }

  const fsb = run('bench_fs', { stdout: new ArgFd(0), bootfs: new ArgFd(1), pseudo: new ArgFd(3), quick });
  await fsb.done;
  const fres = JSON.parse(fsb.output().trim().split('\n').pop());
  const host = hostFs(quick);
  row('tmpfs open+write 4K+close+reopen+read+unlink', fres.cyclesPerSec, '/s', 'Node fs on /dev/shm, same cycle', host.cyclesPerSec, 'higher');
  row('tmpfs sequential write, 1 MiB buffers', fres.writeMBps, 'MB/s', 'Node fs on /dev/shm', host.writeMBps, 'higher');
  row('tmpfs sequential read, 1 MiB buffers', fres.readMBps, 'MB/s', 'Node fs on /dev/shm', host.readMBps, 'higher');
  row('tmpfs stat of an existing path', fres.statUs, 'us', 'fs.statSync on /dev/shm', host.statUs);
  const relay = await relayFloor(quick ? 2000 : 20000);
  row('tmpfs stat of an existing path', fres.statUs, 'us', 'bare Atomics relay, 3 threads (floor)', relay);
  // hostfs (cosix run --dir): the same stat through a host directory served by the hostfs daemon.
  const hdir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : '/tmp', 'cosix-hostfs-'));
  writeFileSync(join(hdir, 'f'), 'x');
  const mount = new HostfsMount(k, hdir, true), nstat = quick ? 500 : 5000;
  const hs = runWith('bench_stat', { dir: new ArgFd(3), path: 'f', n: nstat, stdout: new ArgFd(0) }, { obj: mount.directory(), rights: RIGHTSETS.all });
  await hs.done;
  const hres = JSON.parse(hs.output().trim().split('\n').pop());
  const s0 = performance.now();
  for (let i = 0; i < nstat; i++) statSync(join(hdir, 'f'));
  row('hostfs stat of an existing path', hres.statUs, 'us', 'fs.statSync on the same file', ((performance.now() - s0) * 1e3) / nstat);
  await mount.stop();
  rmSync(hdir, { recursive: true, force: true });
  for (const p of [...k.procs]) k.terminate(p, { code: 0, signal: 10 });

  // WebAssembly programs (issue 3).
  const cbench = fileURLToPath(new URL('../test/programs/c/c_bench.wasm', import.meta.url));
  const cli = fileURLToPath(new URL('../packages/kernel/dist/cli.js', import.meta.url));
  const nodeWasi = fileURLToPath(new URL('./node-wasi-run.mjs', import.meta.url));
  const times = (argv) => Array.from({ length: quick ? 3 : 7 }, () => { const t = performance.now(); spawnSync(process.execPath, argv, { stdio: 'ignore' }); return performance.now() - t; });
  row('cosix run c_bench.wasm (trivial), start to exit', median(times([cli, 'run', cbench, '--', 'hash', '0'])), 'ms', 'node:wasi, same module, start to exit', median(times([nodeWasi, cbench, 'hash', '0'])));
  const wb = run('bench_wasi', { stdout: new ArgFd(0), bootfs: new ArgFd(1) });
  await wb.done;
  const wres = JSON.parse(wb.output().trim().split('\n').pop());
  row('WASI C fd_write 64 KiB to a pipe', wres.cMBps, 'MB/s', 'same writes from JS on libc', wres.jsMBps, 'higher');
  const rounds = quick ? 100 : 400;
  let t1 = performance.now();
  await run('c_bench', { name: 'c_bench', args: ['hash', String(rounds)], stdout: new ArgFd(0) }).done;
  const inCosix = performance.now() - t1;
  t1 = performance.now();
  runNodeWasi(cbench, ['hash', String(rounds)]);
  const inNode = performance.now() - t1;
  row(`CPU-bound C (${rounds}M hash rounds) in Cosix`, inCosix, 'ms', 'node:wasi, same module', inNode);

  // The TCP/IP stack as a library (issue 5): two stacks over an in-memory link.
  const bulkBytes = quick ? 8 << 20 : 64 << 20;
  row('netstack TCP bulk transfer, two stacks', await bulkThroughput(bulkBytes), 'MB/s', 'Node net over loopback', await nodeLoopback(bulkBytes), 'higher');
  const secs = quick ? 20 : 60;
  for (const loss of [0, 0.01, 0.05]) {
    const g = await lossyGoodput(loss, 100, 32 << 10, secs);
    const smol = { 0: 0.986, 0.01: 0.67 }[loss];
    if (smol) row(`TCP goodput, ${loss * 100}% loss, 32K window, 100 ms RTT`, g * 100, '%', 'smoltcp published (no congestion ctl)', smol * 100, 'higher');
    else console.log(`TCP goodput, ${loss * 100}% loss, 32K window, 100 ms RTT       ${(g * 100).toFixed(1).padStart(10)} %        (of window/RTT; no published baseline)`);
  }
  const nconn = quick ? 1000 : 10000;
  const mc = await manyConnections(nconn);
  console.log(`${nconn} concurrent TCP connections through one stack: ${mc.ms.toFixed(0)} ms to open, ${(mc.bytesPerConnection / 1024).toFixed(1)} KiB heap per connection (both ends)`);

  if (global.gc) global.gc();
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const sleepers = Array.from({ length: NPROCS }, () => run('sleeper'));
  while (k.stats.syscalls < 1 || [...k.procs].some((p) => [...p.threads.values()].some((t) => !t.waiter))) await new Promise((r) => setTimeout(r, 50));
  const upMs = performance.now() - t0;
  const perProc = (process.memoryUsage().rss - rss0) / NPROCS;
  const idle = await idleWorkerRss(quick ? 10 : 50);
  row(`${NPROCS} processes blocked in poll: RSS per process`, perProc / 1048576, 'MiB', 'idle worker_thread: RSS per worker', idle / 1048576);
  console.log(`  (${NPROCS} processes up and blocked in ${upMs.toFixed(0)} ms)`);
  for (const p of [...k.procs]) k.terminate(p, { code: 0, signal: 10 });
  await Promise.all(sleepers.map((s) => s.done));
  await k.shutdown();
  return rows;
}

/** Runs a WASI module under Node's own node:wasi in this process (stdout discarded). */
function runNodeWasi(file, args) {
  const devnull = openSync('/dev/null', 'w');
  const wasi = new WASI({ version: 'preview1', args: ['prog', ...args], env: {}, stdout: devnull, returnOnExit: true });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), wasi.getImportObject());
  try { return wasi.start(inst); } finally { closeSync(devnull); }
}

/** MB/s of one TCP stream over the host's loopback with Node's net (the baseline for the netstack). */
async function nodeLoopback(bytes) {
  const server = createServer((sock) => { sock.on('data', () => {}); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  const chunk = Buffer.alloc(64 << 10, 3);
  const t0 = performance.now();
  await new Promise((resolve, reject) => {
    const c = netConnect(port, '127.0.0.1', () => {
      let sent = 0;
      const pump = () => { while (sent < bytes) { sent += chunk.length; if (!c.write(chunk)) return c.once('drain', pump); } c.end(); };
      pump();
    });
    c.on('close', resolve); c.on('error', reject);
  });
  const mbps = bytes / 1048576 / ((performance.now() - t0) / 1e3);
  await new Promise((r) => server.close(r));
  return mbps;
}

/**
 * The floor of any call a daemon answers: a bare relay client -> main thread -> daemon -> main thread ->
 * client over SharedArrayBuffer words, no Cosix code at all, arranged as Cosix arranges it (the main thread
 * spins, the daemon spins while idle, the client sleeps in Atomics.wait while its call is away). Mean us per
 * round trip, as the tmpfs figures are means. On two cores one of the three threads must sleep, and waking
 * it is most of the cost.
 */
async function relayFloor(n) {
  const sab = new SharedArrayBuffer(64), w = new Int32Array(sab);
  const head = `const { workerData: { sab, n } } = require('node:worker_threads'); const w = new Int32Array(sab);
    const waitFor = (i, spin) => { for (let k = 0; k < spin; k++) if (Atomics.load(w, i) !== 0) return; while (Atomics.load(w, i) === 0) Atomics.wait(w, i, 0); };`;
  // words: 0 client request, 1 client answer, 2 daemon request, 3 daemon answer, 4 client done, 5 daemon stop
  const client = new Worker(`${head}
    const t0 = performance.now();
    for (let i = 0; i < n; i++) { Atomics.store(w, 0, 1); waitFor(1, 0); Atomics.store(w, 1, 0); }
    w[6] = Math.round((performance.now() - t0) * 1e6 / n); Atomics.store(w, 4, 1);`, { eval: true, workerData: { sab, n } });
  const daemon = new Worker(`${head}
    for (;;) { waitFor(2, 1 << 16); if (Atomics.load(w, 5)) break; Atomics.store(w, 2, 0); Atomics.store(w, 3, 1); }`, { eval: true, workerData: { sab, n } });
  await new Promise((r) => setTimeout(r, 100));
  while (Atomics.load(w, 4) === 0) {
    if (Atomics.load(w, 0) === 1) { Atomics.store(w, 0, 0); Atomics.store(w, 2, 1); Atomics.notify(w, 2); }
    if (Atomics.load(w, 3) === 1) { Atomics.store(w, 3, 0); Atomics.store(w, 1, 1); Atomics.notify(w, 1); }
  }
  Atomics.store(w, 5, 1); Atomics.store(w, 2, 1); Atomics.notify(w, 2);
  await Promise.all([client.terminate(), daemon.terminate()]);
  return w[6] / 1000;
}

/** The same file-system work with Node's fs on the host's tmpfs (/dev/shm), in this process. */
function hostFs(quick) {
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : '/tmp', 'cosix-bench-'));
  const n = quick ? 200 : 2000, page = Buffer.alloc(4096, 7), f = join(dir, 'f');
  let t0 = performance.now();
  for (let i = 0; i < n; i++) {
    let fd = openSync(f, 'w'); writeSync(fd, page); closeSync(fd);
    fd = openSync(f, 'r'); readSync(fd, Buffer.alloc(4096)); closeSync(fd);
    unlinkSync(f);
  }
  const cyclesPerSec = n / ((performance.now() - t0) / 1e3);
  const mb = quick ? 16 : 64, chunk = Buffer.alloc(1 << 20, 1), big = join(dir, 'big');
  const fd = openSync(big, 'w+');
  t0 = performance.now();
  for (let i = 0; i < mb; i++) writeSync(fd, chunk);
  const writeMBps = mb / ((performance.now() - t0) / 1e3);
  t0 = performance.now();
  const rb = Buffer.alloc(1 << 20);
  for (let i = 0; i < mb; i++) readSync(fd, rb, 0, rb.length, i * rb.length);
  const readMBps = mb / ((performance.now() - t0) / 1e3);
  t0 = performance.now();
  for (let i = 0; i < n; i++) statSync(big);
  const statUs = ((performance.now() - t0) * 1e3) / n;
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  return { cyclesPerSec, writeMBps, readMBps, statUs };
}

async function idleWorkerRss(n) {
  if (global.gc) global.gc();
  const rss0 = process.memoryUsage().rss;
  const ws = [];
  for (let i = 0; i < n; i++) {
    const w = new Worker('require("node:worker_threads").parentPort.postMessage(0); setInterval(() => {}, 1e6)', { eval: true });
    await new Promise((r) => w.once('message', r));
    ws.push(w);
  }
  const per = (process.memoryUsage().rss - rss0) / n;
  await Promise.all(ws.map((w) => w.terminate()));
  return per;
}

const result = await main();
if (process.env.COSIX_BENCH_JSON) console.log(JSON.stringify(result));
process.exit(0);
