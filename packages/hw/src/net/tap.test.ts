import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { TapBridge, openTapNetns } from './tap.js';
import { Nic, NicIcr } from './nic.js';
import { NicDriver } from './nicdriver.js';
import { Switch } from './switch.js';
import { Port, localMac } from './port.js';
import { RealTimeScheduler } from './sched.js';
import { ethernet, arp, ipv4, icmpEcho, ETHERTYPE_ARP, ETHERTYPE_IPV4 } from './testframes.js';
import type { Ip4 } from './testframes.js';

const run = promisify(execFile);

const LINUX_IP = '10.77.0.1';
const SIM_IP: Ip4 = [10, 77, 0, 2];

const sameIp = (b: Uint8Array, off: number, ip: Ip4): boolean => ip.every((x, i) => b[off + i] === x);

/**
 * The tiniest host: answers ARP requests for SIM_IP (RFC 826) and ICMP echo requests to it
 * (RFC 792), through the NIC driver, from the NIC's interrupt. Returns the echo sequence
 * numbers it answered.
 */
function responder(nic: Nic, drv: NicDriver): number[] {
  const answered: number[] = [];
  const reply = (f: Uint8Array): void => {
    const type = (f[12] << 8) | f[13];
    if (type === ETHERTYPE_ARP && f[21] === 1 && sameIp(f, 38, SIM_IP)) {
      const spa = [...f.subarray(28, 32)] as Ip4;
      drv.transmit(ethernet(f.subarray(6, 12), nic.mac, ETHERTYPE_ARP, arp(2, nic.mac, SIM_IP, f.subarray(6, 12), spa)));
    } else if (type === ETHERTYPE_IPV4 && f[23] === 1 && sameIp(f, 30, SIM_IP)) {
      const ihl = (f[14] & 0x0f) * 4;
      const icmp = f.subarray(14 + ihl, 14 + ((f[16] << 8) | f[17]));
      if (icmp[0] !== 8) return;
      const ident = (icmp[4] << 8) | icmp[5];
      const seq = (icmp[6] << 8) | icmp[7];
      const src = [...f.subarray(26, 30)] as Ip4;
      const echo = icmpEcho(0, ident, seq, icmp.subarray(8));
      drv.transmit(ethernet(f.subarray(6, 12), nic.mac, ETHERTYPE_IPV4, ipv4(SIM_IP, src, 1, echo, seq)));
      answered.push(seq);
    }
  };
  nic.setInterruptHandler(() => {
    const cause = drv.readCause();
    if (cause & NicIcr.TXDW) drv.reapTx();
    for (let f; (f = drv.receive()) !== null;) reply(f);
  });
  return answered;
}

describe('hw/net TapBridge (Linux TAP in a private network namespace)', function () {
  this.timeout(20_000);
  const suffix = randomBytes(3).toString('hex');
  const ns = `cosix-test-${suffix}`;
  const ifname = `cxtap${suffix}`;
  let nsCreated = false;
  let sched: RealTimeScheduler;
  let nic: Nic;
  let drv: NicDriver;
  let tap: TapBridge | null = null;
  let answered: number[];

  before(async function () {
    const probe = await openTapNetns(ns);
    nsCreated = probe.created;
    if (probe.why !== null) {
      console.log(`      skipped: ${probe.why}`);
      this.skip();
    }
    sched = new RealTimeScheduler();
    nic = new Nic({ mac: localMac(0x4d02), scheduler: sched, txRingSize: 64, rxRingSize: 64 });
    drv = new NicDriver(nic.sab, () => nic.doorbell());
    answered = responder(nic, drv);
    drv.start();
    tap = await TapBridge.open({ ifname, netns: ns });
    const sw = new Switch(sched); // TAP - switch - NIC: the learning switch is on the path too
    Port.connect(tap.port, sw.addPort().port);
    Port.connect(nic.port, sw.addPort().port);
    // Linux side: address, up; no IPv6 so nothing but our test traffic crosses the bridge.
    await run('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', `net.ipv6.conf.${ifname}.disable_ipv6=1`]);
    await run('ip', ['-n', ns, 'addr', 'add', `${LINUX_IP}/24`, 'dev', ifname]);
    await run('ip', ['-n', ns, 'link', 'set', ifname, 'up']);
  });

  after(async () => {
    await tap?.close();
    nic?.close();
    sched?.close();
    if (nsCreated) await run('ip', ['netns', 'del', ns]);
  });

  it('the TAP lives only in the test namespace', async () => {
    expect(existsSync(`/sys/class/net/${ifname}`)).to.equal(false);
    const { stdout } = await run('ip', ['-n', ns, '-o', 'link', 'show', ifname]);
    expect(stdout).to.include(ifname);
    expect(tap?.alive).to.equal(true);
  });

  it('Linux pings the simulated NIC through the TAP (ARP, then ICMP echo both ways)', async () => {
    const { stdout } = await run('ip', ['netns', 'exec', ns, 'ping', '-n', '-c', '3', '-i', '0.2', '-W', '2', SIM_IP.join('.')]);
    expect(stdout).to.match(/3 packets transmitted, 3 received/);
    expect(answered).to.deep.equal([1, 2, 3]);
    const { stdout: neigh } = await run('ip', ['-n', ns, 'neigh', 'show', SIM_IP.join('.')]);
    expect(neigh).to.include('02:00:00:00:4d:02');
    expect(tap!.stats().fromLinux).to.be.at.least(4); // ARP request + 3 echo requests
    expect(tap!.stats()).to.include({ sendErrors: 0 });
  });

  it('close() removes the TAP device with socat', async () => {
    await tap!.close();
    expect(tap!.alive).to.equal(false);
    const gone = await run('ip', ['-n', ns, 'link', 'show', ifname]).then(() => false, () => true);
    expect(gone).to.equal(true);
  });
});
