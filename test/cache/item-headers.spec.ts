import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CacheOps } from '../../src/cache/cache-ops.js';
import { ItemHeaders } from '../../src/cache/item-headers.js';
import { CacheNode } from '../../src/core/node.js';
import { NOT_LOCAL } from '../../src/core/node.types.js';
import type { Hash64 } from '../../src/core/ring/hash-ring.js';
import { loadXxHash64 } from '../../src/core/ring/xxhash64.js';
import { ManualClock } from '../../src/core/time/clock.js';
import { SeededRandom } from '../../src/core/time/random.js';
import { ManualScheduler } from '../support/manual-scheduler.js';
import { testConfig } from '../support/test-config.js';
import { T0, item } from '../core/store/fixtures.js';

let hash: Hash64;
beforeAll(async () => {
  hash = await loadXxHash64();
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** A reply that records what the operations write. */
class RecordingReply {
  readonly headers: Record<string, string> = {};
  status = 200;
  header(name: string, value: string): this {
    this.headers[name] = value;
    return this;
  }
  code(status: number): this {
    this.status = status;
    return this;
  }
}

function write(h: ItemHeaders, it: ReturnType<typeof item>, now: number, owners = ['n1']): Record<string, string> {
  const reply = new RecordingReply();
  h.write(reply, it, owners, now);
  return reply.headers;
}

describe('per-version item headers', () => {
  it('formats the version-fixed headers once per version and the remaining TTL per request', () => {
    const headers = new ItemHeaders();
    const iso = vi.spyOn(Date.prototype, 'toISOString');
    const v1 = item('k', 'one', 7, 'n1', T0 + 10_000);
    const first = write(headers, v1, T0 + 1_000);
    expect(first).toEqual({
      etag: '"7"',
      'x-cache-version': '7',
      'x-cache-origin': 'n1',
      'x-cache-last-updated': new Date(T0).toISOString(),
      'x-cache-owners': 'n1',
      'x-cache-ttl-ms': '9000',
      'x-cache-expires-at': new Date(T0 + 10_000).toISOString(),
    });
    const formatted = iso.mock.calls.length;

    // The same version read again later (a fresh entry object, as the store hands out): no new
    // formatting, but the remaining TTL follows the clock.
    const again = write(headers, { ...v1 }, T0 + 4_000, ['n1', 'n2']);
    expect(iso.mock.calls.length).toBe(formatted);
    expect(again).toEqual({ ...first, 'x-cache-ttl-ms': '6000', 'x-cache-owners': 'n1,n2' });

    // A new version of the key gets its own headers.
    const v2 = { ...item('k', 'two', 9, 'n2', 0), updatedAt: T0 + 5_000 };
    const next = write(headers, v2, T0 + 6_000);
    expect(iso.mock.calls.length).toBeGreaterThan(formatted);
    expect(next).toEqual({
      etag: '"9"',
      'x-cache-version': '9',
      'x-cache-origin': 'n2',
      'x-cache-last-updated': new Date(T0 + 5_000).toISOString(),
      'x-cache-owners': 'n1',
    });
    expect(headers.size).toBe(1);
  });

  it('keeps at most its capacity of keys, dropping the oldest', () => {
    const headers = new ItemHeaders(2);
    for (const k of ['a', 'b', 'c']) write(headers, item(k, 'v', 1), T0);
    expect(headers.size).toBe(2);
    const iso = vi.spyOn(Date.prototype, 'toISOString');
    write(headers, item('c', 'v', 1), T0); // kept
    expect(iso).not.toHaveBeenCalled();
    write(headers, item('a', 'v', 1), T0); // dropped, formatted again
    expect(iso).toHaveBeenCalled();
  });
});

describe('GET through CacheOps on a manual clock', () => {
  function setup() {
    const clock = new ManualClock(T0);
    const node = new CacheNode({ config: testConfig(), clock, random: new SeededRandom(1), hash, scheduler: new ManualScheduler(clock) });
    const ops = new CacheOps({ node, config: { readConsistency: 'one', writeConsistency: 'quorum' }, clock });
    return { clock, node, ops };
  }

  it('answers a local read at ONE synchronously, with the remaining TTL of the moment', async () => {
    const { clock, node, ops } = setup();
    await node.put({ key: 'k', value: Buffer.from('v'), ttlMs: 10_000, consistency: 'one' });
    expect(node.getLocal('k', 'one')).not.toBe(NOT_LOCAL);

    const r1 = new RecordingReply();
    const body1 = ops.get('k', {}, r1);
    expect(body1).not.toBeInstanceOf(Promise);
    expect((body1 as Buffer).toString()).toBe('v');
    expect(r1.headers['x-cache-ttl-ms']).toBe('10000');

    clock.advance(2_500);
    const r2 = new RecordingReply();
    ops.get('k', {}, r2);
    expect(r2.headers['x-cache-ttl-ms']).toBe('7500');
    expect(r2.headers['x-cache-expires-at']).toBe(r1.headers['x-cache-expires-at']);
    expect(r2.headers.etag).toBe(r1.headers.etag);

    // A rewrite is a new version: new ETag and expiry.
    await node.put({ key: 'k', value: Buffer.from('w'), ttlMs: 20_000, consistency: 'one' });
    const r3 = new RecordingReply();
    expect((ops.get('k', {}, r3) as Buffer).toString()).toBe('w');
    expect(r3.headers.etag).not.toBe(r1.headers.etag);
    expect(r3.headers['x-cache-expires-at']).toBe(new Date(T0 + 2_500 + 20_000).toISOString());

    // A missing key throws 404 synchronously; QUORUM goes through the node's asynchronous read.
    expect(() => ops.get('missing', {}, new RecordingReply())).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(node.getLocal('k', 'quorum')).toBe(NOT_LOCAL);
    const viaQuorum = ops.get('k', { 'x-consistency': 'QUORUM' }, new RecordingReply());
    expect(viaQuorum).toBeInstanceOf(Promise);
    expect(((await viaQuorum) as Buffer).toString()).toBe('w');
  });
});
