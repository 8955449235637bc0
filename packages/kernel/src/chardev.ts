// The serial console as a character device: writes go to the serial port, reads take bytes typed at it.
import { FILETYPE, E } from './abi/index.js';
import type { SerialPort } from '@cosix/hw';
import type { Kernel } from './kernel.js';
import { Description, KObject, type Readiness } from './object.js';

export class ConsoleDevice extends KObject {
  readonly type = FILETYPE.CHARACTER_DEVICE;
  private input: Uint8Array[] = [];
  private readonly off: () => void;

  constructor(kernel: Kernel, private readonly port: SerialPort) {
    super(kernel);
    this.off = port.onInput((b) => { this.input.push(b); this.readQueue.wakeAll(); });
  }

  override write(_d: Description, data: Uint8Array): number {
    this.port.write(data);
    return data.length;
  }

  override read(_d: Description, max: number): Uint8Array | number {
    if (this.input.length === 0) return -E.AGAIN;
    const first = this.input[0];
    if (first.length <= max) { this.input.shift(); return first; }
    this.input[0] = first.subarray(max);
    return first.subarray(0, max);
  }

  override readiness(_d: Description, write: boolean): Readiness {
    return write ? { ready: true, nbytes: 65536, hangup: false } : { ready: this.input.length > 0, nbytes: this.input[0]?.length ?? 0, hangup: false };
  }

  protected override destroy(): void { this.off(); }
}
