// The kernel's side of a hostfs mount (`cosix run --dir`): a host daemon process named hostfs whose one
// thread is a worker of the host (hostfs-worker.ts) serving the directory through the reverse end it holds
// as fd 0, with fd_read and fd_write like any daemon. Its buffers are pages of its own address space.
import * as fs from 'node:fs';
import { FILETYPE, MPROT, PSEUDO_MAX_DATA, SIG } from './abi/index.js';
import type { Kernel } from './kernel.js';
import { Description } from './object.js';
import type { Process } from './proc.js';
import { PseudoObject, ReverseObject } from './pseudo.js';
import { RIGHTSETS } from './rightsets.js';

const O_PATH = 0o10000000;
const CAP = PSEUDO_MAX_DATA + 64 * 1024; // a whole request (data, header and the longest path) fits
const CORE = 4 << 20;

/** A host directory mounted through a hostfs daemon. */
export class HostfsMount {
  readonly reverse: ReverseObject;
  readonly proc: Process;

  /** Mounts `root`; throws (with the host's message) if it is not a directory that can be opened. */
  constructor(private readonly kernel: Kernel, readonly root: string, readonly readOnly: boolean) {
    fs.closeSync(fs.openSync(root, O_PATH | fs.constants.O_DIRECTORY)); // report a bad root now, not as EIO later
    const proc = kernel.newProcess('hostfs', CORE);
    if (typeof proc === 'number') throw new Error(`cannot create the hostfs process (errno ${proc})`);
    this.proc = proc;
    // The reverse end lives in the daemon's fd table only: when the daemon ends, its fds close and the
    // mount is cut off like any daemon's. A cut-off for any other reason (a missed deadline) ends the
    // daemon, so that no request still queued in it touches the host after its caller got EIO.
    this.reverse = new ReverseObject(kernel);
    this.reverse.onCutOff = () => kernel.terminate(proc, { code: 0, signal: SIG.KILL });
    const d = new Description(this.reverse, 0).ref();
    proc.fds.install(d, RIGHTSETS.reverse.base, RIGHTSETS.reverse.inheriting);
    d.unref();
    try {
      const buf = (len: number) => {
        const at = proc.vm.findFreeCore(len);
        if (at < 0) throw new Error('hostfs: no room for its buffers');
        proc.vm.mapCore(at, len, MPROT.READ | MPROT.WRITE);
        return at;
      };
      const inBuf = buf(CAP), outBuf = buf(CAP), iov = buf(4096);
      const t = kernel.startHostThread(proc, new URL('./hostfs-worker.js', import.meta.url), { root, readOnly, inBuf, outBuf, iov, cap: CAP });
      if (typeof t === 'number') throw new Error(`cannot start hostfs (errno ${t})`);
      const w = t.host!;
      this.exited = new Promise((resolve) => w.once('exit', () => resolve()));
    } catch (err) {
      kernel.terminate(proc, { code: 0, signal: SIG.KILL });
      throw err;
    }
  }

  private readonly exited!: Promise<void>;

  /** The daemon's worker (tests stop it as a crash would). */
  get worker() { return [...this.proc.threads.values()][0]?.host; }

  /** A new pseudo end for the mount's root directory. */
  directory(): PseudoObject {
    return new PseudoObject(this.kernel, FILETYPE.DIRECTORY, this.reverse, 0n);
  }

  /** Ends the daemon (its host fds close with it); the mount's fds then fail with EIO. */
  async stop(): Promise<void> {
    this.kernel.terminate(this.proc, { code: 0, signal: SIG.KILL });
    await this.exited;
  }
}
