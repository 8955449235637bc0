// The benchmarks still run: `npm run bench -- --quick` end to end, every figure printed as a finite number
// beside its baseline. Nothing here judges a figure (performance is shown by `npm run bench`, never tested).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCH = fileURLToPath(new URL('../../scripts/bench.mjs', import.meta.url));

describe('benchmarks (smoke)', function () {
  this.timeout(300_000);

  it('npm run bench -- --quick runs every benchmark and prints each figure with its ratio', () => {
    const r = spawnSync(process.execPath, [BENCH, '--quick'], { encoding: 'utf8', timeout: 280_000 });
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    const rows = r.stdout.split('\n').filter((l) => / \| .* \| +[\d.]+x$/.test(l));
    for (const name of ['null syscall round trip, median', 'pipe, 64 KiB writes', 'tmpfs open+write 4K+close+reopen+read+unlink',
      'tmpfs sequential write', 'tmpfs sequential read', 'tmpfs stat of an existing path', 'hostfs stat of an existing path', 'cosix run c_bench.wasm',
      'netstack TCP bulk transfer', 'processes blocked in poll']) {
      expect(rows.some((l) => l.includes(name)), `a row for ${name}:\n${r.stdout}`).to.equal(true);
    }
    for (const l of rows) expect(l, l).to.not.match(/NaN|Infinity/);
  });
});
