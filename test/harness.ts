// Test harness: boots a kernel with a captured serial console and runs bootfs programs in it.
import { PassThrough } from 'node:stream';
import { SerialPort } from '@cosix/hw';
import { bootKernel, ConsoleDevice, PseudoFactory, RIGHTSETS, spawnProgram, kernelStats, procfsRoot, TreeDir, type Capability, type Kernel, type KernelOptions, type ExitStatus } from '@cosix/kernel';
import { ArgFd, type ArgValue } from '@cosix/kernel/abi';

export interface Run { status: ExitStatus; output: string }

export class TestMachine {
  readonly kernel: Kernel;
  readonly serial: SerialPort;
  output = '';

  constructor(opts: Pick<KernelOptions, 'pseudoTimeoutMs' | 'runtime' | 'minWorkers' | 'maxWorkers' | 'logger' | 'maxProcesses' | 'maxThreads' | 'memoryBytes' | 'oomRssBytes' | 'oomCheckMs' | 'workerHeapMb'> = {}) {
    const out = new PassThrough();
    out.on('data', (b: Buffer) => { this.output += b.toString('latin1'); });
    this.serial = new SerialPort(out);
    this.kernel = bootKernel({ serial: this.serial, minWorkers: 2, ...opts });
  }

  /** Runs `name` with fds 0 and 2 = the console and fd 1 = bootfs; args default to {stdout: fd 0, bootfs: fd 1}. */
  async run(name: string, args?: ArgValue, timeoutMs = 30_000): Promise<Run> {
    const before = this.output.length;
    const k = this.kernel;
    const { done } = spawnProgram(k, name, args ?? { stdout: new ArgFd(0), bootfs: new ArgFd(1) }, this.caps());
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error(`${name} timed out; output:\n${this.output.slice(before)}`)), timeoutMs); });
    try {
      const status = await Promise.race([done, timeout]);
      return { status, output: this.output.slice(before) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs `name` with procfs as fd 3 (as init has it). */
  async runWithProcfs(name: string): Promise<Run> {
    const k = this.kernel, before = this.output.length;
    const { done } = spawnProgram(k, name, { stdout: new ArgFd(0), procfs: new ArgFd(3) }, [
      ...this.caps(), { obj: new TreeDir(k, procfsRoot(k)), rights: RIGHTSETS.roDir },
    ]);
    const status = await done;
    return { status, output: this.output.slice(before) };
  }

  /** The standard fds of a test program: 0 and 2 the console, 1 bootfs; with `pseudo`, 3 a pseudo-pair factory. */
  caps(opts: { pseudo?: boolean } = {}): Capability[] {
    const k = this.kernel, con = new ConsoleDevice(k, this.serial);
    const caps: Capability[] = [{ obj: con, rights: RIGHTSETS.console }, { obj: k.bootfs.rootObject(k), rights: RIGHTSETS.roDir }, { obj: con, rights: RIGHTSETS.console }];
    if (opts.pseudo) caps.push({ obj: PseudoFactory.open(k), rights: RIGHTSETS.pseudoFactory });
    return caps;
  }

  /** Runs `name` with a pseudo-pair factory as fd 3 (argdata key `pseudo`). */
  async runWithPseudo(name: string, extra: Record<string, ArgValue> = {}, timeoutMs = 30_000): Promise<Run> {
    const k = this.kernel, before = this.output.length;
    const { done } = spawnProgram(k, name, { stdout: new ArgFd(0), bootfs: new ArgFd(1), pseudo: new ArgFd(3), ...extra }, this.caps({ pseudo: true }));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error(`${name} timed out; output:\n${this.output.slice(before)}`)), timeoutMs); });
    try { return { status: await Promise.race([done, timeout]), output: this.output.slice(before) }; } finally { clearTimeout(timer); }
  }

  stats() { return kernelStats(this.kernel); }

  /** Waits until the kernel has no live processes, threads, waiters or busy workers (or fails). */
  async settled(ms = 2000): Promise<ReturnType<typeof kernelStats>> {
    const end = Date.now() + ms;
    for (;;) {
      const s = this.stats();
      if ((s.liveProcesses === 0 && s.threads === 0 && s.waiters === 0 && s.timers === 0 && s.workersBusy === 0) || Date.now() > end) return s;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  shutdown(): Promise<void> { return this.kernel.shutdown(); }
}
