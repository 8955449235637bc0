// ifconfig: prints netd's interfaces, one a line: name, MAC, link state, IPv4 addresses.
// argdata {stdout, netd: the control socket}.
import { Errno, Net, type ArgValue, type Os } from '@cosix/libc';

export function main(os: Os, args: ArgValue): number {
  const a = args as { stdout?: { fd: number }; netd?: { fd: number } };
  const out = a.stdout?.fd ?? 0;
  if (!a.netd) { os.writeAll(out, 'ifconfig: no netd capability\n'); return 1; }
  try {
    for (const i of new Net(os, a.netd.fd).interfaces()) {
      os.writeAll(out, `${i.name.padEnd(6)}${(i.mac || '-').padEnd(19)}${i.link ? 'up  ' : 'down'}  ${i.addrv4.join(' ') || '(no address)'}\n`);
    }
    return 0;
  } catch (e) {
    if (!(e instanceof Errno)) throw e;
    os.writeAll(out, `ifconfig: ${e.message}\n`);
    return 1;
  }
}
