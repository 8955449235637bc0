// The hostfs daemon: the one thread of a host daemon process (Kernel.startHostThread). It needs the host's
// file system, which no Cosix process can reach, so it is a worker of the host running kernel code; to the
// kernel it is a daemon like tmpfs: it reads batches of requests from its reverse end (fd 0) with fd_read
// and answers with fd_write, through its control block. Host I/O here may block: only this thread waits,
// and the kernel cuts the mount off if an answer misses its pseudo timeout. It ends at end-of-file (the
// kernel cut it off) or when the kernel ends its process.
import { workerData } from 'node:worker_threads';
import { CB, STATE, SYS, Sys, ThreadGone, answerBatch, decodeRequests, type PseudoRequest } from './abi/index.js';
import { HostfsServer } from './hostfs.js';

interface Data { memory: WebAssembly.Memory; cb: number; root: string; readOnly: boolean; inBuf: number; outBuf: number; iov: number; cap: number }
const { memory, cb, root, readOnly, inBuf, outBuf, iov, cap } = workerData as Data;
const buffer = memory.buffer as unknown as SharedArrayBuffer;
const u8 = new Uint8Array(buffer), dv = new DataView(buffer);
const sys = new Sys(buffer, cb);
sys.setSpinFloor(1 << 16); // requests come in bursts, as for tmpfs

function call(n: number, at: number, len: number): number {
  dv.setUint32(iov, at, true); dv.setUint32(iov + 4, len, true);
  const e = sys.call(n, 0, iov, 1);
  if (e) throw new Error(`hostfs: ${n === SYS.fd_read ? 'fd_read' : 'fd_write'} of the reverse end: errno ${e}`);
  return sys.r(0);
}

const server = new HostfsServer(root, readOnly);
try {
  for (;;) {
    const n = call(SYS.fd_read, inBuf, cap);
    if (n === 0) break; // end of file: cut off
    const handle = (q: PseudoRequest) => {
      // Ended meanwhile (cut off, or killed): the rest of the batch must not reach the host.
      if (Atomics.load(sys.i32, sys.cbIndex + CB.STATE) === STATE.DEAD) throw new ThreadGone();
      return server.handle(q);
    };
    for (const used of answerBatch(decodeRequests(u8.subarray(inBuf, inBuf + n)), handle, u8.subarray(outBuf, outBuf + cap))) {
      call(SYS.fd_write, outBuf, used);
    }
  }
} catch (err) {
  if (!(err instanceof ThreadGone)) throw err; // the kernel ended the process: just stop
} finally {
  server.close();
}
