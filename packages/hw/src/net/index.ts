// @cosix/hw network hardware: the table of contents of packages/hw/src/net/.
export * from './rng.js';
export * from './sched.js';
export * from './port.js';
export * from './nic.js';
export * from './nicdriver.js';
export * from './switch.js';
export * from './link.js';
export * from './pcap.js';
export * from './tap.js';
