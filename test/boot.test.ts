// `npm start` as a user runs it: boot, init's self-test summary, a command on the console, and Ctrl-C
// shutting the machine down with exit status 0.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BOOT = fileURLToPath(new URL('../../packages/kernel/dist/boot.js', import.meta.url));

describe('boot', function () {
  this.timeout(60_000);
  // A failed expectation must not leave a machine running (its pipes would keep mocha from exiting).
  const children: ReturnType<typeof spawn>[] = [];
  afterEach(() => { for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); });

  it('boots into init, answers a command, and Ctrl-C shuts down cleanly', async function () {
    const child = spawn(process.execPath, [BOOT], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    const waitFor = async (text: string) => { while (!out.includes(text)) { if (child.exitCode !== null) throw new Error(out); await new Promise((r) => setTimeout(r, 20)); } };
    await waitFor('cosix> ');
    expect(out).to.match(/cosix init: 11 passed, 0 failed/);
    child.stdin.write('ps\n');
    await waitFor('init ');
    await waitFor('tmpfs ');
    child.stdin.write('tmp\n');
    await waitFor('README');
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(out).to.include('cosix: shutting down');
    expect(code).to.equal(0);
  });

  it('ends when the console input ends', async function () {
    const child = spawn(process.execPath, [BOOT], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stdin.end('motd\n');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(out).to.include('Welcome to Cosix');
    expect(out).to.include('init exited (code 0, signal 0)');
    expect(code).to.equal(0);
  });
});
