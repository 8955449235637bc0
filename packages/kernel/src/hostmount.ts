// The kernel's side of a hostfs mount (`cosix run --dir`): a reverse end whose requests go, as the pseudo
// protocol's bytes, to a hostfs daemon running in a worker thread of the host (hostfs-worker.ts).
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { FILETYPE } from './abi/index.js';
import type { Kernel } from './kernel.js';
import { PseudoObject, ReverseObject } from './pseudo.js';

const O_PATH = 0o10000000;

/** A host directory mounted through a hostfs daemon worker. */
export class HostfsMount {
  readonly reverse: ReverseObject;
  readonly worker: Worker;
  private stopped = false;

  /** Mounts `root`; throws (with the host's message) if it is not a directory that can be opened. */
  constructor(private readonly kernel: Kernel, readonly root: string, readonly readOnly: boolean) {
    fs.closeSync(fs.openSync(root, O_PATH | fs.constants.O_DIRECTORY)); // report a bad root now, not as EIO later
    this.reverse = new ReverseObject(kernel).ref();
    this.worker = new Worker(new URL('./hostfs-worker.js', import.meta.url), { workerData: { root, readOnly } });
    this.worker.unref();
    this.reverse.connect((b) => this.worker.postMessage(b, [b.buffer as ArrayBuffer]));
    this.worker.on('message', (b: unknown) => {
      // Whatever the worker sends, the kernel's event loop must survive it: a malformed answer is EINVAL there.
      if (!(b instanceof Uint8Array)) { this.reverse.cutOff(); return; }
      try { this.reverse.send(b, []); } catch (err) { kernel.log.error({ root, err }, 'hostfs: answer failed'); this.reverse.cutOff(); }
    });
    this.worker.on('error', (err) => { kernel.log.warn({ root, err: String(err) }, 'hostfs daemon failed'); this.reverse.cutOff(); });
    this.worker.on('exit', () => this.reverse.cutOff());
    this.reverse.onCutOff = () => void this.stop();
  }

  /** A new pseudo end for the mount's root directory. */
  directory(): PseudoObject {
    return new PseudoObject(this.kernel, FILETYPE.DIRECTORY, this.reverse, 0n);
  }

  /** Stops the daemon (its host fds close with it); the mount's fds then fail with EIO. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.reverse.cutOff();
    await this.worker.terminate();
  }
}
