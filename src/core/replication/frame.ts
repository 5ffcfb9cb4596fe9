/**
 * The binary frame every data-plane peer message travels in (docs/peer-protocol.md §3.1):
 *
 *   u32 big-endian H | H bytes: the header, UTF-8 JSON | the values, back to back
 *
 * The header is the message itself (the JSON schemas of `wire.ts` and `merkle/merkle-wire.ts`) with
 * each value replaced by its length (`value_len`); the values follow the header as raw bytes, in the
 * order their `value_len` fields appear in the header. No base64 and no JSON parse of values: a
 * value is one copy in and one copy out. Which fields are values is fixed by the message schema;
 * the reader never guesses from the bytes.
 */
export class WireError extends Error {
  override readonly name = 'WireError';
}

/** Content type of a frame (requests and 200 answers of the data-plane routes). */
export const FRAME_CONTENT_TYPE = 'application/vnd.hypercache.frame';

const HEADER_LENGTH_BYTES = 4;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Where an encoder puts a value: it returns the length the header carries as `value_len`. */
export interface ValueSink {
  value(bytes: Uint8Array): number;
}

/** Collects the values of one message while its header is built, then writes the frame. */
export class FrameWriter implements ValueSink {
  private readonly values: Uint8Array[] = [];
  private tailBytes = 0;

  /** Appends a value to the tail; returns its length, which the header carries as `value_len`. */
  value(bytes: Uint8Array): number {
    if (bytes.length > 0) {
      this.values.push(bytes);
      this.tailBytes += bytes.length;
    }
    return bytes.length;
  }

  /** The frame of `header` and the values appended so far (one allocation, one copy of each value). */
  finish(header: unknown): Buffer {
    const json = JSON.stringify(header);
    const headerBytes = Buffer.byteLength(json);
    const out = Buffer.allocUnsafe(HEADER_LENGTH_BYTES + headerBytes + this.tailBytes);
    out.writeUInt32BE(headerBytes, 0);
    let at = HEADER_LENGTH_BYTES + out.write(json, HEADER_LENGTH_BYTES, 'utf8');
    for (const v of this.values) {
      out.set(v, at);
      at += v.length;
    }
    return out;
  }
}

/** The frame of a message that carries no value. */
export function encodeFrame(header: unknown): Buffer {
  return new FrameWriter().finish(header);
}

/** A received frame: its parsed header, and the values taken from its tail in header order. */
export class FrameReader {
  private at: number;

  constructor(
    readonly header: unknown,
    private readonly body: Buffer,
    tailStart: number,
  ) {
    this.at = tailStart;
  }

  /**
   * The next value of the tail, `len` bytes (the header's `value_len` at `at`). Fails on a length
   * that is not an integer, over `maxValueBytes`, or past the end of the frame. A value that makes up
   * at least half of the memory behind the body is a view of it (no copy: a large value is one copy
   * from the socket to the store or to the client); a smaller one is copied out, so a stored value
   * never keeps more than twice its size alive (a socket read holds the HTTP head and other values).
   */
  take(len: unknown, at: string, maxValueBytes: number): Buffer {
    if (typeof len !== 'number' || !Number.isSafeInteger(len) || len < 0) throw new WireError(`${at}: expected a byte length`);
    if (len > maxValueBytes) throw new WireError(`${at}: value exceeds ${maxValueBytes} bytes`);
    const start = this.at;
    if (len > this.body.length - start) throw new WireError(`${at}: value runs past the end of the frame`);
    this.at += len;
    if (2 * len >= this.body.buffer.byteLength) return this.body.subarray(start, start + len);
    const out = Buffer.allocUnsafe(len);
    this.body.copy(out, 0, start, start + len);
    return out;
  }

  /** Every byte of the tail must belong to a value the header names. */
  end(): void {
    const left = this.body.length - this.at;
    if (left !== 0) throw new WireError(`frame: ${left} bytes after the last value`);
  }
}

/** Splits a frame into its header (strict UTF-8 JSON) and tail; the caller validates and takes the values. */
export function readFrame(body: Buffer): FrameReader {
  if (body.length < HEADER_LENGTH_BYTES) throw new WireError('frame: shorter than its header length');
  const headerBytes = body.readUInt32BE(0);
  const tailStart = HEADER_LENGTH_BYTES + headerBytes;
  if (tailStart > body.length) throw new WireError('frame: header runs past the end of the body');
  let header: unknown;
  try {
    header = JSON.parse(headerText(body, tailStart));
  } catch {
    throw new WireError('frame: header is not JSON');
  }
  return new FrameReader(header, body, tailStart);
}

/**
 * A whole received frame read with `parse`, which validates the header and takes the values from
 * the tail; a tail byte no value claims is an error too (`WireError`). Each caller maps the
 * failure to its own error (a 400 for a request, a failed call for an answer).
 */
export function parseFrame<T>(body: Buffer, parse: (frame: FrameReader) => T): T {
  const frame = readFrame(body);
  const msg = parse(frame);
  frame.end();
  return msg;
}

/**
 * The header as text, strict UTF-8. The lenient decoder is the fast one; it turns every invalid
 * sequence into U+FFFD, so only a header that shows one is decoded again strictly (which throws if
 * the bytes were invalid, and keeps a U+FFFD that was sent as such).
 */
function headerText(body: Buffer, end: number): string {
  const text = body.toString('utf8', HEADER_LENGTH_BYTES, end);
  return text.includes('\uFFFD') ? utf8.decode(body.subarray(HEADER_LENGTH_BYTES, end)) : text;
}
