// @cosix/hw: the simulated machine. Clocks, timers, entropy and the serial console; hw imports no other
// Cosix package.
export * from './clock.js';
export * from './entropy.js';
export * from './timer.js';
export * from './serial.js';
export * from './net/index.js';
