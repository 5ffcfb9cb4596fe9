import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type TestNode } from '../support/in-process-node.js';
import { json, send } from '../support/http.js';

/** The data-plane peer operations on the dist listener (docs/peer-protocol.md §2–§4), one node in process. */
const TOKEN = 'peer-secret';
const MAX = 1024;
const headers = { authorization: `Bearer ${TOKEN}`, 'x-hypercache-node': 'node-x', 'content-type': 'application/json' };
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const NOW = Date.now();

const item = (key: string, value: Buffer, version: number, more: Record<string, unknown> = {}) => ({
  kind: 'item', key, version, origin: 'node-x', updated_at: NOW, expires_at: 0, value_b64: value.toString('base64'), ...more,
});

describe('POST /peer/{replicate,read,coordinate}', () => {
  let node: TestNode;
  const post = (op: string, body: unknown) =>
    send(node.dist, 'POST', `/peer/${op}`, { headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

  beforeAll(async () => {
    node = await startTestNode({ nodeId: 'node-a', distToken: TOKEN, maxValueBytes: MAX, capacity: 4, replication: 3 });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('replicate → read: byte-exact for all 256 byte values, empty values and MAX_VALUE_BYTES; absolute times kept', async () => {
    const big = Buffer.alloc(MAX, 0xfe);
    const r = await post('replicate', {
      source: 'replication',
      entries: [item('bytes', ALL_BYTES, 1000), item('empty', Buffer.alloc(0), 1000), item('big', big, 1000, { expires_at: NOW + 3_600_000 })],
    });
    expect(r.status).toBe(200);
    expect(json(r)).toEqual({ results: ['applied', 'applied', 'applied'] });
    const read = await post('read', { keys: ['bytes', 'empty', 'big', 'missing'] });
    expect(read.status).toBe(200);
    const { entries } = json<{ entries: Array<Record<string, unknown> | null> }>(read);
    expect(Buffer.from(entries[0]!.value_b64 as string, 'base64').equals(ALL_BYTES)).toBe(true);
    expect(entries[1]).toEqual(item('empty', Buffer.alloc(0), 1000));
    expect(entries[2]).toEqual(item('big', big, 1000, { expires_at: NOW + 3_600_000 }));
    expect(entries[3]).toBeNull();
    expect(node.core.node.store.read('bytes')?.value.equals(ALL_BYTES)).toBe(true);
    // The client API serves the replicated bytes unchanged.
    const raw = await send(node.api, 'GET', '/v1/cache/bytes');
    expect(raw.status).toBe(200);
    expect(raw.body.equals(ALL_BYTES)).toBe(true);
  });

  it('apply-if-newer: an equal or older version is stale (StaleApplies); versions are observed by the HLC', async () => {
    const before = node.core.node.counters.dist.StaleApplies;
    const future = (Date.now() + 60_000) * 1000;
    const r = await post('replicate', { source: 'replication', entries: [item('bytes', Buffer.from('older'), 999), item('ahead', Buffer.from('x'), future)] });
    expect(json(r)).toEqual({ results: ['stale', 'applied'] });
    expect(node.core.node.counters.dist.StaleApplies).toBe(before + 1);
    expect(node.core.node.hlc.next()).toBeGreaterThan(future);
  });

  it('tombstones replicate and read back as tombstones', async () => {
    const deletedAt = Date.now();
    const r = await post('replicate', { source: 'replication', entries: [{ kind: 'tombstone', key: 'empty', version: 2000, origin: 'node-x', deleted_at: deletedAt }] });
    expect(json(r)).toEqual({ results: ['applied'] });
    const { entries } = json<{ entries: unknown[] }>(await post('read', { keys: ['empty'] }));
    expect(entries).toEqual([{ kind: 'tombstone', key: 'empty', version: 2000, origin: 'node-x', deleted_at: deletedAt }]);
  });

  it('soft sources never evict for a new key (skipped → stale); hard sources do (CAPACITY 4)', async () => {
    const store = node.core.node.store;
    for (let i = 0; store.items < 4; i++) await post('replicate', { source: 'replication', entries: [item(`fill-${i}`, Buffer.from('f'), 1000)] });
    const soft = await post('replicate', { source: 'repair', entries: [item('soft-new', Buffer.from('s'), 1000)] });
    expect(json(soft)).toEqual({ results: ['stale'] });
    expect(store.peek('soft-new')).toBeUndefined();
    const hard = await post('replicate', { source: 'hint', entries: [item('hard-new', Buffer.from('h'), 1000)] });
    expect(json(hard)).toEqual({ results: ['applied'] });
    expect(store.read('hard-new')?.value.toString()).toBe('h');
    expect(store.items).toBe(4);
  });

  const good = item('valid-key', Buffer.from('ok'), 5000);
  it.each([
    ['not JSON', 'replicate', '{"source":', 'invalid replicate message: not JSON'],
    ['an unknown source', 'replicate', { source: 'gossip', entries: [good] }, 'invalid replicate message: source: invalid source'],
    ['no entries', 'replicate', { source: 'replication', entries: [] }, 'invalid replicate message: entries: expected a non-empty array'],
    ['an empty key', 'replicate', { source: 'replication', entries: [good, item('', Buffer.from('x'), 1)] }, 'invalid replicate message: entries[1].key: invalid key'],
    ['a 1025-byte key', 'replicate', { source: 'replication', entries: [good, item('k'.repeat(1025), Buffer.from('x'), 1)] }, 'invalid replicate message: entries[1].key: invalid key'],
    ['a value that is not base64', 'replicate', { source: 'replication', entries: [good, { ...item('k', Buffer.alloc(0), 1), value_b64: 'aGVsbG8' }] }, 'invalid replicate message: entries[1].value_b64: not base64'],
    ['a value over MAX_VALUE_BYTES', 'replicate', { source: 'replication', entries: [good, item('k', Buffer.alloc(MAX + 1), 1)] }, `invalid replicate message: entries[1].value_b64: value exceeds ${MAX} bytes`],
    ['version 0', 'replicate', { source: 'replication', entries: [good, item('k', Buffer.from('x'), 0)] }, 'invalid replicate message: entries[1].version: invalid version'],
    ['version 2^53', 'replicate', { source: 'replication', entries: [good, item('k', Buffer.from('x'), 2 ** 53)] }, 'invalid replicate message: entries[1].version: invalid version'],
    ['a fractional version', 'replicate', { source: 'replication', entries: [good, item('k', Buffer.from('x'), 1.5)] }, 'invalid replicate message: entries[1].version: invalid version'],
    ['an invalid origin', 'replicate', { source: 'replication', entries: [good, item('k', Buffer.from('x'), 1, { origin: 'bad id' })] }, 'invalid replicate message: entries[1].origin: invalid origin'],
    ['an unknown kind', 'replicate', { source: 'replication', entries: [good, { ...good, kind: 'ghost' }] }, 'invalid replicate message: entries[1].kind: expected item or tombstone'],
    ['a relative TTL instead of expires_at', 'replicate', { source: 'replication', entries: [good, { ...item('k', Buffer.from('x'), 1), expires_at: undefined, ttl_ms: 5 }] }, 'invalid replicate message: entries[1].expires_at: expected epoch milliseconds'],
    ['read: an invalid key', 'read', { keys: ['ok', ''] }, 'invalid read message: keys[1]: invalid key'],
    ['coordinate: no op', 'coordinate', { key: 'k', consistency: 'one' }, 'invalid coordinate message: op: expected put or delete'],
    ['coordinate: bad consistency', 'coordinate', { op: 'delete', key: 'k', consistency: 'most' }, 'invalid coordinate message: consistency: invalid'],
    ['coordinate: put without a value', 'coordinate', { op: 'put', key: 'k', consistency: 'one' }, 'invalid coordinate message: value_b64: not base64'],
    ['coordinate: ops empty', 'coordinate', { ops: [] }, 'invalid coordinate message: ops: expected 1 to 1000 operations'],
    ['coordinate: ops over 1000', 'coordinate', { ops: Array.from({ length: 1001 }, () => ({ op: 'delete', key: 'k', consistency: 'one' })) }, 'invalid coordinate message: ops: expected 1 to 1000 operations'],
    ['coordinate: one invalid op among valid ones', 'coordinate', { ops: [{ op: 'put', key: 'k', value_b64: 'eA==', consistency: 'one' }, { op: 'put', key: 'k', consistency: 'one' }] }, 'invalid coordinate message: ops[1].value_b64: not base64'],
  ])('%s → 400 BAD_REQUEST, nothing applied', async (_name, op, body, error) => {
    const r = await post(op, body);
    expect(r.status).toBe(400);
    expect(json(r)).toEqual({ error, code: 'BAD_REQUEST' });
    expect(node.core.node.store.peek('valid-key')).toBeUndefined();
    expect(node.core.node.store.peek('k')).toBeUndefined();
  });

  it('coordinate: a forwarded put/delete is coordinated here; 412 carries the current version', async () => {
    const r = await post('coordinate', { op: 'put', key: 'fwd', value_b64: ALL_BYTES.toString('base64'), ttl_ms: 60_000, consistency: 'one' });
    expect(r.status).toBe(200);
    const out = json<{ version: number; acks: number; n: number; owners: string[]; expires_at: number }>(r);
    expect(out).toMatchObject({ acks: 1, n: 1, owners: ['node-a'] });
    expect(out.expires_at).toBeGreaterThan(Date.now() + 50_000);
    expect(node.core.node.store.read('fwd')?.value.equals(ALL_BYTES)).toBe(true);
    const pre = await post('coordinate', { op: 'put', key: 'fwd', value_b64: '', consistency: 'one', if_none_match_any: true });
    expect(pre.status).toBe(412);
    expect(json(pre)).toEqual({ error: 'precondition failed', code: 'PRECONDITION_FAILED', version: out.version });
    const del = await post('coordinate', { op: 'delete', key: 'fwd', consistency: 'quorum', if_match: [out.version] });
    expect(del.status).toBe(200);
    expect(node.core.node.store.read('fwd')).toBeUndefined();
    expect(node.core.node.counters.dist.ForwardSet).toBe(0);
  });

  it('coordinate with ops: applied in order in one pass, one answer with its status per operation', async () => {
    const r = await post('coordinate', { ops: [
      { op: 'put', key: 'many', value_b64: 'YQ==', consistency: 'one', if_none_match_any: true },
      { op: 'put', key: 'many', value_b64: 'Yg==', consistency: 'one', if_none_match_any: true },
      { op: 'put', key: 'many-2', value_b64: '', ttl_ms: 60_000, consistency: 'quorum' },
      { op: 'delete', key: 'many', consistency: 'one' },
    ] });
    expect(r.status).toBe(200);
    const { results } = json<{ results: Array<Record<string, unknown>> }>(r);
    expect(results).toHaveLength(4);
    expect(results[0]).toMatchObject({ status: 200, acks: 1, n: 1, owners: ['node-a'], expires_at: 0 });
    expect(results[1]).toEqual({ status: 412, error: 'precondition failed', code: 'PRECONDITION_FAILED', version: results[0]!.version });
    expect(results[2]).toMatchObject({ status: 200, acks: 1 });
    expect(results[2]!.expires_at).toBeGreaterThan(Date.now() + 50_000);
    expect(results[3]!.version).toBeGreaterThan(results[2]!.version as number);
    expect(node.core.node.store.read('many')).toBeUndefined();
    expect(node.core.node.store.read('many-2')?.value.length).toBe(0);
  });

  it('while draining: coordinate → 503 DRAINING (with ops: each operation DRAINING); replicate and read are still served', async () => {
    node.core.node.drain();
    const r = await post('coordinate', { op: 'put', key: 'late', value_b64: 'eA==', consistency: 'one' });
    expect(r.status).toBe(503);
    expect(json(r)).toMatchObject({ code: 'DRAINING' });
    const many = await post('coordinate', { ops: [{ op: 'put', key: 'late', value_b64: 'eA==', consistency: 'one' }, { op: 'delete', key: 'late', consistency: 'one' }] });
    expect(many.status).toBe(200);
    expect(json<{ results: unknown[] }>(many).results).toEqual([expect.objectContaining({ status: 503, code: 'DRAINING' }), expect.objectContaining({ status: 503, code: 'DRAINING' })]);
    expect(json(await post('replicate', { source: 'handoff', entries: [item('late', Buffer.from('x'), 9000)] }))).toEqual({ results: ['applied'] });
    expect((await post('read', { keys: ['late'] })).status).toBe(200);
  });

  it('without the peer token → 401', async () => {
    const r = await send(node.dist, 'POST', '/peer/replicate', { headers: { 'x-hypercache-node': 'node-x' }, body: '{}' });
    expect(r.status).toBe(401);
  });
});
