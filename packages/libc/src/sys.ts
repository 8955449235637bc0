// The syscall stubs: the control-block client lives with the ABI (@cosix/kernel/abi sys.ts), so that the
// kernel's host daemons use the same one.
export { Errno, Sys, ThreadGone } from '@cosix/kernel/abi';
