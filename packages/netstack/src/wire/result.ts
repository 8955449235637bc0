/**
 * Errors from parsing untrusted bytes are values, never exceptions.
 *
 *   truncated   - the buffer is shorter than a length the packet itself requires
 *   malformed   - a field holds a value the protocol forbids (bad version, bad option length...)
 *   checksum    - the checksum does not verify
 *   unsupported - well-formed but outside what this stack implements (e.g. ARP for non-IPv4)
 */
export type WireError = 'truncated' | 'malformed' | 'checksum' | 'unsupported';

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: WireError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function err<T>(error: WireError): Result<T> {
  return { ok: false, error };
}
