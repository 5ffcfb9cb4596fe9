import { afterEach, describe, expect, it } from 'vitest';
import { elapsed, within } from '../support/poll.js';
import { startTestNode, type TestNode } from '../support/in-process-node.js';

async function distMetrics(node: TestNode): Promise<Record<string, number>> {
  return (await (await fetch(`${node.mgmt}/dist/metrics`)).json()) as Record<string, number>;
}

async function put(node: TestNode, key: string, value: string, query = ''): Promise<Response> {
  return fetch(`${node.api}/v1/cache/${encodeURIComponent(key)}${query}`, { method: 'PUT', body: value });
}

/** Single-node invariants of docs/cluster.md §9.1 over real HTTP (the core-level versions live in test/core). */
describe('single-node invariants over HTTP', () => {
  let node: TestNode | undefined;
  afterEach(async () => {
    await node?.stop();
    node = undefined;
  });

  it('I13: 10 000 items with ttl 1 s are reclaimed by the active sweep within 5 s, with no reads', async () => {
    node = await startTestNode();
    const items = Array.from({ length: 1000 }, (_, i) => i);
    for (let batch = 0; batch < 10; batch++) {
      const body = { items: items.map((i) => ({ key: `exp-${batch}-${i}`, value: 'x', ttl_ms: 1000 })) };
      const r = await fetch(`${node.api}/v1/cache/batch/put`, { method: 'POST', body: JSON.stringify(body) });
      expect(r.status).toBe(200);
    }
    const keep = await put(node, 'no-ttl', 'stays');
    expect(keep.status).toBe(200);
    const expiresAt = Date.now() + 1000;
    expect((await distMetrics(node)).ItemsLocal).toBeGreaterThan(1);
    await within('the expired item to be swept', 1000 + 5000, async () => (await distMetrics(node!)).ItemsLocal === 1);
    expect(Date.now() - expiresAt).toBeLessThan(5000);
    const m = await distMetrics(node);
    expect(m.Expirations).toBe(10_000);
    expect(await (await fetch(`${node.api}/v1/cache/no-ttl`)).text()).toBe('stays');
  });

  it('I13: POST /trigger-expiration never removes an unexpired item', async () => {
    node = await startTestNode();
    expect((await put(node, 'long', 'v', '?ttl=1h')).status).toBe(200);
    expect((await put(node, 'short', 'v', '?ttl=1ms')).status).toBe(200);
    const shortAt = Date.now();
    await elapsed('the 1 ms TTL to lapse', shortAt, 5);
    expect((await fetch(`${node.mgmt}/trigger-expiration`, { method: 'POST' })).status).toBe(202);
    await within('the sweep', 2000, async () => (await distMetrics(node!)).ItemsLocal === 1);
    expect((await fetch(`${node.api}/v1/cache/long`)).status).toBe(200);
  });

  it('I14: CAPACITY=3 with LRU evicts the least recently used key; items never exceed 3', async () => {
    node = await startTestNode({ capacity: 3, eviction: 'lru' });
    for (const k of ['a', 'b', 'c']) expect((await put(node, k, k)).status).toBe(200);
    expect((await fetch(`${node.api}/v1/cache/a`)).status).toBe(200);
    expect((await put(node, 'd', 'd')).status).toBe(200);
    const status = async (k: string) => (await fetch(`${node!.api}/v1/cache/${k}`, { method: 'HEAD' })).status;
    expect(await status('b')).toBe(404);
    for (const k of ['a', 'c', 'd']) expect(await status(k)).toBe(200);
    const m = await distMetrics(node);
    expect(m.ItemsLocal).toBe(3);
    expect(m.Evictions).toBe(1);
  });

  it('I14: MAX_MEMORY bounds key+value bytes the same way', async () => {
    const maxValueBytes = 1024;
    node = await startTestNode({ maxValueBytes, maxMemory: 3 * 1025 + 1024, capacity: 0 });
    const v = 'v'.repeat(1024);
    for (const k of ['a', 'b', 'c']) expect((await put(node, k, v)).status).toBe(200);
    expect((await fetch(`${node.api}/v1/cache/a`)).status).toBe(200);
    expect((await put(node, 'd', v)).status).toBe(200);
    expect((await fetch(`${node.api}/v1/cache/b`, { method: 'HEAD' })).status).toBe(404);
    const m = await distMetrics(node);
    expect(m.BytesLocal).toBeLessThanOrEqual(3 * 1025 + 1024);
    expect(m.ItemsLocal).toBe(3);
  });
});
