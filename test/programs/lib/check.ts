// A tiny assertion helper for self-test programs: failures are written to fd 0 and end the program.
import { Errno, type Os } from '@cosix/libc';

export class Checker {
  failures = 0;
  constructor(private readonly os: Os, private readonly name: string, private readonly out = 0) {}

  ok(cond: boolean, what: string): void {
    if (cond) return;
    this.failures++;
    this.os.writeAll(this.out, `${this.name}: FAIL ${what}\n`);
  }

  eq<T>(a: T, b: T, what: string): void {
    this.ok(a === b, `${what}: got ${String(a)}, want ${String(b)}`);
  }

  /** Runs `fn`, expecting it to fail with errno `code`. */
  errno(code: number, what: string, fn: () => unknown): void {
    try {
      fn();
      this.ok(false, `${what}: succeeded, want errno ${code}`);
    } catch (e) {
      if (!(e instanceof Errno)) throw e;
      this.eq(e.code, code, `${what}: errno`);
    }
  }

  done(): number {
    if (this.failures === 0) this.os.writeAll(this.out, `${this.name}: ok\n`);
    return this.failures ? 1 : 0;
  }
}
