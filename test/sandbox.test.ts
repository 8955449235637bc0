// The sandbox corpus (issue 9): every attack in test/programs/lib/attacks.ts runs as a Cosix program, first
// on the previous, unhardened runtime (test/fixtures/unhardened-runtime.ts), where it must achieve what
// UNHARDENED_OUTCOME says (escape, leak or hang: so these tests cannot pass vacuously), then on the real
// runtime, where it must achieve nothing. Escaping is judged on the host: the payload copies a secret host
// file to an evidence file. Each machine has one pool worker, so the attack and the bystanders after it share
// that worker: a plant or a late callback left by one process would act during the next.
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgFd } from '@cosix/kernel/abi';
import { TestMachine } from './harness.js';
import { ATTACKS, UNHARDENED_OUTCOME } from './programs/lib/attacks.js';

const UNHARDENED = new URL('./fixtures/unhardened-runtime.js', import.meta.url);

interface Outcome { escaped: boolean; found: string[]; ostids: number[]; bystanderHung: boolean; output: string }

async function attack(name: string, runtime?: URL): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'cosix-sandbox-'));
  const secret = join(dir, 'secret'), evidence = join(dir, 'evidence');
  const text = `secret-${process.pid}-${Math.random()}`;
  writeFileSync(secret, text);
  const m = new TestMachine({ runtime, minWorkers: 1, maxWorkers: 1 });
  try {
    const r = await m.run('sandbox_attack', { stdout: new ArgFd(0), attack: name, secret, evidence });
    const report = r.output.split('\n').find((l) => l.startsWith('{'));
    const parsed = report ? JSON.parse(report) as { found: string[]; ostid: number } : { found: [], ostid: -1 };
    // Bystanders on the same worker: a plant or a late callback would act here, when the runtime starts them.
    const ostids = [parsed.ostid];
    let bystanderHung = false;
    for (let i = 0; i < 3 && !bystanderHung; i++) {
      await new Promise((res) => setTimeout(res, i * 400)); // a late callback of the attack's has time to fire
      try {
        const v = await m.run('sandbox_attack', { stdout: new ArgFd(0), attack: 'none', secret, evidence }, 3000);
        const line = v.output.match(/"ostid":(\d+)/);
        if (line) ostids.push(Number(line[1]));
      } catch { bystanderHung = true; }
    }
    const escaped = existsSync(evidence) && readFileSync(evidence, 'utf8') === text;
    return { escaped, found: parsed.found, ostids, bystanderHung, output: r.output };
  } finally {
    await m.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('sandbox: hostile programs stay out of the host realm (attack corpus)', function () {
  this.timeout(60_000);
  for (const name of Object.keys(ATTACKS).filter((n) => n !== 'none')) {
    const control = UNHARDENED_OUTCOME[name];
    const title = control === 'none' ? `${name}: achieves nothing on the hardened runtime (a probe: it achieves nothing on the unhardened one either)` : `${name}: the unhardened runtime suffers a${control === 'escape' ? 'n' : ''} ${control}; the hardened one nothing`;
    it(title, async () => {
      const before = control === 'none' ? undefined : await attack(name, UNHARDENED);
      const what = `the control: ${name} should ${control} on the unhardened runtime\n${before?.output}`;
      if (control === 'escape') expect(before!.escaped, what).to.equal(true);
      if (control === 'leak') expect(before!.found, what).to.not.deep.equal([]);
      const after = await attack(name);
      expect(after.escaped, `${name} escaped\n${after.output}`).to.equal(false);
      expect(after.found, 'foreign realms with writable intrinsics, or host paths').to.deep.equal([]);
      expect(after.bystanderHung, 'the next process on the worker ran').to.equal(false);
      // A storm of promise jobs keeps the hardened runtime's worker inside the dead thread's task, so the kernel
      // terminates that worker (the bystanders then run on a new one); every other attack shares one worker.
      if (control !== 'none') expect(new Set(after.ostids).size, 'the attack and its bystanders shared one worker').to.equal(1);
      expect(after.output).to.not.match(/file:\/\/|node:internal|\/packages\//);
    });
  }

  // All attacks one after another on one worker, in a seeded random order, each followed by a bystander: plants
  // of different kinds meet. `npm run stress` runs many rounds (COSIX_SANDBOX_ROUNDS).
  const rounds = Number(process.env.COSIX_SANDBOX_ROUNDS ?? 1);
  const seedEnv = process.env.COSIX_SANDBOX_SEED ?? '1';
  const seed = seedEnv === 'random' ? (Math.random() * 2 ** 31) >>> 0 : Number(seedEnv);
  it(`${rounds} round(s) of every attack in a random order on one worker (seed ${seed}): nothing escapes`, async function () {
    this.timeout(60_000 + rounds * 30_000);
    const dir = mkdtempSync(join(tmpdir(), 'cosix-sandbox-'));
    const secret = join(dir, 'secret'), evidence = join(dir, 'evidence');
    writeFileSync(secret, `secret-${process.pid}`);
    const m = new TestMachine({ minWorkers: 1, maxWorkers: 1 });
    let x = seed >>> 0 || 1;
    const rand = (n: number) => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % n; };
    try {
      for (let r = 0; r < rounds; r++) {
        const names = Object.keys(ATTACKS);
        for (let i = names.length - 1; i > 0; i--) { const j = rand(i + 1); [names[i], names[j]] = [names[j], names[i]]; }
        for (const name of names) {
          if (process.env.COSIX_SANDBOX_TRACE) console.log('attack', name);
          await m.run('sandbox_attack', { stdout: new ArgFd(0), attack: name, secret, evidence });
          const v = await m.run('sandbox_attack', { stdout: new ArgFd(0), attack: 'none', secret, evidence });
          expect(v.status, `the bystander after ${name}`).to.deep.equal({ code: 0, signal: 0 });
          expect(existsSync(evidence), `round ${r}: ${name} escaped`).to.equal(false);
        }
      }
    } finally {
      await m.shutdown();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
