// Struct layouts of the 32-bit CloudABI (cloudabi32_types.h): a pointer or size is a u32 offset into the
// process's address space; timestamps, rights, offsets and userdata are u64. Little-endian throughout.
// Each layout names its fields with [offset, type]; the kernel's decoders and libc's encoders read these
// tables, so a layout is written down exactly once.

export type FieldType = 'u8' | 'u16' | 'u32' | 'u64' | 'i64';
export interface Layout {
  readonly size: number;
  readonly align: number;
  readonly fields: Readonly<Record<string, readonly [number, FieldType]>>;
}

function layout(size: number, align: number, fields: Record<string, readonly [number, FieldType]>): Layout {
  return { size, align, fields };
}

export const IOVEC = layout(8, 4, { buf: [0, 'u32'], buf_len: [4, 'u32'] });
export const FDSTAT = layout(24, 8, {
  fs_filetype: [0, 'u8'], fs_flags: [2, 'u16'], fs_rights_base: [8, 'u64'], fs_rights_inheriting: [16, 'u64'],
});
export const FILESTAT = layout(56, 8, {
  st_dev: [0, 'u64'], st_ino: [8, 'u64'], st_filetype: [16, 'u8'], st_nlink: [20, 'u32'], st_size: [24, 'u64'],
  st_atim: [32, 'u64'], st_mtim: [40, 'u64'], st_ctim: [48, 'u64'],
});
export const DIRENT = layout(24, 8, { d_next: [0, 'u64'], d_ino: [8, 'u64'], d_namlen: [16, 'u32'], d_type: [20, 'u8'] });
export const THREADATTR = layout(16, 4, { entry: [0, 'u32'], stack: [4, 'u32'], stack_len: [8, 'u32'], argument: [12, 'u32'] });

/** subscription: a 16-byte header, then a union selected by `type`. */
export const SUBSCRIPTION = layout(56, 8, {
  userdata: [0, 'u64'], flags: [8, 'u16'], type: [10, 'u8'],
  // clock
  clock_identifier: [16, 'u64'], clock_id: [24, 'u32'], clock_timeout: [32, 'u64'], clock_precision: [40, 'u64'],
  clock_flags: [48, 'u16'],
  // condvar
  condvar: [16, 'u32'], condvar_lock: [20, 'u32'], condvar_scope: [24, 'u8'], condvar_lock_scope: [25, 'u8'],
  // fd_read, fd_write
  fd: [16, 'u32'], fd_flags: [20, 'u16'],
  // lock_rdlock, lock_wrlock
  lock: [16, 'u32'], lock_scope: [20, 'u8'],
  // proc_terminate
  proc_fd: [16, 'u32'],
});

export const EVENT = layout(32, 8, {
  userdata: [0, 'u64'], error: [8, 'u16'], type: [10, 'u8'],
  clock_identifier: [16, 'u64'],
  condvar: [16, 'u32'],
  lock: [16, 'u32'],
  fd_nbytes: [16, 'u64'], fd_fd: [24, 'u32'], fd_flags: [28, 'u16'],
  proc_fd: [16, 'u32'], proc_signal: [20, 'u8'], proc_exitcode: [24, 'u32'],
});

export const SOCKADDR = layout(20, 4, { sa_family: [0, 'u8'] });
export const SOCKSTAT = layout(48, 8, { ss_error: [40, 'u16'], ss_state: [44, 'u32'] });
export const SOCKSTAT_SOCKNAME = 0;
export const SOCKSTAT_PEERNAME = 20;
export const RECV_IN = layout(20, 4, {
  ri_data: [0, 'u32'], ri_data_len: [4, 'u32'], ri_fds: [8, 'u32'], ri_fds_len: [12, 'u32'], ri_flags: [16, 'u16'],
});
export const RECV_OUT = layout(52, 4, { ro_datalen: [0, 'u32'], ro_fdslen: [4, 'u32'], ro_flags: [48, 'u16'] });
export const RECV_OUT_SOCKNAME = 8;
export const RECV_OUT_PEERNAME = 28;
export const SEND_IN = layout(20, 4, {
  si_data: [0, 'u32'], si_data_len: [4, 'u32'], si_fds: [8, 'u32'], si_fds_len: [12, 'u32'], si_flags: [16, 'u16'],
});
export const SEND_OUT = layout(4, 4, { so_datalen: [0, 'u32'] });

/** Reads field `name` of `l` at `base` in `dv`. u64 fields come back as bigint. */
export function getField(dv: DataView, base: number, l: Layout, name: string): number | bigint {
  const [off, t] = l.fields[name];
  const p = base + off;
  switch (t) {
    case 'u8': return dv.getUint8(p);
    case 'u16': return dv.getUint16(p, true);
    case 'u32': return dv.getUint32(p, true);
    case 'u64': return dv.getBigUint64(p, true);
    case 'i64': return dv.getBigInt64(p, true);
  }
}

export function setField(dv: DataView, base: number, l: Layout, name: string, v: number | bigint): void {
  const [off, t] = l.fields[name];
  const p = base + off;
  switch (t) {
    case 'u8': dv.setUint8(p, Number(v)); break;
    case 'u16': dv.setUint16(p, Number(v), true); break;
    case 'u32': dv.setUint32(p, Number(v), true); break;
    case 'u64': dv.setBigUint64(p, BigInt(v), true); break;
    case 'i64': dv.setBigInt64(p, BigInt(v), true); break;
  }
}
