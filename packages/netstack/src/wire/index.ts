/**
 * Wire formats, smoltcp-style. Each protocol has two faces:
 *
 *   XxxPacket - a view over a Uint8Array with a field table of byte offsets and one accessor per field.
 *     XxxPacket.checked(bytes) validates every length the packet itself announces; after it succeeds,
 *     NO ACCESSOR THROWS, whatever the bytes are (`options()` and `payload()` return in-bounds subarrays).
 *     XxxPacket.unchecked(bytes) is for emitting into a buffer the caller sized with bufferLen(); its
 *     accessors may throw a RangeError on a buffer that is too short, which is a caller bug.
 *
 *   XxxRepr - a plain object holding the decoded fields, with
 *     XxxRepr.parse(bytes, ...)   untrusted bytes -> Result<XxxRepr>; NEVER THROWS; verifies checksums.
 *     XxxRepr.emit(repr, bytes, ...) writes header and payload and computes checksums.
 *     XxxRepr.bufferLen(repr)     how many bytes emit() writes.
 *
 * Errors are values: `{ ok: false, error: 'truncated' | 'malformed' | 'checksum' | 'unsupported' }` (result.ts).
 * Payloads returned by parse() are subarrays of the input (no copy); emit() copies a payload unless it already
 * lies at its destination, so a frame can be built in place from the innermost layer outwards.
 */
export * from './result.js';
export * from './bytes.js';
export * from './address.js';
export * from './checksum.js';
export * from './ethernet.js';
export * from './arp.js';
export * from './ipv4.js';
export * from './icmp.js';
export * from './udp.js';
export * from './tcp.js';
export * from './dhcp.js';
