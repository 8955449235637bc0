/**
 * @cosix/gateway - glue between the simulated hardware (@cosix/hw) and the TCP/IP stack (@cosix/netstack),
 * and the gateway node of the simulated LAN, like QEMU's user-mode network.
 *
 * Table of contents
 *   node.ts     StackNode: a netstack Interface on an hw Port, serviced on an hw NetScheduler
 *   params.ts   every limit, in one place
 */
export * from './params.js';
export { StackNode, type StackNodeOptions, type ServiceHook, macNumber } from './node.js';
