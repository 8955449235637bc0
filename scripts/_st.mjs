import { TestMachine } from '../test/dist/harness.js';
const m = new TestMachine();
const t0 = Date.now();
const r = await m.run('stress_test', { waves: Number(process.argv[2]), threads: 20, children: 20 }, 120000);
console.log(JSON.stringify(r.status), JSON.stringify(r.output.slice(0, 500)), Date.now() - t0, 'ms');
await m.shutdown(); await new Promise((r) => setTimeout(r, 500)); process.exit(0);
