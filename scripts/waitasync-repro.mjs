#!/usr/bin/env node
// Reproduces, without Cosix, the Node.js 20 behaviour that the kernel's sweep and libc's async recheck guard
// against: a worker and the main thread answer each other 2000 times through Atomics.notify and
// Atomics.waitAsync on a SharedArrayBuffer. Printed: the worst wait. A worst wait equal to the main thread's
// waitAsync timeout (1000 ms) means a notify did not resolve the waitAsync it was meant for.
import { Worker } from 'node:worker_threads';

const sab = new SharedArrayBuffer(16);
const i32 = new Int32Array(sab);
const w = new Worker(`
const { workerData, parentPort } = require('node:worker_threads');
const i32 = new Int32Array(workerData);
const keep = setInterval(() => {}, 1000); // a pending waitAsync alone does not keep a worker alive
(async () => {
  let worst = 0;
  for (let k = 0; k < 2000; k++) {
    Atomics.store(i32, 0, 1); Atomics.notify(i32, 1, 1);
    const t0 = performance.now();
    while (Atomics.load(i32, 0) === 1) { const r = Atomics.waitAsync(i32, 0, 1, 1000); if (r.async) await r.value; }
    worst = Math.max(worst, performance.now() - t0);
  }
  parentPort.postMessage(worst); clearInterval(keep);
})();`, { eval: true, workerData: sab });
const keep = setInterval(() => {}, 1000);
let done = false;
w.on('message', (m) => { console.log(`worst round trip: ${m.toFixed(1)} ms`); done = true; clearInterval(keep); void w.terminate(); });
while (!done) {
  const r = Atomics.waitAsync(i32, 1, 0, 1000);
  if (r.async) await r.value;
  if (Atomics.load(i32, 0) === 1) { Atomics.store(i32, 0, 2); Atomics.notify(i32, 0, 1); }
}
process.exit(0);
