// The serial console: a byte stream bridged to the host terminal (or any pair of streams in tests).
import type { Readable, Writable } from 'node:stream';

export class SerialPort {
  private readonly listeners = new Set<(data: Uint8Array | null) => void>();
  private readonly onData = (chunk: Buffer) => { for (const l of this.listeners) l(new Uint8Array(chunk)); };
  private readonly onEnd = () => { for (const l of this.listeners) l(null); };

  constructor(private readonly out: Writable, private readonly input?: Readable) {}

  write(bytes: Uint8Array): void {
    this.out.write(bytes);
  }

  /** Registers a receiver of input bytes (null: the input has ended); returns a function that unregisters it. */
  onInput(fn: (data: Uint8Array | null) => void): () => void {
    if (this.listeners.size === 0) { this.input?.on('data', this.onData); this.input?.on('end', this.onEnd); }
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0) { this.input?.off('data', this.onData); this.input?.off('end', this.onEnd); this.input?.pause(); }
    };
  }
}
