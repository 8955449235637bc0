// The hostfs daemon: a worker thread of the host (it needs the host's file system, which no Cosix process
// can reach) serving one HostfsServer. Requests arrive as the pseudo protocol's bytes in messages from the
// kernel; the answers to each batch go back in one message. Host I/O here may block: only this worker
// waits, and the kernel cuts the mount off if an answer takes longer than its pseudo timeout.
import { parentPort, workerData } from 'node:worker_threads';
import { RESP_HEADER, decodeRequests, writeResponse } from './abi/index.js';
import { HostfsServer } from './hostfs.js';

const { root, readOnly } = workerData as { root: string; readOnly: boolean };
const server = new HostfsServer(root, readOnly);
parentPort!.on('message', (bytes: Uint8Array) => {
  const answers = decodeRequests(bytes).map((q) => server.handle(q)).filter((r) => r !== null);
  if (answers.length === 0) return;
  const out = new Uint8Array(answers.reduce((n, r) => n + RESP_HEADER + r.data.length, 0));
  let at = 0;
  for (const r of answers) at += writeResponse(out, at, r);
  parentPort!.postMessage(out, [out.buffer]);
});
