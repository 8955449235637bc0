// The thread control block (CB): CB_SIZE bytes in the process's address space, one per thread, placed by the
// kernel in a page it maps for the purpose. It is the only channel between a thread and the kernel.
//
//   byte  word  name      written by  meaning
//   0     0     STATE     both        IDLE -> REQUEST (thread) -> RESPONSE or DEAD (kernel) -> IDLE (thread)
//   4     1     KSPIN     kernel      1 while the kernel is spinning on this CB: the thread may skip its notify
//   8     2     SYSNO     thread      syscall number
//   12    3     ERRNO     kernel      0 or an errno
//   16..79    ARGS      thread      8 slots of 64 bits (low word first)
//   80..95    RESULTS   kernel      2 slots of 64 bits
//   96    24    OSTID     thread rt   the host thread id, written once at start, for the program's information:
//                                   the kernel never reads it (its copy is Thread.hostInfo)
//   100   25    TID       kernel      the CloudABI thread id
//   104   26    SPIN      thread      the thread's current spin budget (iterations), adapted by the thread
//   108   27    DOORBELL  nobody      always 0: the thread notifies it after a REQUEST; the kernel waitAsyncs on it
//   112..119  CPU0      thread rt   the host thread's schedstat CPU time (ns) when this thread started (as OSTID)
//   120   30    PARKED    kernel      1 while the current request is blocked in the kernel (a pipe, a futex, a
//                                     daemon's answer): the thread stops spinning and sleeps; 0 otherwise
//
// Protocol (all accesses through Atomics, so every step is sequentially consistent):
//   thread: write SYSNO and ARGS; CAS STATE IDLE->REQUEST (a failed CAS means DEAD);
//           if load(KSPIN)==0 then notify(DOORBELL).
//           spin up to SPIN iterations while STATE==REQUEST and PARKED==0, then Atomics.wait(STATE, REQUEST).
//           on RESPONSE: read ERRNO and RESULTS, CAS STATE RESPONSE->IDLE. On DEAD: the thread is gone.
//   kernel: keeps one Atomics.waitAsync(DOORBELL, 0) armed per live thread (separate from STATE so that the
//           kernel's notify of STATE wakes only the thread, and the thread's notify only the kernel); on a
//           REQUEST it reads SYSNO and ARGS once, then (now or after blocking) writes ERRNO and RESULTS,
//           stores STATE=RESPONSE and notifies. When the request blocks it stores PARKED=1 first (cleared
//           before the RESPONSE), so the thread spins only on calls the kernel is answering at once. Before it stops spinning it stores KSPIN=0 and then re-reads
//           STATE (Dekker): a thread that saw KSPIN==1 and skipped its notify is then seen by that re-read.
//   kill:   the kernel exchanges STATE to DEAD and notifies STATE; the thread's next CAS fails and it unwinds.
// The kernel never trusts these words: an unknown SYSNO, a STATE it did not expect or garbage in ARGS
// yields an errno (or nothing), never an exception.

export const CB_SIZE = 128;
export const CB = {
  STATE: 0, KSPIN: 1, SYSNO: 2, ERRNO: 3, ARGS: 4, RESULTS: 20, OSTID: 24, TID: 25, SPIN: 26, DOORBELL: 27, CPU0: 28, PARKED: 30,
} as const;
export const CB_NARGS = 8;
export const CB_NRESULTS = 2;

export const STATE = { IDLE: 0, REQUEST: 1, RESPONSE: 2, DEAD: 3 } as const;
