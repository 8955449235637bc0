// A NIC under netd: the raw-frames fd (docs/rawframes.md) as the Ethernet interface's device. Frames go
// out with one fd_write each and come in with one fd_read each; the fd is non-blocking, so a full TX ring
// drops the frame (as a busy NIC would; TCP retransmits) and an empty RX queue ends a drain. A read of 0
// bytes is a link notification: the info record (fd_pread) then says whether the link is up.
import { E, Errno, FDFLAGS, FDSFLAGS, type Os } from '@cosix/libc';
import type { Device, Interface } from '@cosix/netstack';
import { NETD_NIC_DRAIN } from './params.js';

const MAX_FRAME = 1518; // a buffer this size holds any frame (rawframes.md)

export class NicLink implements Device {
  readonly mac: number;
  linkUp = false;
  readonly stats = { rx: 0, tx: 0, txDropped: 0 };

  constructor(private readonly os: Os, readonly fd: number) {
    os.fdstatPut(fd, { flags: FDFLAGS.NONBLOCK }, FDSFLAGS.FLAGS);
    const info = os.pread(fd, 8, 0);
    this.mac = info.subarray(0, 6).reduce((m, b) => m * 256 + b, 0);
    this.linkUp = info[6] === 1;
  }

  transmit(frame: Uint8Array): void {
    try {
      this.os.write(this.fd, frame);
      this.stats.tx++;
    } catch (e) {
      if (!(e instanceof Errno) || (e.code !== E.AGAIN && e.code !== E.NETDOWN)) throw e;
      this.stats.txDropped++;
    }
  }

  /** Hands every queued frame (up to NETD_NIC_DRAIN) to `iface`; link notifications update linkUp. */
  drain(iface: Interface, now: number): void {
    for (let n = 0; n < NETD_NIC_DRAIN; n++) {
      let f: Uint8Array;
      try { f = this.os.read(this.fd, MAX_FRAME); } catch (e) {
        if (e instanceof Errno && e.code === E.AGAIN) return;
        throw e;
      }
      if (f.length === 0) { this.linkUp = this.os.pread(this.fd, 8, 0)[6] === 1; continue; }
      this.stats.rx++;
      iface.receive(f, now);
    }
  }
}
