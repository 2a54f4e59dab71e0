/** How a gRPC message is framed on its HTTP/2 stream: a 5-byte prefix, then the message. */

/** Bytes of the gRPC message prefix: a compressed flag and the message length (big-endian uint32). */
export const GRPC_PREFIX_BYTES = 5;

/** A gRPC message as it goes on the wire: its prefix and bytes, in one Buffer or in pieces. */
export type Frame = Buffer | Buffer[];

/** A serialized message as a gRPC frame (one copy; for messages without a framed encoder). */
export function frameOf(message: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(GRPC_PREFIX_BYTES + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, GRPC_PREFIX_BYTES);
  return frame;
}

/** The message of a frame, without its prefix (a copy only when it is in pieces). */
export function messageOf(frame: Frame): Buffer {
  const whole = Buffer.isBuffer(frame) ? frame : Buffer.concat(frame);
  return whole.subarray(GRPC_PREFIX_BYTES);
}

/** Bytes of a frame, prefix included. */
export function frameLength(frame: Frame): number {
  if (Buffer.isBuffer(frame)) return frame.length;
  let length = 0;
  for (const piece of frame) length += piece.length;
  return length;
}
