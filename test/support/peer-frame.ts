import { FrameWriter, readFrame } from '../../src/core/replication/frame.js';

/**
 * A frame (docs/peer-protocol.md §3.1) of `header` with `values` as its tail, for tests that write
 * peer messages by hand, valid or not: `header` is sent as given (its `value_len` fields are not checked).
 */
export function frame(header: unknown, ...values: Buffer[]): Buffer {
  const w = new FrameWriter();
  for (const v of values) w.value(v);
  return w.finish(header);
}

/** The header of a frame and its values, cut by the header's `value_len` fields in document order. */
export function unframe<T = Record<string, unknown>>(body: Buffer): { header: T; values: Buffer[] } {
  const reader = readFrame(body);
  const values: Buffer[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'value_len') values.push(reader.take(x, k, Number.MAX_SAFE_INTEGER));
        else walk(x);
      }
    }
  };
  walk(reader.header);
  reader.end();
  return { header: reader.header as T, values };
}
