#!/usr/bin/env node
// cosix: run a program as a Cosix process, with the host's stdin/stdout/stderr as its fds 0-2.
//
//   cosix run [--env K=V]... [--dir HOST::GUEST[:ro]]... [--timeout MS] PROGRAM [ARGS...]
//   cosix run PROGRAM [OPTIONS] [-- ARGS...]
//
// PROGRAM is a bootfs program name (see `npm run build`), a Cosix image (.js with the image header), a
// WebAssembly (WASI preview1) module, or a TypeScript/JavaScript source that is linked with libc on the fly. Each --dir exposes a host directory as
// a capability (fd 3, 4, ... in order), served by hostfs: the program reaches that directory and nothing
// else. Exit status: the program's, 128+signal when it was killed (POSIX numbering), 124 after --timeout.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SerialPort } from '@cosix/hw';
import { ArgFd, SIG, type ArgValue } from './abi/index.js';
import { bootKernel, spawnProgram, type Capability } from './boot.js';
import { JS_IMAGE_MAGIC, lastWasmError } from './bootfs.js';
import { ConsoleDevice } from './chardev.js';
import { HostfsMount } from './hostmount.js';
import { RIGHTSETS } from './rightsets.js';

const USAGE = `usage: cosix run [OPTIONS] PROGRAM [ARGS...]
       cosix run PROGRAM [OPTIONS] [-- ARGS...]

  PROGRAM          a bootfs program name, a Cosix image (.js), a WASI .wasm module, or a .ts/.js
                   source linked with libc
  --env K=V        an environment variable (argdata "env")
  --dir HOST::GUEST[:ro]
                   expose host directory HOST to the program as the preopen named GUEST (argdata
                   "preopens": {GUEST: fd}); :ro makes it read-only
  --timeout MS     kill the program after MS milliseconds (exit status 124)
  ARGS, -- ARGS... arguments (argdata "args"): after the program, the first word that is not one of
                   these options begins them; everything after -- is an argument

The program gets fds 0-2 = stdin, stdout, stderr and fd 3, 4, ... = the --dir preopens, in order.
Exit status: the program's exit code; 128+N when killed by signal N; 124 on --timeout.`;

// CloudABI numbers its signals alphabetically; shells expect the POSIX numbers in 128+N.
const POSIX_SIGNAL: Record<string, number> = {
  ABRT: 6, ALRM: 14, BUS: 7, CHLD: 17, CONT: 18, FPE: 8, HUP: 1, ILL: 4, INT: 2, KILL: 9, PIPE: 13, QUIT: 3, SEGV: 11,
  STOP: 19, SYS: 31, TERM: 15, TRAP: 5, TSTP: 20, TTIN: 21, TTOU: 22, URG: 23, USR1: 10, USR2: 12, VTALRM: 26, XCPU: 24, XFSZ: 25,
};

export interface RunOptions { program: string; env: Record<string, string>; dirs: { host: string; guest: string; ro: boolean }[]; timeoutMs?: number; args: string[] }

const OPTIONS = new Set(['--env', '--dir', '--timeout']);

/**
 * Options go before the program (wasmtime's order: `cosix run --dir A::B prog.wasm x y`) or after it (`cosix run
 * prog.wasm --dir A::B -- x y`). After the program, the first word that is not an option, or everything after
 * `--`, begins the program's arguments.
 */
export function parseArgs(argv: string[]): RunOptions | string {
  if (argv[0] !== 'run' || argv.length < 2 || argv.includes('--help') || argv.includes('-h')) return USAGE;
  const o: RunOptions = { program: '', env: {}, dirs: [], args: [] };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { o.args = argv.slice(i + 1); break; }
    if (!OPTIONS.has(a)) {
      if (a.startsWith('--')) return `cosix: unknown option ${a} (a program's own options go after --)\n${USAGE}`;
      if (o.program === '') { o.program = a; continue; }
      o.args = argv.slice(i);
      break;
    }
    const v = argv[++i];
    if (v === undefined) return `cosix: ${a} needs a value\n${USAGE}`;
    if (a === '--env') { const eq = v.indexOf('='); if (eq < 1) return `cosix: --env wants K=V, got ${v}`; o.env[v.slice(0, eq)] = v.slice(eq + 1); }
    else if (a === '--dir') {
      const m = /^(.+?)::(.+?)(:ro)?$/.exec(v);
      if (!m) return `cosix: --dir wants HOST::GUEST[:ro], got ${v}`;
      o.dirs.push({ host: resolve(m[1]), guest: m[2], ro: m[3] !== undefined });
    } else { o.timeoutMs = Number(v); if (!(o.timeoutMs > 0)) return `cosix: bad --timeout ${v}`; }
  }
  if (o.program === '') return `cosix: no program given\n${USAGE}`;
  return o;
}

/** The node_modules directory holding this installation's @cosix/libc (found walking up from this file). */
function cosixModules(): string[] {
  for (let d = dirname(fileURLToPath(import.meta.url)); ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules', '@cosix', 'libc'))) return [join(d, 'node_modules')];
    if (dirname(d) === d) return [];
  }
}

/** The image bytes for PROGRAM: a bootfs name, an image file, or a source linked with esbuild now. */
async function programBytes(program: string, bootfs: Map<string, Uint8Array>): Promise<[string, Uint8Array] | string> {
  if (!existsSync(program)) {
    const b = bootfs.get(program);
    return b ? [program, b] : `cosix: ${program}: no such file or bootfs program`;
  }
  const bytes = new Uint8Array(readFileSync(program));
  const name = basename(program).replace(/\.[jt]s$/, '');
  if (new TextDecoder().decode(bytes.subarray(0, JS_IMAGE_MAGIC.length)) === JS_IMAGE_MAGIC) return [name, bytes];
  if (bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d) return [basename(program).replace(/\.wasm$/, ''), bytes];
  if (!/\.[jt]s$/.test(program)) return `cosix: ${program}: not a Cosix image or a .ts/.js source`;
  const { build } = await import('esbuild');
  const r = await build({
    stdin: { contents: `import * as prog from ${JSON.stringify(resolve(program))};\nimport { start as crt0 } from '@cosix/libc';\nexport function start(boot) { return crt0(boot, prog); }\n`, resolveDir: process.cwd(), loader: 'js' },
    nodePaths: cosixModules(), // @cosix/libc resolves from this installation, wherever the source and cwd are
    bundle: true, format: 'iife', globalName: '__cosix_image', platform: 'neutral', target: 'es2022', write: false,
    mainFields: ['module', 'main'], conditions: ['import'], banner: { js: JS_IMAGE_MAGIC.trimEnd() }, logLevel: 'error',
  });
  return [name, r.outputFiles[0].contents];
}

export async function run(o: RunOptions): Promise<number> {
  const k = bootKernel({ minWorkers: 1 });
  const prog = await programBytes(o.program, k.bootfs.files);
  if (typeof prog === 'string') { process.stderr.write(prog + '\n'); await k.shutdown(); return 127; }
  k.bootfs.files.set(`.run/${prog[0]}`, prog[1]);
  const stdio = new SerialPort(process.stdout, process.stdin), err = new SerialPort(process.stderr);
  const caps: Capability[] = [
    { obj: new ConsoleDevice(k, stdio), rights: RIGHTSETS.console }, { obj: new ConsoleDevice(k, stdio), rights: RIGHTSETS.console },
    { obj: new ConsoleDevice(k, err), rights: RIGHTSETS.console },
  ];
  const mounts: HostfsMount[] = [];
  const preopens: Record<string, ArgValue> = {};
  for (const [i, d] of o.dirs.entries()) {
    let m: HostfsMount;
    try { m = new HostfsMount(k, d.host, d.ro); } catch (e) {
      process.stderr.write(`cosix: --dir ${d.host}: ${(e as Error).message}\n`);
      await Promise.all(mounts.map((x) => x.stop()));
      await k.shutdown();
      return 126;
    }
    mounts.push(m);
    caps.push({ obj: m.directory(), rights: RIGHTSETS.all });
    preopens[d.guest] = new ArgFd(3 + i);
  }
  const args = { name: prog[0], args: o.args, env: o.env, preopens, stdin: new ArgFd(0), stdout: new ArgFd(1), stderr: new ArgFd(2) };
  let p: ReturnType<typeof spawnProgram>;
  try { p = spawnProgram(k, `.run/${prog[0]}`, args, caps); } catch (e) {
    process.stderr.write(`cosix: cannot run ${o.program}: ${lastWasmError || (e as Error).message}\n`);
    await k.shutdown();
    return 126;
  }
  let timedOut = false;
  const timer = o.timeoutMs ? setTimeout(() => { timedOut = true; k.terminate(p.proc, { code: 0, signal: SIG.KILL }); }, o.timeoutMs) : undefined;
  const st = await p.done;
  clearTimeout(timer);
  await k.shutdown();
  await Promise.all(mounts.map((m) => m.stop()));
  process.stdin.pause();
  if (timedOut) { process.stderr.write(`cosix: ${prog[0]} killed after ${o.timeoutMs} ms\n`); return 124; }
  if (st.signal) return 128 + (POSIX_SIGNAL[Object.keys(SIG).find((n) => SIG[n as keyof typeof SIG] === st.signal) ?? ''] ?? st.signal);
  return st.code & 255;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (typeof o === 'string') { process.stdout.write(o + '\n'); process.exit(o.startsWith('usage') ? 0 : 2); }
  process.exit(await run(o));
}

const self = new URL(import.meta.url).pathname;
if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(self)) void main();
