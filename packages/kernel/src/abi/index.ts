// The Cosix ABI: the one definition of syscall numbers, argument slots, struct layouts, errno values, rights,
// enumerations, the thread control block and argdata. Userland packages import only this entry point
// (`@cosix/kernel/abi`); the kernel's decoders and the docs derive from it too.
export * from './errno.js';
export * from './rights.js';
export * from './types.js';
export * from './layout.js';
export * from './syscalls.js';
export * from './control.js';
export * from './argdata.js';
export * from './utf8.js';
export * from './errors.js';
export * from './pseudo.js';
export * from './wasi.js';
export * from './sys.js';
