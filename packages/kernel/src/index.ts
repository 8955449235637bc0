// @cosix/kernel: the table of contents. Userland may use only the ABI entry point (kernel/abi), never this.
export { Kernel, type KernelOptions, type KernelStats } from './kernel.js';
export { bootKernel, spawnProgram, initCaps, loadBootfsFiles, BOOTFS_DIR, type Capability } from './boot.js';
export { Bootfs, loadImage, JS_IMAGE_MAGIC } from './bootfs.js';
export { RIGHTSETS, type RightSet } from './rightsets.js';
export { createPipe, PipeEnd } from './pipe.js';
export { createSocketPair, UnixSocket } from './unixsock.js';
export { ConsoleDevice } from './chardev.js';
export { NicDevice, RawFramesObject, RAWFRAMES_INFO_BYTES, type NicInfo, type NicDeviceStats, type NicDeviceOptions } from './nicdev.js';
export { procfsRoot, kernelStats } from './procfs.js';
export { TreeDir } from './vfs.js';
export { Description } from './object.js';
export type { Process, ExitStatus, Image } from './proc.js';
export * as params from './params.js';
export { PseudoFactory, ReverseObject, PseudoObject } from './pseudo.js';
export { HostfsServer } from './hostfs.js';
export { HostfsMount } from './hostmount.js';
export { run as cosixRun, parseArgs as parseRunArgs, type RunOptions } from './cli.js';
