import { describe, expect, it } from 'vitest';
import { FrameWriter, WireError, encodeFrame, parseFrame, readFrame } from '../../../src/core/replication/frame.js';

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const MAX = 4096;

describe('peer frames (docs/peer-protocol.md §3.1)', () => {
  it('layout: u32 big-endian header length, the header as UTF-8 JSON, then the values back to back', () => {
    const w = new FrameWriter();
    const header = { a: 'é', value_len: w.value(Buffer.from([1, 2])), more: w.value(Buffer.alloc(0)), last: w.value(Buffer.from([3])) };
    const body = w.finish(header);
    const json = Buffer.from(JSON.stringify(header));
    expect(body.readUInt32BE(0)).toBe(json.length);
    expect(body.subarray(4, 4 + json.length).equals(json)).toBe(true);
    expect(body.subarray(4 + json.length)).toEqual(Buffer.from([1, 2, 3]));
    expect(encodeFrame({})).toEqual(Buffer.from([0, 0, 0, 2, 0x7b, 0x7d]));
  });

  it('values round-trip byte-exact: every byte value, empty values, MAX_VALUE_BYTES, in header order', () => {
    const values = [ALL_BYTES, Buffer.alloc(0), Buffer.alloc(MAX, 0xff), Buffer.from('"}\u0000\n'), Buffer.alloc(0)];
    const w = new FrameWriter();
    const body = w.finish({ lens: values.map((v) => w.value(v)) });
    const r = readFrame(body);
    const lens = (r.header as { lens: number[] }).lens;
    const back = lens.map((len, i) => r.take(len, `lens[${i}]`, MAX));
    r.end();
    back.forEach((v, i) => expect(v.equals(values[i]!)).toBe(true));
    // A value small against the body is copied out: it does not keep the received body alive.
    body.fill(0);
    expect(back[0]!.equals(ALL_BYTES)).toBe(true);
    // The MAX_VALUE_BYTES one makes up most of the body: a view, no copy.
    expect(back[2]!.buffer).toBe(body.buffer);
  });

  it('a value is a view of the body only when it makes up at least half of the memory behind it', () => {
    // 5000 bytes: a frame that size has memory of its own (Node pools only buffers under 4 KiB).
    const big = Buffer.alloc(5000, 7);
    const w = new FrameWriter();
    const body = w.finish({ v: w.value(big) });
    expect(readFrame(body).take(5000, 'v', 2 * MAX).buffer).toBe(body.buffer);
    // The same frame inside a larger buffer (a socket read holding other bytes too): copied.
    const w2 = new FrameWriter();
    const frameBytes = w2.finish({ v: w2.value(big) });
    const socketRead = Buffer.concat([Buffer.alloc(6000), frameBytes]);
    const r2 = readFrame(socketRead.subarray(6000));
    const v = r2.take(5000, 'v', 2 * MAX);
    expect(v.buffer).not.toBe(socketRead.buffer);
    expect(v.equals(big)).toBe(true);
  });

  it('a header may carry U+FFFD itself: it is read strictly, not taken for a decoding error', () => {
    expect(readFrame(encodeFrame({ key: 'a\uFFFDb' })).header).toEqual({ key: 'a\uFFFDb' });
  });

  it.each<[string, Buffer, string]>([
    ['an empty body', Buffer.alloc(0), 'frame: shorter than its header length'],
    ['a header length past the end', Buffer.from([0, 0, 0, 9, 0x7b, 0x7d]), 'frame: header runs past the end of the body'],
    ['a header that is not JSON', Buffer.from([0, 0, 0, 2, 0x7b, 0x7b]), 'frame: header is not JSON'],
    ['a header that is not UTF-8', Buffer.from([0, 0, 0, 4, 0x22, 0xff, 0xfe, 0x22]), 'frame: header is not JSON'],
    ['a key encoded as a UTF-16 surrogate (CESU-8)', Buffer.from([0, 0, 0, 5, 0x22, 0xed, 0xa0, 0x80, 0x22]), 'frame: header is not JSON'],
    ['a JSON body sent as protocol 1 would', Buffer.from('{"keys":["k"]}'), 'frame: header runs past the end of the body'],
  ])('refuses %s', (_name, body, message) => {
    expect(() => readFrame(body)).toThrow(new WireError(message));
  });

  it('a value length must be an integer within MAX_VALUE_BYTES and the tail; every tail byte must be claimed', () => {
    const r = () => {
      const w = new FrameWriter();
      w.value(Buffer.alloc(10, 1));
      return readFrame(w.finish({}));
    };
    for (const bad of [-1, 1.5, '10', null, undefined, 2 ** 53]) expect(() => r().take(bad, 'v', MAX)).toThrow('v: expected a byte length');
    expect(() => r().take(11, 'v', MAX)).toThrow('v: value runs past the end of the frame');
    expect(() => r().take(10, 'v', 9)).toThrow('v: value exceeds 9 bytes');
    const partly = r();
    partly.take(4, 'v', MAX);
    expect(() => partly.end()).toThrow('frame: 6 bytes after the last value');
    const whole = r();
    expect(whole.take(10, 'v', MAX)).toEqual(Buffer.alloc(10, 1));
    expect(() => whole.end()).not.toThrow();
  });

  it('parseFrame: the header and values read by `parse`, then every tail byte claimed; its errors pass through', () => {
    const w = new FrameWriter();
    const body = w.finish({ value_len: w.value(Buffer.from('abc')) });
    const take = (f: ReturnType<typeof readFrame>) => f.take((f.header as { value_len: number }).value_len, 'value', MAX).toString();
    expect(parseFrame(body, take)).toBe('abc');
    expect(() => parseFrame(body, (f) => f.header)).toThrow(new WireError('frame: 3 bytes after the last value'));
    expect(() => parseFrame(Buffer.from([0, 0]), take)).toThrow(new WireError('frame: shorter than its header length'));
    const own = new RangeError('not this schema');
    expect(() => parseFrame(body, () => {
      throw own;
    })).toThrow(own);
  });
});
