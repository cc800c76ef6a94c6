// The frame codec of the relay channel: the daemon and the in-pod relay (relay.mjs) speak it over one
// byte stream (the stdin/stdout of an exec). relay.mjs is plain JavaScript delivered alone into the
// pod, so it carries its own copy of this codec; test/backends/relay.test.ts checks the two agree.
//
// A frame is `[type u8][stream id u32 BE][length u32 BE][payload]`. Anything else on the channel
// (a shell's "node: not found", a stray log line) fails decoding with a FrameError instead of being
// buffered: the length is checked before a byte of the payload is waited for.

export const FrameType = {
  /** relay → daemon, stream 0: JSON `{ relay: 'clauderon', v, listening: { name: 'host:port' } }`. */
  HELLO: 1,
  /** relay → daemon: a connection was accepted on the listener whose name is the payload. */
  OPEN: 2,
  DATA: 3,
  /** The sender will send no more DATA on this stream (half-close). */
  END: 4,
  /** Abort the stream; the payload may hold a short reason. */
  RESET: 5,
  /** Credit: the payload (u32) is how many DATA bytes the receiver has written out. */
  ACK: 6,
  PING: 7,
  PONG: 8,
} as const;
export type FrameTypeCode = (typeof FrameType)[keyof typeof FrameType];

export const PROTOCOL_VERSION = 1;
export const HEADER_BYTES = 9;
/** Largest payload of one frame; senders split bigger chunks. */
export const MAX_PAYLOAD = 64 * 1024;
/** Per-stream credit each direction starts with: unacknowledged DATA bytes a sender may have in flight. */
export const STREAM_WINDOW = 256 * 1024;
/** Concurrent streams; the relay refuses connections beyond this, the daemon resets their OPENs. */
export const MAX_STREAMS = 1024;
/** Longest listener name (OPEN payload). */
export const MAX_NAME = 64;

export interface Frame {
  type: FrameTypeCode;
  id: number;
  payload: Buffer;
}

export class FrameError extends Error {
  override name = 'FrameError';
}

const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(FrameType).map(([k, v]) => [v, k]));

export function frameTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `0x${type.toString(16).padStart(2, '0')}`;
}

export function encodeFrame(type: FrameTypeCode, id: number, payload?: Uint8Array): Buffer {
  const length = payload?.length ?? 0;
  if (length > MAX_PAYLOAD) throw new FrameError(`frame payload of ${length} bytes exceeds ${MAX_PAYLOAD}`);
  const frame = Buffer.allocUnsafe(HEADER_BYTES + length);
  frame.writeUInt8(type, 0);
  frame.writeUInt32BE(id >>> 0, 1);
  frame.writeUInt32BE(length, 5);
  if (payload) frame.set(payload, HEADER_BYTES);
  return frame;
}

export function encodeAck(id: number, bytes: number): Buffer {
  const credit = Buffer.allocUnsafe(4);
  credit.writeUInt32BE(bytes >>> 0, 0);
  return encodeFrame(FrameType.ACK, id, credit);
}

/** Header checks that need no state: known type, bounded length, per-type payload shape. */
function checkHeader(type: number, id: number, length: number): void {
  if (!(type in TYPE_NAMES)) throw new FrameError(`unknown frame type ${frameTypeName(type)}`);
  if (length > MAX_PAYLOAD) throw new FrameError(`${frameTypeName(type)} frame of ${length} bytes exceeds ${MAX_PAYLOAD}`);
  if (type === FrameType.ACK && length !== 4) throw new FrameError(`ACK frame with a ${length}-byte payload (want 4)`);
  if (type === FrameType.OPEN && (length === 0 || length > MAX_NAME)) throw new FrameError(`OPEN frame with a ${length}-byte name`);
  if ((type === FrameType.END || type === FrameType.DATA || type === FrameType.OPEN) && id === 0) {
    throw new FrameError(`${frameTypeName(type)} frame on stream 0`);
  }
  if (type === FrameType.HELLO && id !== 0) throw new FrameError(`HELLO frame on stream ${id}`);
}

/**
 * Incremental decoder: push chunks as they arrive, get whole frames. Payloads are views into the
 * chunks where possible (no copy); at most one partial frame (≤ HEADER_BYTES + MAX_PAYLOAD) is kept.
 */
export class FrameDecoder {
  private rest: Buffer | null = null;

  /** Calls `onFrame` for each complete frame; throws FrameError on bytes that are not a frame. */
  push(chunk: Buffer, onFrame: (frame: Frame) => void): void {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = null;
    let at = 0;
    while (buf.length - at >= HEADER_BYTES) {
      const type = buf.readUInt8(at);
      const id = buf.readUInt32BE(at + 1);
      const length = buf.readUInt32BE(at + 5);
      checkHeader(type, id, length);
      if (buf.length - at < HEADER_BYTES + length) break;
      const payload = buf.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length);
      at += HEADER_BYTES + length;
      onFrame({ type: type as FrameTypeCode, id, payload });
    }
    // copied so a small remainder does not pin a large chunk; its header (if whole) was checked above
    if (at < buf.length) this.rest = Buffer.from(buf.subarray(at));
  }

  /** Bytes of an incomplete frame held back. */
  get pending(): number {
    return this.rest?.length ?? 0;
  }
}

/** A short printable rendering of bytes that were not a frame, for the error a user reads. */
export function describeBytes(bytes: Buffer, max = 48): string {
  const text = bytes.subarray(0, max).toString('latin1').replace(/[^\x20-\x7e]/g, '.');
  return JSON.stringify(text + (bytes.length > max ? '…' : ''));
}
