// @cosix/hw network hardware: the table of contents of packages/hw/src/net/ (see
// packages/hw/README-net.md for the picture). Re-exported by packages/hw/src/index.ts.
//
//   rng.ts        seeded xoshiro128** for fault decisions
//   sched.ts      NetScheduler: virtual time for tests, wall-clock time for live use
//   port.ts       Port (cable sockets), frame ownership rule, MAC helpers, Observable
//   nic.ts        the e1000-like NIC device; its SAB layout and Atomics protocol
//   nicdriver.ts  the driver side of that SAB, for the kernel
//   switch.ts     learning L2 switch with ageing
//   link.ts       point-to-point link with a seeded netem-like fault model and partitions
//   pcap.ts       classic pcap writer/reader and capture of any Observable
//   tap.ts        bridge to a Linux TAP device through socat
// (testframes.ts is test support and deliberately not exported.)

export * from './rng.js';
export * from './sched.js';
export * from './port.js';
export * from './nic.js';
export * from './nicdriver.js';
export * from './switch.js';
export * from './link.js';
export * from './pcap.js';
export * from './tap.js';
