import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type TestNode } from '../support/in-process-node.js';
import { json, send } from '../support/http.js';
import { frame, unframe } from '../support/peer-frame.js';

/** The data-plane peer operations on the dist listener (docs/peer-protocol.md §2–§4), one node in process. */
const TOKEN = 'peer-secret';
const MAX = 1024;
const FRAME = 'application/vnd.hypercache.frame';
const headers = { authorization: `Bearer ${TOKEN}`, 'x-hypercache-node': 'node-x', 'content-type': FRAME };
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const NOW = Date.now();

/** An entry as a sender writes it: its header form, and the value that goes to the frame's tail. */
interface Sent {
  header: Record<string, unknown>;
  value?: Buffer;
}
const item = (key: string, value: Buffer, version: number, more: Record<string, unknown> = {}): Sent => ({
  header: { kind: 'item', key, version, origin: 'node-x', updated_at: NOW, expires_at: 0, value_len: value.length, ...more },
  value,
});
const tombstone = (key: string, version: number, deletedAt: number): Sent => ({
  header: { kind: 'tombstone', key, version, origin: 'node-x', deleted_at: deletedAt },
});
const replicate = (source: string, entries: Sent[]) =>
  frame({ source, entries: entries.map((e) => e.header) }, ...entries.flatMap((e) => (e.value ? [e.value] : [])));

describe('POST /peer/{replicate,read,coordinate}', () => {
  let node: TestNode;
  const post = (op: string, body: Buffer | string) => send(node.dist, 'POST', `/peer/${op}`, { headers, body });
  const results = async (body: Buffer) => {
    const r = await post('replicate', body);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(FRAME);
    return unframe(r.body).header;
  };

  beforeAll(async () => {
    node = await startTestNode({ nodeId: 'node-a', distToken: TOKEN, maxValueBytes: MAX, capacity: 4, replication: 3 });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('replicate → read: byte-exact for all 256 byte values, empty values and MAX_VALUE_BYTES; absolute times kept', async () => {
    const big = Buffer.alloc(MAX, 0xfe);
    const sent = [item('bytes', ALL_BYTES, 1000), item('empty', Buffer.alloc(0), 1000), item('big', big, 1000, { expires_at: NOW + 3_600_000 })];
    expect(await results(replicate('replication', sent))).toEqual({ results: ['applied', 'applied', 'applied'] });
    const read = await post('read', frame({ keys: ['bytes', 'empty', 'big', 'missing'] }));
    expect(read.status).toBe(200);
    expect(read.headers['content-type']).toBe(FRAME);
    const { header, values } = unframe<{ entries: unknown[] }>(read.body);
    expect(header.entries).toEqual([...sent.map((e) => e.header), null]);
    expect(values).toEqual([ALL_BYTES, Buffer.alloc(0), big]);
    expect(node.core.node.store.read('bytes')?.value.equals(ALL_BYTES)).toBe(true);
    // The client API serves the replicated bytes unchanged.
    const raw = await send(node.api, 'GET', '/v1/cache/bytes');
    expect(raw.status).toBe(200);
    expect(raw.body.equals(ALL_BYTES)).toBe(true);
  });

  it('apply-if-newer: an equal or older version is stale (StaleApplies); versions are observed by the HLC', async () => {
    const before = node.core.node.counters.dist.StaleApplies;
    const future = (Date.now() + 60_000) * 1000;
    expect(await results(replicate('replication', [item('bytes', Buffer.from('older'), 999), item('ahead', Buffer.from('x'), future)]))).toEqual({ results: ['stale', 'applied'] });
    expect(node.core.node.counters.dist.StaleApplies).toBe(before + 1);
    expect(node.core.node.hlc.next()).toBeGreaterThan(future);
  });

  it('tombstones replicate and read back as tombstones', async () => {
    const deletedAt = Date.now();
    expect(await results(replicate('replication', [tombstone('empty', 2000, deletedAt)]))).toEqual({ results: ['applied'] });
    const read = unframe((await post('read', frame({ keys: ['empty'] }))).body);
    expect(read).toEqual({ header: { entries: [{ kind: 'tombstone', key: 'empty', version: 2000, origin: 'node-x', deleted_at: deletedAt }] }, values: [] });
  });

  it('soft sources never evict for a new key (skipped → stale); hard sources do (CAPACITY 4)', async () => {
    const store = node.core.node.store;
    for (let i = 0; store.items < 4; i++) await post('replicate', replicate('replication', [item(`fill-${i}`, Buffer.from('f'), 1000)]));
    expect(await results(replicate('repair', [item('soft-new', Buffer.from('s'), 1000)]))).toEqual({ results: ['stale'] });
    expect(store.peek('soft-new')).toBeUndefined();
    expect(await results(replicate('hint', [item('hard-new', Buffer.from('h'), 1000)]))).toEqual({ results: ['applied'] });
    expect(store.read('hard-new')?.value.toString()).toBe('h');
    expect(store.items).toBe(4);
  });

  const good = item('valid-key', Buffer.from('ok'), 5000);
  const x = Buffer.from('x');
  it.each<[string, string, Buffer | string, string]>([
    ['a JSON body (protocol 1)', 'replicate', JSON.stringify({ source: 'replication', entries: [good.header] }), 'invalid replicate message: frame: header runs past the end of the body'],
    ['a header that is not JSON', 'replicate', Buffer.concat([Buffer.from([0, 0, 0, 10]), Buffer.from('{"source":')]), 'invalid replicate message: frame: header is not JSON'],
    ['an unknown source', 'replicate', replicate('gossip', [good]), 'invalid replicate message: source: invalid source'],
    ['no entries', 'replicate', replicate('replication', []), 'invalid replicate message: entries: expected a non-empty array'],
    ['an empty key', 'replicate', replicate('replication', [good, item('', x, 1)]), 'invalid replicate message: entries[1].key: invalid key'],
    ['a 1025-byte key', 'replicate', replicate('replication', [good, item('k'.repeat(1025), x, 1)]), 'invalid replicate message: entries[1].key: invalid key'],
    ['a value_b64 field (protocol 1) instead of value_len', 'replicate', replicate('replication', [good, item('k', Buffer.alloc(0), 1, { value_len: undefined, value_b64: 'aGk=' })]), 'invalid replicate message: entries[1].value_len: expected a byte length'],
    ['a value over MAX_VALUE_BYTES', 'replicate', replicate('replication', [good, item('k', Buffer.alloc(MAX + 1), 1)]), `invalid replicate message: entries[1].value_len: value exceeds ${MAX} bytes`],
    ['a value past the end of the frame', 'replicate', frame({ source: 'replication', entries: [good.header, item('k', Buffer.alloc(3), 1).header] }, good.value!, Buffer.alloc(2)), 'invalid replicate message: entries[1].value_len: value runs past the end of the frame'],
    ['tail bytes no value claims', 'replicate', frame({ source: 'replication', entries: [good.header] }, good.value!, x), 'invalid replicate message: frame: 1 bytes after the last value'],
    ['version 0', 'replicate', replicate('replication', [good, item('k', x, 0)]), 'invalid replicate message: entries[1].version: invalid version'],
    ['version 2^53', 'replicate', replicate('replication', [good, item('k', x, 2 ** 53)]), 'invalid replicate message: entries[1].version: invalid version'],
    ['a fractional version', 'replicate', replicate('replication', [good, item('k', x, 1.5)]), 'invalid replicate message: entries[1].version: invalid version'],
    ['an invalid origin', 'replicate', replicate('replication', [good, item('k', x, 1, { origin: 'bad id' })]), 'invalid replicate message: entries[1].origin: invalid origin'],
    ['an unknown kind', 'replicate', replicate('replication', [good, { header: { ...good.header, kind: 'ghost' } }]), 'invalid replicate message: entries[1].kind: expected item or tombstone'],
    ['a relative TTL instead of expires_at', 'replicate', replicate('replication', [good, item('k', x, 1, { expires_at: undefined, ttl_ms: 5 })]), 'invalid replicate message: entries[1].expires_at: expected epoch milliseconds'],
    ['read: an invalid key', 'read', frame({ keys: ['ok', ''] }), 'invalid read message: keys[1]: invalid key'],
    ['read: tail bytes', 'read', frame({ keys: ['ok'] }, x), 'invalid read message: frame: 1 bytes after the last value'],
    ['coordinate: no op', 'coordinate', frame({ key: 'k', consistency: 'one' }), 'invalid coordinate message: op: expected put or delete'],
    ['coordinate: bad consistency', 'coordinate', frame({ op: 'delete', key: 'k', consistency: 'most' }), 'invalid coordinate message: consistency: invalid'],
    ['coordinate: put without a value', 'coordinate', frame({ op: 'put', key: 'k', consistency: 'one' }), 'invalid coordinate message: value_len: expected a byte length'],
    ['coordinate: put over MAX_VALUE_BYTES', 'coordinate', frame({ op: 'put', key: 'k', consistency: 'one', value_len: MAX + 1 }, Buffer.alloc(MAX + 1)), `invalid coordinate message: value_len: value exceeds ${MAX} bytes`],
    ['coordinate: ops empty', 'coordinate', frame({ ops: [] }), 'invalid coordinate message: ops: expected 1 to 1000 operations'],
    ['coordinate: ops over 1000', 'coordinate', frame({ ops: Array.from({ length: 1001 }, () => ({ op: 'delete', key: 'k', consistency: 'one' })) }), 'invalid coordinate message: ops: expected 1 to 1000 operations'],
    ['coordinate: one invalid op among valid ones', 'coordinate', frame({ ops: [{ op: 'put', key: 'k', value_len: 1, consistency: 'one' }, { op: 'put', key: 'k', consistency: 'one' }] }, x), 'invalid coordinate message: ops[1].value_len: expected a byte length'],
  ])('%s → 400 BAD_REQUEST, nothing applied', async (_name, op, body, error) => {
    const r = await post(op, body);
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(json(r)).toEqual({ error, code: 'BAD_REQUEST' });
    expect(node.core.node.store.peek('valid-key')).toBeUndefined();
    expect(node.core.node.store.peek('k')).toBeUndefined();
  });

  it('coordinate: a forwarded put/delete is coordinated here; 412 carries the current version (JSON envelope)', async () => {
    const r = await post('coordinate', frame({ op: 'put', key: 'fwd', value_len: ALL_BYTES.length, ttl_ms: 60_000, consistency: 'one' }, ALL_BYTES));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(FRAME);
    const out = unframe<{ version: number; acks: number; n: number; owners: string[]; expires_at: number }>(r.body).header;
    expect(out).toMatchObject({ acks: 1, n: 1, owners: ['node-a'] });
    expect(out.expires_at).toBeGreaterThan(Date.now() + 50_000);
    expect(node.core.node.store.read('fwd')?.value.equals(ALL_BYTES)).toBe(true);
    const pre = await post('coordinate', frame({ op: 'put', key: 'fwd', value_len: 0, consistency: 'one', if_none_match_any: true }));
    expect(pre.status).toBe(412);
    expect(json(pre)).toEqual({ error: 'precondition failed', code: 'PRECONDITION_FAILED', version: out.version });
    const del = await post('coordinate', frame({ op: 'delete', key: 'fwd', consistency: 'quorum', if_match: [out.version] }));
    expect(del.status).toBe(200);
    expect(node.core.node.store.read('fwd')).toBeUndefined();
    expect(node.core.node.counters.dist.ForwardSet).toBe(0);
  });

  it('coordinate with ops: applied in order in one pass, one answer with its status per operation', async () => {
    const r = await post('coordinate', frame({ ops: [
      { op: 'put', key: 'many', value_len: 1, consistency: 'one', if_none_match_any: true },
      { op: 'put', key: 'many', value_len: 1, consistency: 'one', if_none_match_any: true },
      { op: 'put', key: 'many-2', value_len: 0, ttl_ms: 60_000, consistency: 'quorum' },
      { op: 'delete', key: 'many', consistency: 'one' },
    ] }, Buffer.from('a'), Buffer.from('b')));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(FRAME);
    const { results } = unframe<{ results: Array<Record<string, unknown>> }>(r.body).header;
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
    const r = await post('coordinate', frame({ op: 'put', key: 'late', value_len: 1, consistency: 'one' }, x));
    expect(r.status).toBe(503);
    expect(json(r)).toMatchObject({ code: 'DRAINING' });
    const many = await post('coordinate', frame({ ops: [{ op: 'put', key: 'late', value_len: 1, consistency: 'one' }, { op: 'delete', key: 'late', consistency: 'one' }] }, x));
    expect(many.status).toBe(200);
    expect(unframe<{ results: unknown[] }>(many.body).header.results).toEqual([expect.objectContaining({ status: 503, code: 'DRAINING' }), expect.objectContaining({ status: 503, code: 'DRAINING' })]);
    expect(await results(replicate('handoff', [item('late', x, 9000)]))).toEqual({ results: ['applied'] });
    expect((await post('read', frame({ keys: ['late'] }))).status).toBe(200);
  });

  it('without the peer token → 401', async () => {
    const r = await send(node.dist, 'POST', '/peer/replicate', { headers: { 'x-hypercache-node': 'node-x' }, body: frame({}) });
    expect(r.status).toBe(401);
  });
});
