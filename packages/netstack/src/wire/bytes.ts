/** Byte-buffer helpers shared by the wire formats. */

/** A DataView covering exactly `bytes` (which may be a subarray of a larger buffer). */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Copies `payload` to `bytes[offset..]` unless it already lies there (layers emitted in place). */
export function copyPayload(bytes: Uint8Array, offset: number, payload: Uint8Array): void {
  if (payload.buffer === bytes.buffer && payload.byteOffset === bytes.byteOffset + offset) return;
  bytes.set(payload, offset);
}
