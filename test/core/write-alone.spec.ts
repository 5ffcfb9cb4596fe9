import { beforeAll, describe, expect, it } from 'vitest';
import { CacheError } from '../../src/core/errors.js';
import { CacheNode } from '../../src/core/node.js';
import { type DeleteCommand, NOT_LOCAL, type PutCommand, type WriteOutcome } from '../../src/core/node.types.js';
import type { Hash64 } from '../../src/core/ring/hash-ring.js';
import { loadXxHash64 } from '../../src/core/ring/xxhash64.js';
import { ManualClock } from '../../src/core/time/clock.js';
import { SeededRandom } from '../../src/core/time/random.js';
import { ManualScheduler } from '../support/manual-scheduler.js';
import { testConfig } from '../support/test-config.js';
import { replicationNet } from './replication/replication-net.js';
import { T0 } from './store/fixtures.js';

/**
 * `putLocal` / `deleteLocal`: a write no peer takes part in (this node is the key's only owner) is
 * applied and answered synchronously, with exactly what `put` / `delete` answer and count; a write
 * another owner takes part in is left to them (`NOT_LOCAL`, nothing done).
 */

let hash: Hash64;
beforeAll(async () => {
  hash = await loadXxHash64();
});

function singleNode(): CacheNode {
  return new CacheNode({ config: testConfig({ vnodes: 16 }), clock: new ManualClock(T0), random: new SeededRandom(1), hash, scheduler: new ManualScheduler() });
}

type Step = { put: PutCommand } | { delete: DeleteCommand };
type Answer = WriteOutcome | { code: string; message: string; details: unknown };

const v = (s: string) => Buffer.from(s);
/** Unconditional and conditional writes, TTLs, the consistency levels, misses and failed preconditions. */
const SCRIPT: Step[] = [
  { put: { key: 'a', value: v('one'), ttlMs: 0, consistency: 'one' } },
  { put: { key: 'a', value: v('two'), ttlMs: 60_000, consistency: 'quorum' } },
  { put: { key: 'a', value: v('x'), ttlMs: 0, consistency: 'all', preconditions: { ifNoneMatchAny: true } } },
  { put: { key: 'a', value: v('x'), ttlMs: 0, consistency: 'one', preconditions: { ifMatch: [1] } } },
  { put: { key: 'a', value: v('three'), ttlMs: 0, consistency: 'one', preconditions: { ifMatch: '*' } } },
  { put: { key: 'b', value: v(''), ttlMs: 0, consistency: 'one', preconditions: { ifNoneMatchAny: true } } },
  { delete: { key: 'a', consistency: 'quorum' } },
  { delete: { key: 'never', consistency: 'one' } },
  { delete: { key: 'gone', consistency: 'one', preconditions: { ifMatch: '*' } } },
  { put: { key: 'a', value: v('four'), ttlMs: 0, consistency: 'one', preconditions: { ifMatch: '*' } } },
];

const answerOf = (err: unknown): Answer => {
  expect(err).toBeInstanceOf(CacheError);
  const e = err as CacheError;
  return { code: e.code, message: e.message, details: e.details };
};

describe('a write no peer takes part in', () => {
  it('is answered synchronously with what put and delete answer, and counted the same', async () => {
    const viaPromise = singleNode();
    const alone = singleNode();
    for (const step of SCRIPT) {
      const expected = await ('put' in step ? viaPromise.put(step.put) : viaPromise.delete(step.delete)).then((o): Answer => o, answerOf);
      let got: Answer;
      try {
        const out = 'put' in step ? alone.putLocal(step.put) : alone.deleteLocal(step.delete);
        expect(out).not.toBe(NOT_LOCAL);
        got = out as WriteOutcome;
      } catch (err) {
        got = answerOf(err);
      }
      expect(got).toEqual(expected);
    }
    // The same store and the same counters.
    for (const key of ['a', 'b', 'never', 'gone']) expect(alone.store.peek(key)).toEqual(viaPromise.store.peek(key));
    expect([...alone.counters.cacheOps]).toEqual([...viaPromise.counters.cacheOps]);
    expect(alone.counters.cacheOps.get('put|precondition_failed')).toBe(3); // If-None-Match on a, If-Match 1, If-Match on a deleted key
    expect(alone.counters.cacheOps.get('delete|precondition_failed')).toBe(1);
    expect({ ...alone.counters.dist }).toEqual({ ...viaPromise.counters.dist });
    expect(alone.counters.preconditionFailures).toEqual(viaPromise.counters.preconditionFailures);
    expect(alone.counters.replicationAcks).toEqual(viaPromise.counters.replicationAcks);
  });

  it('on a draining node: left to put, which answers DRAINING', async () => {
    const node = singleNode();
    node.drain();
    const cmd = { key: 'k', value: v('v'), ttlMs: 0, consistency: 'one' } as const;
    expect(node.putLocal(cmd)).toBe(NOT_LOCAL);
    expect(node.deleteLocal({ key: 'k', consistency: 'one' })).toBe(NOT_LOCAL);
    await expect(node.put(cmd)).rejects.toMatchObject({ code: 'DRAINING' });
  });

  it('with other owners (RF 3 on 3 nodes): left to put, nothing applied or counted', () => {
    const net = replicationNet(hash, ['n1', 'n2', 'n3'], 3);
    const n1 = net.node('n1');
    expect(n1.putLocal({ key: 'k', value: v('v'), ttlMs: 0, consistency: 'one' })).toBe(NOT_LOCAL);
    expect(n1.deleteLocal({ key: 'k', consistency: 'one' })).toBe(NOT_LOCAL);
    expect(n1.store.peek('k')).toBeUndefined();
    expect(n1.counters.cacheOps.size).toBe(0);
    expect(n1.counters.dist.WriteAttempts).toBe(0);
    expect(net.calls).toEqual([]);
  });

  it('with RF 1 on 3 nodes: synchronous for the keys this node owns, left to put for the others', async () => {
    const net = replicationNet(hash, ['n1', 'n2', 'n3'], 1);
    const n1 = net.node('n1');
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
    const mine = keys.filter((k) => n1.owners(k)[0] === 'n1');
    const theirs = keys.filter((k) => n1.owners(k)[0] !== 'n1');
    expect(mine.length).toBeGreaterThan(0);
    expect(theirs.length).toBeGreaterThan(0);
    for (const key of mine) {
      expect(n1.putLocal({ key, value: v(key), ttlMs: 0, consistency: 'all' })).toMatchObject({ acks: 1, n: 1, owners: ['n1'] });
    }
    for (const key of theirs) expect(n1.putLocal({ key, value: v(key), ttlMs: 0, consistency: 'all' })).toBe(NOT_LOCAL);
    expect(net.calls).toEqual([]);
    // The others go through put, forwarded to their owner.
    for (const key of theirs) await n1.put({ key, value: v(key), ttlMs: 0, consistency: 'all' });
    expect(net.calls.filter((c) => c.op === 'coordinate')).toHaveLength(theirs.length);
    expect(n1.counters.cacheOps.get('put|ok')).toBe(keys.length);
  });
});
