// Booting: load bootfs from the built userland, make the machine's devices, and start init with its
// capabilities: fd 0-2 the serial console, 3 bootfs (executables), 4 procfs, then (5, ...) one raw-frames fd per
// NIC of the machine (nicdev.ts, docs/rawframes.md). `npm start` runs this file.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SerialPort, type Nic } from '@cosix/hw';
import { ArgFd, encodeArgdata, errnoName, type ArgValue } from './abi/index.js';
import { Bootfs } from './bootfs.js';
import { ConsoleDevice } from './chardev.js';
import { Kernel, type KernelOptions } from './kernel.js';
import { Description, type KObject } from './object.js';
import { NicDevice } from './nicdev.js';
import type { ExitStatus, Process } from './proc.js';
import { procfsRoot } from './procfs.js';
import { RIGHTSETS, type RightSet } from './rightsets.js';
import { PseudoFactory } from './pseudo.js';
import { loadImage } from './bootfs.js';
import { TreeDir } from './vfs.js';

export const BOOTFS_DIR = fileURLToPath(new URL('../../../build/bootfs/', import.meta.url));

/** Reads every built program into a bootfs map (name -> image bytes). */
export function loadBootfsFiles(dir = BOOTFS_DIR): Map<string, Uint8Array> {
  const m = new Map<string, Uint8Array>();
  for (const f of readdirSync(dir)) m.set(f.replace(/\.js$/, ''), new Uint8Array(readFileSync(join(dir, f))));
  return m;
}

export interface Capability { obj: KObject; rights: RightSet }

/** Starts bootfs program `name` as a new process whose fd i is caps[i]; resolves with its exit status. */
export function spawnProgram(k: Kernel, name: string, args: ArgValue, caps: Capability[]): { proc: Process; done: Promise<ExitStatus> } {
  const file = k.bootfs.files.get(name);
  if (!file) throw new Error(`no program ${name} in bootfs`);
  const image = loadImage(file, name);
  if (typeof image === 'number') throw new Error(`${name}: not executable (errno ${image})`);
  const proc = k.newProcess(name);
  if (typeof proc === 'number') throw new Error(`cannot create a process: ${errnoName(proc)}`);
  for (const c of caps) {
    const d = new Description(c.obj, 0).ref();
    proc.fds.install(d, c.rights.base, c.rights.inheriting);
    d.unref();
  }
  const done = new Promise<ExitStatus>((resolve) => {
    const check = () => (proc.status ? resolve(proc.status) : k.sched.block([proc.terminated], undefined, check));
    check();
  });
  const e = k.startProgram(proc, image, encodeArgdata(args));
  if (e) k.terminate(proc, { code: 0, signal: 10 });
  return { proc, done };
}

/** The standard capabilities init gets; a raw-frames fd for each of `nics` (default: the machine's) follows procfs. */
export function initCaps(k: Kernel, serial: SerialPort, nics: readonly NicDevice[] = k.nics): Capability[] {
  const con = new ConsoleDevice(k, serial);
  return [
    { obj: con, rights: RIGHTSETS.console }, { obj: con, rights: RIGHTSETS.console }, { obj: con, rights: RIGHTSETS.console },
    { obj: k.bootfs.rootObject(k), rights: RIGHTSETS.roDir },
    { obj: new TreeDir(k, procfsRoot(k)), rights: RIGHTSETS.roDir },
    ...nics.map((dev) => ({ obj: dev.open(), rights: RIGHTSETS.rawFrames })),
    { obj: PseudoFactory.open(k), rights: RIGHTSETS.pseudoFactory },
  ];
}

/** A kernel with bootfs and a driver for each NIC in `nics` (devices the machine made; default none). */
export function bootKernel(opts: KernelOptions & { files?: Map<string, Uint8Array>; nics?: readonly Nic[] } = {}): Kernel {
  const { nics = [], ...rest } = opts;
  const k = new Kernel({ ...rest, bootfs: new Bootfs(undefined, opts.files ?? loadBootfsFiles()) });
  for (const nic of nics) k.nics.push(new NicDevice(k, nic));
  return k;
}

async function main(): Promise<void> {
  const serial = new SerialPort(process.stdout, process.stdin);
  const k = bootKernel({ serial });
  const interactive = !process.argv.includes('--selftest-only');
  const caps = initCaps(k, serial);
  const init = spawnProgram(k, 'init', { console: new ArgFd(0), bootfs: new ArgFd(3), procfs: new ArgFd(4), pseudo: new ArgFd(caps.length - 1), interactive }, caps);
  let stopping = false;
  process.on('SIGINT', () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\ncosix: shutting down\n');
    void k.shutdown().then(() => process.exit(0));
  });
  const st = await init.done;
  if (stopping) return;
  process.stdout.write(`cosix: init exited (code ${st.code}, signal ${st.signal})\n`);
  await k.shutdown();
  process.exit(st.signal ? 128 + st.signal : st.code);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) void main();
