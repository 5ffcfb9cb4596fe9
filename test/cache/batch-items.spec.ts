import { describe, expect, it } from 'vitest';
import { parseBatchBody } from '../../src/cache/batch-body.js';
import { checkPutItem, isStrictBase64 } from '../../src/cache/batch-put-item.js';
import { runKeyedInOrder } from '../../src/cache/keyed-pool.js';

const MAX = 1024;
const errorOf = (el: unknown) => {
  const c = checkPutItem(el, MAX);
  return c.ok ? undefined : { key: c.key, code: c.error.code, message: c.error.message };
};

describe('batch put item checks', () => {
  it('accepts utf8 (default) and base64 values with an optional ttl_ms', () => {
    const a = checkPutItem({ key: 'k', value: 'héllo' }, MAX);
    expect(a).toMatchObject({ ok: true, key: 'k', ttlMs: 0 });
    expect(a.ok && a.value.equals(Buffer.from('héllo'))).toBe(true);
    const b = checkPutItem({ key: 'k', value: 'AAEC/w==', value_encoding: 'base64', ttl_ms: 60_000 }, MAX);
    expect(b.ok && [...b.value]).toEqual([0, 1, 2, 255]);
    expect(b.ok && b.ttlMs).toBe(60_000);
    expect(checkPutItem({ key: 'k', value: '', value_encoding: 'base64', ttl_ms: 315_360_000_000 }, MAX).ok).toBe(true);
  });

  it.each([
    ['not an object', 'x', '', 'missing or invalid key'],
    ['null', null, '', 'missing or invalid key'],
    ['array', [], '', 'missing or invalid key'],
    ['missing key', { value: 'v' }, '', 'missing or invalid key'],
    ['empty key', { key: '', value: 'v' }, '', 'missing or invalid key'],
    ['long key', { key: 'k'.repeat(1025), value: 'v' }, 'k'.repeat(1025), 'missing or invalid key'],
    ['missing value', { key: 'k' }, 'k', 'missing or invalid value'],
    ['numeric value', { key: 'k', value: 5 }, 'k', 'missing or invalid value'],
    ['unknown encoding', { key: 'k', value: 'v', value_encoding: 'hex' }, 'k', 'unknown value_encoding'],
    ['null encoding', { key: 'k', value: 'v', value_encoding: null }, 'k', 'unknown value_encoding'],
    ['bad base64', { key: 'k', value: 'abc', value_encoding: 'base64' }, 'k', 'invalid base64 value'],
    ['negative ttl', { key: 'k', value: 'v', ttl_ms: -1 }, 'k', 'invalid ttl_ms'],
    ['fractional ttl', { key: 'k', value: 'v', ttl_ms: 1.5 }, 'k', 'invalid ttl_ms'],
    ['string ttl', { key: 'k', value: 'v', ttl_ms: '10' }, 'k', 'invalid ttl_ms'],
    ['huge ttl', { key: 'k', value: 'v', ttl_ms: 315_360_000_001 }, 'k', 'invalid ttl_ms'],
  ])('%s → BAD_REQUEST', (_name, el, key, message) => {
    expect(errorOf(el)).toEqual({ key, code: 'BAD_REQUEST', message });
  });

  it('checks the decoded size against MAX_VALUE_BYTES', () => {
    expect(checkPutItem({ key: 'k', value: 'x'.repeat(MAX) }, MAX).ok).toBe(true);
    expect(errorOf({ key: 'k', value: 'x'.repeat(MAX + 1) })).toEqual({ key: 'k', code: 'PAYLOAD_TOO_LARGE', message: `value exceeds ${MAX} bytes` });
    const exact = Buffer.alloc(MAX).toString('base64');
    expect(checkPutItem({ key: 'k', value: exact, value_encoding: 'base64' }, MAX).ok).toBe(true);
    const over = Buffer.alloc(MAX + 1).toString('base64');
    expect(errorOf({ key: 'k', value: over, value_encoding: 'base64' })?.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('validates in table order: the first failing check wins', () => {
    expect(errorOf({ key: 'k', value: 'x'.repeat(MAX + 1), ttl_ms: -1 })?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(errorOf({ key: 'k', value_encoding: 'hex' })?.message).toBe('missing or invalid value');
  });
});

describe('strict base64', () => {
  it.each(['', 'AA==', 'AAA=', 'AAAA', '+/+/', 'aGVsbG8='])('accepts %j', (s) => expect(isStrictBase64(s)).toBe(true));
  it.each(['A', 'AA', 'AA=', 'A===', '====', 'AA==AA==', '-_-_', 'AA AA', 'aGVsbG8', 'aGV sbG8=', 'AA=A'])('rejects %j', (s) =>
    expect(isStrictBase64(s)).toBe(false),
  );
});

describe('batch body', () => {
  const body = (s: string) => Buffer.from(s);

  it('returns the element list; null or absent is empty', async () => {
    await expect(parseBatchBody(body('{"keys":["a","b"]}'), 'keys')).resolves.toEqual(['a', 'b']);
    await expect(parseBatchBody(body('{"keys":null}'), 'keys')).resolves.toEqual([]);
    await expect(parseBatchBody(body('{}'), 'items')).resolves.toEqual([]);
    await expect(parseBatchBody(body('{"keys":["a"],"extra":1}'), 'keys')).resolves.toEqual(['a']); // unknown fields ignored
  });

  it.each([
    ['', 'invalid JSON body: syntax error'],
    ['{"keys":', 'invalid JSON body: syntax error'],
    ['[1]', 'invalid JSON body: top level must be an object'],
    ['null', 'invalid JSON body: top level must be an object'],
    ['"s"', 'invalid JSON body: top level must be an object'],
    ['{"keys":"a"}', 'invalid JSON body: "keys" must be an array'],
    ['{"keys":{}}', 'invalid JSON body: "keys" must be an array'],
  ])('rejects %j', async (text, message) => {
    await expect(parseBatchBody(body(text), 'keys')).rejects.toThrow(message);
  });

  it('never quotes the body in its message', async () => {
    await expect(parseBatchBody(body('secretvalue'), 'keys')).rejects.toThrow(/^invalid JSON body: syntax error/);
    await expect(parseBatchBody(body('{"items":"secretvalue"}'), 'items')).rejects.toThrow(/^invalid JSON body: "items" must be an array$/);
    try {
      await parseBatchBody(body('{"items":[secretvalue]}'), 'items');
    } catch (err) {
      expect((err as Error).message).not.toContain('secret');
    }
  });

  it('refuses invalid UTF-8 and more than 1000 elements', async () => {
    await expect(parseBatchBody(Buffer.from([0x7b, 0xff, 0x7d]), 'keys')).rejects.toThrow('invalid JSON body: not valid UTF-8');
    await expect(parseBatchBody(body(JSON.stringify({ keys: Array(1000).fill('k') })), 'keys')).resolves.toHaveLength(1000);
    await expect(parseBatchBody(body(JSON.stringify({ keys: Array(1001).fill('k') })), 'keys')).rejects.toThrow('batch exceeds 1000 items');
  });
});

describe('keyed pool', () => {
  it('runs same-key items in order, others concurrently, within the bound', async () => {
    const keys = ['a', 'b', 'a', undefined, 'c', 'a', 'b'];
    const log: number[] = [];
    let inFlight = 0;
    let peak = 0;
    const results = await runKeyedInOrder(keys, 2, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setImmediate(r));
      log.push(i);
      inFlight--;
      return i * 10;
    });
    expect(results).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(peak).toBe(2);
    const order = (k: string) => log.filter((i) => keys[i] === k);
    expect(order('a')).toEqual([0, 2, 5]);
    expect(order('b')).toEqual([1, 6]);
  });

  it('handles an empty list', async () => {
    expect(await runKeyedInOrder([], 4, async () => 1)).toEqual([]);
  });
});
