import type { MessagePort } from 'node:worker_threads';
// What the kernel hands a pool worker to run a thread, and what the worker reports when the thread ends.

export interface SegmentInfo { start: number; len: number; sab: SharedArrayBuffer; offset: number }

export interface ThreadTask {
  memory: WebAssembly.Memory;   // the process's core memory (shared)
  cb: number;                   // address of this thread's control block
  auxv: number;                 // address of the auxv array
  tid: number;
  kind: 'main' | 'thread' | 'fork';
  entry: number;                // thread: the threadattr entry; fork: 0
  arg: number;                  // thread: the threadattr argument
  imageId: number;              // caches the compiled image per worker
  imageKind: 'js' | 'wasm';
  image: string;
  name: string;
  segments: SegmentInfo[];      // shared mappings present when the thread starts
  port?: MessagePort;           // later segment lists arrive here (kernel.segmentAdded)
  hostInfo: SharedArrayBuffer;  // 16 bytes the runtime fills before the program runs: host tid, CPU time (Thread.hostInfo)
  module?: WebAssembly.Module;  // a WebAssembly program (run by the WASI runner image)
}

export interface TaskResult {
  reason: 'dead' | 'returned' | 'error' | 'aborted';
  message?: string;
}
