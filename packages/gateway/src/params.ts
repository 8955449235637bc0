/**
 * Every limit of the gateway package, in one place (like xv6's param.h). Times are milliseconds.
 */

// --- StackNode ---
export const NODE_RX_QUEUE_FRAMES = 4096; // frames a node queues between service turns (its "RX ring"); more are dropped
