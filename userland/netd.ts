// The netstack daemon program: argdata {pseudo: the pseudo-pair factory, control: the reverse end of the
// control socket's pseudo pair, nics?: [raw-frames fds], dhcp?: bool}. It serves TCP and UDP on the loopback
// interface (127.0.0.1/8) and on an Ethernet interface for each NIC (configured by DHCP with `dhcp`), until
// the control socket and every socket it made are closed, or it is killed (its sockets then fail with
// ECONNRESET). The protocol is in docs/network.md, "The netstack daemon".
import type { ArgValue, Os } from '@cosix/libc';
import { Netd } from '@cosix/netd';

export function main(os: Os, args: ArgValue): number {
  const a = args as { pseudo: { fd: number }; control: { fd: number }; nics?: { fd: number }[]; dhcp?: boolean };
  return new Netd(os, { factory: a.pseudo.fd, control: a.control.fd, nics: (a.nics ?? []).map((n) => n.fd), dhcp: a.dhcp === true }).run();
}
