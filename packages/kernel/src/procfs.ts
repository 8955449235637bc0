// procfs: a read-only view of the kernel for init (and whom it gives the fd): the process list, each
// process's fds, memory and threads, and the kernel's allocation counters. Files are JSON snapshots taken
// when opened, so a reader sees one consistent state.
import { describeRights } from './abi/index.js';
import type { Kernel } from './kernel.js';
import { dirNode, fileNode, type Node } from './vfs.js';
import { futexWaiters } from './futex.js';

export const PROCFS_DEV = 2n;
const json = (v: unknown) => () => new Uint8Array(Buffer.from(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x), 1) + '\n'));

export function procfsRoot(k: Kernel): Node {
  const started = k.monotonic();
  const kernelDir = dirNode(PROCFS_DEV, () => new Map([
    ['uptime', fileNode(PROCFS_DEV, () => new Uint8Array(Buffer.from(`${Number(k.monotonic() - started) / 1e9}\n`)))],
    ['stats', fileNode(PROCFS_DEV, () => json(kernelStats(k))())],
  ]));
  return dirNode(PROCFS_DEV, () => {
    const m = new Map<string, Node>([['kernel', kernelDir]]);
    for (const p of k.procs) m.set(String(p.pid), dirNode(PROCFS_DEV, () => new Map([['status', fileNode(PROCFS_DEV, json(processInfo(p)))]])));
    return m;
  });
}

export function kernelStats(k: Kernel) {
  return {
    ...k.stats, waiters: k.sched.waiters, timers: k.sched.timers, liveProcesses: k.procs.size,
    poolThreads: k.pool.threads.length, poolQueue: k.pool.queueSize,
    memorySize: k.memory.size, memoryUsed: k.memory.used, memoryPeak: k.memory.peak, memoryRefused: k.memory.refused,
  };
}

function processInfo(p: import('./proc.js').Process) {
  return {
    pid: p.pid, name: p.name, alive: p.alive, status: p.status ?? null,
    threads: [...p.threads.values()].map((t) => ({ tid: t.tid, syscalls: t.syscalls, blocked: t.waiter !== undefined })),
    fds: [...p.fds.entries()].map(([n, f]) => ({ fd: n, type: f.desc.obj.type, rights: describeRights(f.base) })),
    memory: { core: p.vm.coreBytes, mapped: p.vm.mappedBytes, segments: p.vm.segments.length, futexWaiters: futexWaiters(p.vm.core), charged: p.mem.bytes },
  };
}
