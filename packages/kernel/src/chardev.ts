// The serial console as a character device: writes go to the serial port, reads take bytes typed at it.
import { FILETYPE, E } from './abi/index.js';
import type { SerialPort } from '@cosix/hw';
import type { Kernel } from './kernel.js';
import { Description, KObject, type Readiness } from './object.js';

export class ConsoleDevice extends KObject {
  readonly type = FILETYPE.CHARACTER_DEVICE;
  private input: Uint8Array[] = [];
  private ended = false;
  private off: (() => void) | undefined;

  constructor(kernel: Kernel, private readonly port: SerialPort) {
    super(kernel);
  }

  /** Listens to the port only once someone reads, so a write-only console never holds the terminal open. */
  private listen(): void {
    this.off ??= this.port.onInput((b) => {
      if (b) this.input.push(b); else this.ended = true;
      this.readQueue.wakeAll();
    });
  }

  override write(_d: Description, data: Uint8Array): number {
    this.port.write(data);
    return data.length;
  }

  override read(_d: Description, max: number): Uint8Array | number {
    this.listen();
    if (this.input.length === 0) return this.ended ? new Uint8Array(0) : -E.AGAIN;
    const first = this.input[0];
    if (first.length <= max) { this.input.shift(); return first; }
    this.input[0] = first.subarray(max);
    return first.subarray(0, max);
  }

  override readiness(_d: Description, write: boolean): Readiness {
    if (write) return { ready: true, nbytes: 65536, hangup: false };
    this.listen();
    return { ready: this.input.length > 0 || this.ended, nbytes: this.input[0]?.length ?? 0, hangup: this.ended };
  }

  protected override destroy(): void { this.off?.(); }
}
