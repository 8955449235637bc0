// The runner of WebAssembly programs. The kernel starts this image for a .wasm program, with the compiled
// module in the thread's boot record; libc's crt0 sees the module and hands it to the WASI personality
// (packages/libc/src/wasi.ts) instead of calling main.
import type { Os } from '@cosix/libc';

export function main(os: Os): number {
  os.writeAll(2, 'wasi-run: start a .wasm program (cosix run prog.wasm) rather than this runner\n');
  return 2;
}
