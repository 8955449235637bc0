// procfs, given to init at boot (here: opened by the test harness): the kernel counters and this process's
// own entry with its fds and memory.
import { R, type ArgValue, type Os } from '@cosix/libc';
import { Checker } from './lib/check.js';

export function main(os: Os, args: ArgValue): number {
  const c = new Checker(os, 'procfs_test');
  const procfs = (args as { procfs?: { fd: number } }).procfs?.fd;
  if (procfs === undefined) { os.writeAll(0, 'procfs_test: no procfs fd given\n'); return 1; }
  const names = os.readdir(procfs).map((e) => e.name);
  c.ok(names.includes('kernel'), 'kernel directory');
  const read = (p: string) => { const fd = os.open(procfs, p, 0, R.FD_READ); const t = String.fromCharCode(...os.readAll(fd)); os.close(fd); return t; };
  const stats = JSON.parse(read('kernel/stats'));
  c.ok(stats.processes >= 1 && stats.threads >= 1 && stats.syscalls > 0, 'kernel stats');
  const mine = names.filter((n) => /^\d+$/.test(n)).map((n) => JSON.parse(read(`${n}/status`))).find((p) => p.name === 'procfs_test');
  c.ok(mine !== undefined, 'own process listed');
  if (mine) {
    c.eq(mine.threads.length, 1, 'one thread');
    c.ok(mine.fds.length >= 3 && mine.memory.mapped > 0, 'fds and memory shown');
  }
  c.ok(Number(read('kernel/uptime')) > 0, 'uptime');
  return c.done();
}
