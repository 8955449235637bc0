// DHCP interop with Linux (issue 5 section 4): busybox's DHCP client (udhcpc) and server (udhcpd), run in a
// network namespace this test creates, against our Gateway's DhcpServer and netstack's DhcpClient, through a
// TapBridge on the simulated Switch. Wall-clock time (RealTimeScheduler).
import { expect } from 'chai';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Port, RealTimeScheduler, Switch, TapBridge, openTapNetns } from '@cosix/hw';
import { DhcpClient, formatIpv4, ipv4 } from '@cosix/netstack';
import { Gateway, StackNode } from '@cosix/gateway';

const run = promisify(execFile);

/** Output of a process, and its exit code, once it exits. */
function finished(p: ChildProcess): Promise<{ code: number | null; out: string }> {
  let out = '';
  p.stdout?.on('data', (d) => { out += String(d); });
  return new Promise((resolve) => p.on('close', (code) => resolve({ code, out })));
}

describe('DHCP interop with Linux over a TAP (busybox udhcpc/udhcpd <-> our server and client, own netns)', function () {
  this.timeout(30_000);
  const suffix = randomBytes(3).toString('hex');
  const ns = `cosix-dhcp-${suffix}`;
  const ifname = `cxdhcp${suffix}`;
  const procs: ChildProcess[] = [];
  let dir = '';
  let nsCreated = false;
  let sched: RealTimeScheduler;
  let sw: Switch;
  let tap: TapBridge | null = null;
  let gw: Gateway;
  let client: StackNode | null = null;

  before(async function () {
    const probe = await openTapNetns(ns, [['udhcpc', 'udhcpc'], ['udhcpd', 'udhcpd']]);
    nsCreated = probe.created;
    if (probe.why !== null) {
      console.log(`      skipped: ${probe.why}`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'cosix-dhcp-'));
    sched = new RealTimeScheduler();
    sw = new Switch(sched);
    tap = await TapBridge.open({ ifname, netns: ns });
    Port.connect(tap.port, sw.addPort().port);
    gw = new Gateway({ scheduler: sched, leaseSeconds: 3600 });
    Port.connect(gw.port, sw.addPort().port);
    await run('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', `net.ipv6.conf.${ifname}.disable_ipv6=1`]);
    await run('ip', ['-n', ns, 'link', 'set', ifname, 'up']);
  });

  after(async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    client?.close();
    await gw?.close();
    await tap?.close();
    sched?.close();
    if (nsCreated) await run('ip', ['netns', 'del', ns]);
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('Linux\'s udhcpc leases from our Gateway: address from the pool, router, DNS, lease time', async () => {
    // udhcpc calls its script with the event as $1 and the lease in the environment.
    const script = join(dir, 'udhcpc.sh');
    writeFileSync(script, '#!/bin/sh\necho "$1 ip=$ip mask=$mask router=$router dns=$dns lease=$lease serverid=$serverid"\n');
    chmodSync(script, 0o755);
    const p = spawn('ip', ['netns', 'exec', ns, 'udhcpc', '-f', '-q', '-n', '-t', '5', '-T', '2', '-i', ifname, '-s', script],
      { stdio: ['ignore', 'pipe', 'ignore'] });
    procs.push(p);
    const { code, out } = await finished(p);
    expect(code, out).to.equal(0);
    expect(out).to.match(/^bound ip=10\.0\.2\.15 mask=24 router=10\.0\.2\.2 dns=10\.0\.2\.3 lease=3600 serverid=10\.0\.2\.2$/m);
    const bound = gw.dhcp!.bindings().filter((b) => b.state === 'bound').map((b) => formatIpv4(b.address));
    expect(bound).to.deep.equal(['10.0.2.15']);
  });

  it('our DhcpClient leases from Linux\'s udhcpd', async () => {
    gw.dhcp!.close(); // one server on the LAN: Linux's
    await run('ip', ['-n', ns, 'addr', 'add', '10.0.9.1/24', 'dev', ifname]);
    const conf = join(dir, 'udhcpd.conf');
    writeFileSync(conf, [
      'start 10.0.9.100', 'end 10.0.9.110', `interface ${ifname}`, `lease_file ${join(dir, 'leases')}`,
      `pidfile ${join(dir, 'udhcpd.pid')}`, 'option subnet 255.255.255.0', 'option router 10.0.9.1',
      'option dns 10.0.9.53', 'option lease 600', '',
    ].join('\n'));
    writeFileSync(join(dir, 'leases'), '');
    const server = spawn('ip', ['netns', 'exec', ns, 'udhcpd', '-f', conf], { stdio: ['ignore', 'ignore', 'ignore'] });
    procs.push(server);
    await new Promise((r) => setTimeout(r, 300)); // udhcpd binds port 67 as it starts
    client = new StackNode({ scheduler: sched, mac: 0x02_00_00_00_09_02, rng: () => randomBytes(4).readUInt32LE(0), addresses: [] });
    Port.connect(client.port, sw.addPort().port);
    const dhcp = new DhcpClient(client.iface, () => randomBytes(4).readUInt32LE(0));
    client.kick();
    await new Promise<void>((resolve) => {
      const stop = client!.onService(() => {
        if (dhcp.state === 'bound') {
          stop();
          resolve();
        }
      });
    });
    const lease = dhcp.lease!;
    expect(formatIpv4(lease.address.address)).to.match(/^10\.0\.9\.1(0[0-9]|10)$/);
    expect(lease.address.prefixLen).to.equal(24);
    expect(lease.router).to.equal(ipv4('10.0.9.1'));
    expect(lease.dnsServers).to.deep.equal([ipv4('10.0.9.53')]);
    expect(lease.serverId).to.equal(ipv4('10.0.9.1'));
    expect(lease.expiresAt - lease.renewAt).to.be.closeTo(300_000, 5_000);
    // The address works: Linux pings it.
    const { stdout } = await run('ip', ['netns', 'exec', ns, 'ping', '-n', '-c', '2', '-i', '0.2', '-W', '3', formatIpv4(lease.address.address)]);
    expect(stdout).to.match(/2 packets transmitted, 2 received/);
    dhcp.close();
  });
});
