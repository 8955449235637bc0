import { expect } from 'chai';
import fc from 'fast-check';
import { execFileSync, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PcapWriter, BufferSink, FileSink, readPcap, capture, pcapFileHeader } from './pcap.js';
import { Nic } from './nic.js';
import { NicDriver } from './nicdriver.js';
import { Link } from './link.js';
import { Port, localMac, BROADCAST_MAC } from './port.js';
import { VirtualScheduler, NS_PER_MS } from './sched.js';
import {
  ethernet, arp, ipv4, icmpEcho, udp, tcp, mssOption, ETHERTYPE_ARP, ETHERTYPE_IPV4,
  TCP_SYN, TCP_ACK, TCP_PSH, TCP_FIN,
} from './testframes.js';
import type { Ip4 } from './testframes.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function frame(tag: number, len = 60): Uint8Array {
  const f = new Uint8Array(len);
  for (let i = 0; i < len; i++) f[i] = (tag + i) & 0xff;
  return f;
}

describe('hw/net pcap', () => {
  describe('golden bytes', () => {
    it('writes the microsecond file header (draft-ietf-opsawg-pcap 4)', () => {
      expect(hex(pcapFileHeader('us', 262144))).to.equal(
        'd4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + '00000400' + '01000000');
    });

    it('writes the nanosecond file header', () => {
      expect(hex(pcapFileHeader('ns', 65535))).to.equal(
        '4d3cb2a1' + '0200' + '0400' + '00000000' + '00000000' + 'ffff0000' + '01000000');
    });

    it('writes a packet record header then the frame (section 5)', () => {
      for (const [res, sub] of [['us', '20a10700'], ['ns', '7b65cd1d']] as const) {
        const sink = new BufferSink();
        const w = new PcapWriter(sink, { resolution: res });
        w.write(frame(0, 60), 1_500_000_123); // 1 s + 500000.123 us
        expect(hex(sink.bytes().subarray(24, 40))).to.equal('01000000' + sub + '3c000000' + '3c000000');
        expect(hex(sink.bytes().subarray(40))).to.equal(hex(frame(0, 60)));
      }
    });

    it('truncates to snaplen while recording the original length', () => {
      const sink = new BufferSink();
      new PcapWriter(sink, { snaplen: 20 }).write(frame(1, 100), 0);
      const rec = readPcap(sink.bytes()).records[0];
      expect([rec.frame.length, rec.origLen]).to.deep.equal([20, 100]);
      expect(hex(rec.frame)).to.equal(hex(frame(1, 20)));
    });

    it('adds epochNs to timestamps (live captures)', () => {
      const sink = new BufferSink();
      const epoch = 1_764_000_000n * 1_000_000_000n;
      new PcapWriter(sink, { resolution: 'ns', epochNs: epoch }).write(frame(0), 42);
      expect(readPcap(sink.bytes()).records[0].timeNs).to.equal(epoch + 42n);
    });
  });

  describe('reading', () => {
    it('round-trips any frames and times (ns exact, us truncated)', () => {
      fc.assert(
        fc.property(
          fc.constantFrom('us', 'ns'),
          fc.array(fc.tuple(fc.uint8Array({ minLength: 14, maxLength: 1514 }), fc.nat({ max: 2 ** 50 })), { maxLength: 20 }),
          (res, pkts) => {
            const sink = new BufferSink();
            const w = new PcapWriter(sink, { resolution: res });
            for (const [f, t] of pkts) w.write(f, t);
            const file = readPcap(sink.bytes());
            expect(file).to.include({ resolution: res, linktype: 1, snaplen: 262144 });
            expect(file.records.map((r) => hex(r.frame))).to.deep.equal(pkts.map(([f]) => hex(f)));
            const want = pkts.map(([, t]) => (res === 'ns' ? BigInt(t) : (BigInt(t) / 1000n) * 1000n));
            expect(file.records.map((r) => r.timeNs)).to.deep.equal(want);
          },
        ),
        { numRuns: 100 },
      );
    });

    it('reads big-endian files', () => {
      const be = Buffer.from('a1b2c3d4' + '00020004' + '00000000' + '00000000' + '0000ffff' + '00000001' +
        '00000002' + '00000003' + '0000000e' + '0000000e' + 'ffffffffffff0200000000010800', 'hex');
      const file = readPcap(be);
      expect(file).to.include({ resolution: 'us', snaplen: 65535, linktype: 1 });
      expect(file.records[0].timeNs).to.equal(2_000_003_000n);
      expect(file.records[0].frame.length).to.equal(14);
    });

    it('rejects bad magic and truncated files', () => {
      expect(() => readPcap(new Uint8Array(24))).to.throw(/bad magic/);
      expect(() => readPcap(new Uint8Array(10))).to.throw(/shorter/);
      const sink = new BufferSink();
      new PcapWriter(sink).write(frame(0), 0);
      expect(() => readPcap(sink.bytes().subarray(0, 50))).to.throw(/truncated record data/);
      expect(() => readPcap(sink.bytes().subarray(0, 30))).to.throw(/truncated record header/);
    });
  });

  describe('capture', () => {
    it('captures a NIC\'s traffic both ways, stamped with virtual time', () => {
      const sched = new VirtualScheduler();
      const nic = new Nic({ mac: localMac(1), scheduler: sched, txRingSize: 8, rxRingSize: 8 });
      const wire = new Port('wire', () => {});
      Port.connect(nic.port, wire);
      const drv = new NicDriver(nic.sab, () => nic.doorbell());
      drv.start();
      const sink = new BufferSink();
      const stop = capture(nic, new PcapWriter(sink, { resolution: 'ns' }), sched);
      const out = ethernet(BROADCAST_MAC, nic.mac, 0x88b5, new Uint8Array([1]));
      drv.transmit(out);
      sched.advance(7 * NS_PER_MS);
      const inbound = ethernet(nic.mac, localMac(2), 0x88b5, new Uint8Array([2]));
      wire.send(inbound);
      stop();
      wire.send(inbound);
      const recs = readPcap(sink.bytes()).records;
      expect(recs.map((r) => [r.timeNs, hex(r.frame)])).to.deep.equal([[0n, hex(out)], [7_000_000n, hex(inbound)]]);
    });

    it('captures a link to a file, one direction only, identical to a buffer capture', () => {
      const dir = mkdtempSync(join(tmpdir(), 'cosix-pcap-'));
      try {
        const sched = new VirtualScheduler();
        const link = new Link(sched, { seed: 1, latencyNs: 1000 });
        Port.connect(new Port('x', () => {}), link.b);
        const a = new Port('a', () => {});
        Port.connect(a, link.a);
        const fileSink = new FileSink(join(dir, 'link.pcap'));
        const bufSink = new BufferSink();
        const wf = new PcapWriter(fileSink);
        capture(link, wf, sched, 'tx');
        capture(link, new PcapWriter(bufSink), sched, 'tx');
        for (let i = 0; i < 3; i++) a.send(frame(i));
        link.b.send(frame(9)); // b->a: not captured
        sched.runUntilIdle();
        wf.close();
        const onDisk = readFileSync(join(dir, 'link.pcap'));
        expect(hex(onDisk)).to.equal(hex(bufSink.bytes()));
        expect(readPcap(onDisk).records.map((r) => r.timeNs)).to.deep.equal([1000n, 1000n, 1000n]);
        expect(() => wf.write(frame(0), 0)).to.throw(/closed/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('tshark', function () {
    this.timeout(30_000);
    let tshark: string | null = null;
    before(function () {
      try {
        tshark = execFileSync('which', ['tshark'], { encoding: 'utf8' }).trim();
      } catch {
        console.log('      skipped: tshark is not installed (apt-get install -y tshark)');
        this.skip();
      }
    });

    it('parses a capture of ARP, ICMP, UDP and a TCP connection with no malformed or bad-checksum warnings', async () => {
      const out = await dissect(tshark as string, conversation());
      expect(out.match(/^Frame \d+:/gm)).to.have.length(conversation().length);
      expect(out).to.match(/\[Header checksum status: Good\]/); // validation was really on
      expect(out.match(/\[Checksum Status: Good\]/g)).to.have.length(10); // ICMP x2, UDP, TCP x7
      expect(out).to.not.match(/malformed|bad checksum|checksum status: bad|incorrect, should be|\[Expert Info \((Error|Warning)/i);
      for (const proto of ['Address Resolution Protocol', 'Internet Control Message Protocol', 'User Datagram Protocol', 'Transmission Control Protocol']) {
        expect(out).to.include(proto);
      }
    });

    it('does flag a frame whose TCP checksum is wrong (the check above can fail)', async () => {
      const frames = conversation();
      frames[7][frames[7].length - 1] ^= 0xff; // last payload byte of the TCP data segment
      const out = await dissect(tshark as string, frames);
      expect(out).to.match(/checksum status: bad|incorrect, should be/i);
    });
  });
});

const A = localMac(1);
const B = localMac(2);
const IP_A: Ip4 = [10, 0, 0, 1];
const IP_B: Ip4 = [10, 0, 0, 2];

/** ARP, ping, a UDP exchange and a whole TCP connection between A and B, all checksums right. */
function conversation(): Uint8Array[] {
  const ip = (src: Ip4, dst: Ip4, proto: number, p: Uint8Array, id: number): Uint8Array =>
    ethernet(src === IP_A ? B : A, src === IP_A ? A : B, ETHERTYPE_IPV4, ipv4(src, dst, proto, p, id));
  const ab = (s: Parameters<typeof tcp>[2], id: number) => ip(IP_A, IP_B, 6, tcp(IP_A, IP_B, s), id);
  const ba = (s: Parameters<typeof tcp>[2], id: number) => ip(IP_B, IP_A, 6, tcp(IP_B, IP_A, s), id);
  const ping = new TextEncoder().encode('cosix ping payload');
  const data = new TextEncoder().encode('hello over tcp\n');
  const [a0, b0] = [1000, 5000];
  const tp = { sport: 40000, dport: 2626 };
  const tr = { sport: 2626, dport: 40000 };
  return [
    ethernet(BROADCAST_MAC, A, ETHERTYPE_ARP, arp(1, A, IP_A, new Uint8Array(6), IP_B)),
    ethernet(A, B, ETHERTYPE_ARP, arp(2, B, IP_B, A, IP_A)),
    ip(IP_A, IP_B, 1, icmpEcho(8, 0x1234, 1, ping), 1),
    ip(IP_B, IP_A, 1, icmpEcho(0, 0x1234, 1, ping), 1),
    ip(IP_A, IP_B, 17, udp(IP_A, IP_B, 40001, 7, new TextEncoder().encode('echo me')), 2),
    ab({ ...tp, seq: a0, ack: 0, flags: TCP_SYN, window: 65535, options: mssOption(1460) }, 3),
    ba({ ...tr, seq: b0, ack: a0 + 1, flags: TCP_SYN | TCP_ACK, window: 65535, options: mssOption(1460) }, 2),
    ab({ ...tp, seq: a0 + 1, ack: b0 + 1, flags: TCP_PSH | TCP_ACK, window: 65535, data }, 4),
    ba({ ...tr, seq: b0 + 1, ack: a0 + 1 + data.length, flags: TCP_ACK, window: 65535 }, 3),
    ab({ ...tp, seq: a0 + 1 + data.length, ack: b0 + 1, flags: TCP_FIN | TCP_ACK, window: 65535 }, 5),
    ba({ ...tr, seq: b0 + 1, ack: a0 + 2 + data.length, flags: TCP_FIN | TCP_ACK, window: 65535 }, 4),
    ab({ ...tp, seq: a0 + 2 + data.length, ack: b0 + 2, flags: TCP_ACK, window: 65535 }, 6),
  ];
}

/** Write `frames` 1 ms apart to a temporary pcap and return `tshark -V` output with checksum validation on. */
async function dissect(tshark: string, frames: Uint8Array[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'cosix-tshark-'));
  try {
    const path = join(dir, 'traffic.pcap');
    const w = new PcapWriter(new FileSink(path), { resolution: 'ns' });
    frames.forEach((f, i) => w.write(f, i * NS_PER_MS));
    w.close();
    const prefs = ['ip.check_checksum:TRUE', 'tcp.check_checksum:TRUE', 'udp.check_checksum:TRUE'];
    const { stdout } = await promisify(execFile)(tshark, ['-r', path, '-V', ...prefs.flatMap((p) => ['-o', p])], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
