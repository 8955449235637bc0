// The smallest program: write a line to fd 0 and exit with the code given in argdata (default 0).
import type { ArgValue, Os } from '@cosix/libc';

export function main(os: Os, args: ArgValue): number {
  const a = (args ?? {}) as { code?: number; text?: string };
  os.writeAll(0, a.text ?? 'hello from cosix\n');
  return a.code ?? 0;
}
