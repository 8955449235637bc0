// init: the first process. It holds the console (fds 0-2), bootfs (3) and procfs (4). With the pseudo-pair
// factory it starts the daemons, as Cosix's init did: tmpfs (the tmp directory) and netd (sockets on the
// loopback, and the NICs, fds 5 up to the factory, configured by DHCP; every program it runs gets netd's
// control socket as fd 3, argdata `netd`). It runs the
// userland self-tests from bootfs and prints a summary, then serves a small command line on the console
// until the console's input ends (or the machine is stopped with Ctrl-C).
import { ArgFd, OFLAGS, R, type ArgValue, type Os } from '@cosix/libc';

const SELFTESTS = ['pipe_test', 'concur_test', 'time_test', 'mmap_test', 'unixsock_test', 'poll_test', 'cap_test', 'fork_test', 'signal_test', 'sandbox_test'];
const NET_SELFTESTS = ['udptest']; // run when netd is up (tcptest's 4 MiB transfers are for `run tcptest` and the tests)
const EXEC_RIGHTS = R.FD_READ | R.PROC_EXEC;

interface Fds { bootfs: number; procfs: number; tmp?: number; netd?: number }

/** Runs bootfs program `name` with {stdout, bootfs} (fds 0 and 1) and, when netd runs, {netd} (fd 3). */
function run(os: Os, fds: Fds, name: string): { exitcode: number; signal: number } {
  const exe = os.open(fds.bootfs, name, 0, EXEC_RIGHTS);
  const net = fds.netd !== undefined;
  const args: ArgValue = { stdout: new ArgFd(0), bootfs: new ArgFd(1), ...(net && { netd: new ArgFd(3) }) };
  const pfd = os.spawn(exe, args, net ? [1, fds.bootfs, 2, fds.netd!] : [1, fds.bootfs, 2]);
  os.close(exe);
  const st = os.wait(pfd);
  os.close(pfd);
  return st;
}

/** Starts the tmpfs daemon on a new pseudo pair (as Cosix's init did) and returns the root directory fd. */
function startTmpfs(os: Os, bootfs: number, factory: number): number {
  const [rev, root] = os.pseudoPair(factory, 'DIRECTORY');
  const exe = os.open(bootfs, 'tmpfs', 0, EXEC_RIGHTS);
  os.spawn(exe, { reverse: new ArgFd(0) }, [rev]); // the process fd stays open: closing it would kill tmpfs
  os.close(exe);
  os.close(rev);
  const fd = os.open(root, 'README', OFLAGS.CREAT, R.FD_WRITE);
  os.writeAll(fd, 'This directory is served by the tmpfs daemon through a pseudo file descriptor.\n');
  os.close(fd);
  return root;
}

/**
 * Starts netd on a control socket of its own (a pseudo pair: netd serves the reverse end) and returns the
 * control socket, which programs get as their `netd` capability (docs/network.md).
 */
function startNetd(os: Os, bootfs: number, factory: number, nics: number[]): number {
  const [rev, control] = os.pseudoPair(factory, 'SOCKET_DGRAM');
  const exe = os.open(bootfs, 'netd', 0, EXEC_RIGHTS);
  const args = { stdout: new ArgFd(0), pseudo: new ArgFd(1), control: new ArgFd(2), nics: nics.map((_, i) => new ArgFd(3 + i)), dhcp: true };
  os.spawn(exe, args, [1, factory, rev, ...nics]); // the process fd stays open, as tmpfs's
  os.close(exe);
  os.close(rev);
  return control;
}

function selftests(os: Os, fds: Fds): number {
  const tests = fds.netd === undefined ? SELFTESTS : [...SELFTESTS, ...NET_SELFTESTS];
  os.writeAll(1, `cosix init: running ${tests.length} self-tests\n`);
  let failed = 0;
  for (const t of tests) {
    const st = run(os, fds, t);
    const ok = st.signal === 0 && st.exitcode === 0;
    if (!ok) { failed++; os.writeAll(1, `  ${t}: FAILED (exit ${st.exitcode}, signal ${st.signal})\n`); }
  }
  os.writeAll(1, `cosix init: ${tests.length - failed} passed, ${failed} failed\n`);
  return failed;
}

function ps(os: Os, fds: Fds): void {
  for (const e of os.readdir(fds.procfs).filter((x) => /^\d+$/.test(x.name))) {
    const fd = os.open(fds.procfs, `${e.name}/status`, 0, R.FD_READ);
    const p = JSON.parse(String.fromCharCode(...os.readAll(fd)));
    os.close(fd);
    os.writeAll(1, `${String(p.pid).padStart(5)}  ${p.name.padEnd(16)} threads ${p.threads.length}  fds ${p.fds.length}  mapped ${Math.round(p.memory.mapped / 1024)} KiB\n`);
  }
}

function command(os: Os, fds: Fds, line: string): boolean {
  const [cmd, arg] = line.trim().split(/\s+/, 2);
  switch (cmd) {
    case '': return true;
    case 'help': os.writeAll(1, 'commands: help, ps, ls, tmp, stats, run PROGRAM, selftest, motd, exit\n'); return true;
    case 'tmp': os.writeAll(1, fds.tmp === undefined ? 'no tmpfs\n' : os.readdir(fds.tmp).map((e) => e.name).join('  ') + '\n'); return true;
    case 'ps': ps(os, fds); return true;
    case 'ls': os.writeAll(1, os.readdir(fds.bootfs).map((e) => e.name).filter((n) => !n.startsWith('.')).join('  ') + '\n'); return true;
    case 'stats': { const fd = os.open(fds.procfs, 'kernel/stats', 0, R.FD_READ); os.writeAll(1, os.readAll(fd)); os.close(fd); return true; }
    case 'motd': { const fd = os.open(fds.bootfs, 'motd.txt', 0, R.FD_READ); os.writeAll(1, os.readAll(fd)); os.close(fd); return true; }
    case 'selftest': selftests(os, fds); return true;
    case 'run': {
      if (!arg) { os.writeAll(1, 'usage: run PROGRAM\n'); return true; }
      try { const st = run(os, fds, arg); os.writeAll(1, `[${arg}: exit ${st.exitcode}, signal ${st.signal}]\n`); }
      catch (e) { os.writeAll(1, `run ${arg}: ${(e as Error).message}\n`); }
      return true;
    }
    case 'exit': return false;
    default: os.writeAll(1, `unknown command ${cmd} (try help)\n`); return true;
  }
}

export function main(os: Os, args: ArgValue): number {
  const a = args as { bootfs: ArgFd; procfs: ArgFd; pseudo?: ArgFd; interactive?: boolean };
  const fds: Fds = { bootfs: a.bootfs.fd, procfs: a.procfs.fd };
  if (a.pseudo) {
    fds.tmp = startTmpfs(os, fds.bootfs, a.pseudo.fd);
    // The machine's NICs are init's fds 5 up to the factory (docs/rawframes.md): netd drives them, with DHCP.
    const nics = Array.from({ length: Math.max(0, a.pseudo.fd - 5) }, (_, i) => 5 + i);
    fds.netd = startNetd(os, fds.bootfs, a.pseudo.fd, nics);
  }
  const failed = selftests(os, fds);
  if (a.interactive === false) return failed ? 1 : 0;
  os.writeAll(1, 'type help for commands\n');
  let pending = '';
  for (;;) {
    os.writeAll(1, 'cosix> ');
    while (!pending.includes('\n')) {
      const b = os.read(0, 4096);
      if (b.length === 0) return failed ? 1 : 0;
      pending += String.fromCharCode(...b);
    }
    const nl = pending.indexOf('\n');
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    if (!command(os, fds, line)) return failed ? 1 : 0;
  }
}
