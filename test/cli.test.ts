// `cosix run` as a user runs it: a program with a host directory as its only filesystem capability.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../packages/kernel/dist/cli.js', import.meta.url));
const cosix = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000, input: '' });

describe('cosix run', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cosix-run-'));
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data/in.txt'), 'hello host');
    writeFileSync(join(dir, 'data/gone.txt'), 'x');
    writeFileSync(join(dir, 'outside.txt'), 'secret');
    symlinkSync(join(dir, 'outside.txt'), join(dir, 'data/link-out'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a program with a host directory as a preopen, args and env, and returns its exit code', () => {
    const r = cosix('run', 'dircat', '--dir', `${join(dir, 'data')}::/data`, '--env', 'A=1', '--', 'x', 'y');
    expect(r.status, r.stderr).to.equal(3);
    expect(r.stdout).to.include('args=x,y env=A:1');
    expect(readFileSync(join(dir, 'data/OUT.txt'), 'utf8')).to.equal('HELLO HOST');
    expect(existsSync(join(dir, 'data/gone.txt'))).to.equal(false);
    expect(r.stdout).to.include('ls=OUT.txt,in.txt,link-out');
    expect(r.stdout).to.not.include('ESCAPED');
    expect(r.stdout.match(/refused/g)).to.have.length(3);
  });

  it('takes options before the program (wasmtime\'s order) as well as after it, and arguments without --', () => {
    const r = cosix('run', '--dir', `${join(dir, 'data')}::/data`, '--env', 'A=2', 'dircat', 'p', 'q');
    expect(r.stdout, r.stderr).to.include('args=p,q env=A:2');
    const bad = cosix('run', '--bogus', 'dircat');
    expect(bad.status).to.equal(2);
    expect(bad.stdout).to.include('unknown option --bogus');
    expect(cosix('run', '--env', 'A=1').stdout).to.include('no program given');
  });

  it('refuses a path-traversal corpus through hostfs', () => {
    mkdirSync(join(dir, 'data/sub'), { recursive: true });
    symlinkSync('/etc/passwd', join(dir, 'data/link-abs'));
    symlinkSync('..', join(dir, 'data/link-up'));
    symlinkSync('../..', join(dir, 'data/sub/link-deep'));
    expect(spawnSync('mkfifo', [join(dir, 'data/fifo')]).status).to.equal(0);
    const r = spawnSync(process.execPath, [CLI, 'run', 'escape_test', '--dir', `${join(dir, 'data')}::/data`], { encoding: 'utf8', timeout: 30_000, input: '' });
    expect(r.status, r.stdout + r.stderr).to.equal(0);
  });

  it('a read-only mount refuses changes', () => {
    const r = cosix('run', 'dircat', '--dir', `${join(dir, 'data')}::/data:ro`);
    expect(r.status).to.equal(128 + 6); // the EROFS from creating OUT.txt is uncaught: abort
    expect(r.stderr).to.include('EROFS');
  });

  it('exits 128+9 when killed, 124 on --timeout, 127 for a missing program, and prints usage', () => {
    expect(cosix('run', 'spinner', '--timeout', '300').status).to.equal(124);
    expect(cosix('run', 'no-such-program').status).to.equal(127);
    const h = cosix('run', '--help');
    expect(h.status).to.equal(0);
    expect(h.stdout).to.include('--dir HOST::GUEST');
  });

  it('npx cosix run: several --dir preopens, GUEST / among them, each its own host directory', () => {
    const rootDir = join(dir, 'multi-root'), dataDir = join(dir, 'multi-data');
    mkdirSync(rootDir); mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'in.txt'), 'from data');
    const src = join(dir, 'multi.ts');
    writeFileSync(src, [
      "import { OFLAGS, R, utf8Decode, type ArgValue, type Os } from '@cosix/libc';",
      'export function main(os: Os, args: ArgValue): number {',
      "  const pre = (args as { preopens: Record<string, { fd: number }> }).preopens;",
      "  const data = pre['/data'].fd, root = pre['/'].fd;",
      "  const text = utf8Decode(os.readAll(os.open(data, 'in.txt', 0, R.FD_READ))) ?? '';",
      "  const fd = os.open(root, 'out.txt', OFLAGS.CREAT, R.FD_WRITE);",
      "  os.writeAll(fd, text.toUpperCase());",
      "  os.writeAll(1, Object.keys(pre).sort().join(',') + '\\n');",
      '  return 0;',
      '}', ''].join('\n'));
    const r = spawnSync('npx', ['--no-install', 'cosix', 'run', src, '--dir', `${rootDir}::/`, '--dir', `${dataDir}::/data`],
      { encoding: 'utf8', timeout: 60_000, input: '', cwd: fileURLToPath(new URL('../..', import.meta.url)) });
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.equal('/,/data\n');
    expect(readFileSync(join(rootDir, 'out.txt'), 'utf8')).to.equal('FROM DATA');
    expect(existsSync(join(dataDir, 'out.txt'))).to.equal(false);
  });

  it('links a TypeScript source with libc on the fly', () => {
    const src = join(dir, 'inline.ts');
    writeFileSync(src, "import type { Os } from '@cosix/libc';\nexport function main(os: Os): number { os.writeAll(1, 'inline ok\\n'); return 0; }\n");
    const r = spawnSync(process.execPath, [CLI, 'run', src], { encoding: 'utf8', timeout: 30_000, input: '', cwd: fileURLToPath(new URL('../..', import.meta.url)) });
    expect(r.stdout, r.stderr).to.equal('inline ok\n');
    expect(r.status).to.equal(0);
  });
});
