import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type TestNode } from '../support/in-process-node.js';
import { within } from '../support/poll.js';
import { openEvents } from '../support/sse.js';

async function sseGauge(node: TestNode): Promise<number> {
  const text = await (await fetch(`${node.mgmt}/metrics`)).text();
  return Number(/^hypercache_sse_subscribers (\S+)$/m.exec(text)?.[1]);
}

describe('GET /cluster/events', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ nodeId: 'node-sse' });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('sends the SSE headers, then retry, members and heartbeat snapshots, then a heartbeat every second', async () => {
    const stream = await openEvents(`${node.mgmt}/cluster/events`);
    try {
      const h = stream.response.headers;
      expect(stream.response.status).toBe(200);
      expect(h.get('content-type')).toBe('text/event-stream');
      expect(h.get('cache-control')).toBe('no-cache');
      expect(h.get('connection')).toBe('keep-alive');
      expect(h.get('x-accel-buffering')).toBe('no');

      const members = await (await fetch(`${node.mgmt}/cluster/members`)).json();
      const heartbeat = await (await fetch(`${node.mgmt}/cluster/heartbeat`)).json();
      expect(await stream.next()).toEqual({ raw: 'retry: 5000', retry: 5000 });
      const first = await stream.next();
      expect(first).toMatchObject({ event: 'members', data: members });
      expect(first!.raw).toBe(`event: members\ndata: ${JSON.stringify(members)}`);
      expect(await stream.next()).toMatchObject({ event: 'heartbeat', data: heartbeat });

      const started = Date.now();
      const tick = await stream.next(2500);
      expect(tick).toMatchObject({ event: 'heartbeat', data: heartbeat });
      expect(Date.now() - started).toBeGreaterThan(500);
      expect(await sseGauge(node)).toBe(1);
      expect(node.core.node.events.subscribers).toBe(1);
    } finally {
      stream.close();
    }
    await within('the stream to be released', 3000, () => node.core.node.events.subscribers === 0);
    expect(await sseGauge(node)).toBe(0);
  });

  it('HEAD answers the headers without a stream', async () => {
    const r = await fetch(`${node.mgmt}/cluster/events`, { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/event-stream');
    expect(await r.text()).toBe('');
    expect(node.core.node.events.subscribers).toBe(0);
  });

  it('a burst the subscriber cannot take ends its stream; publishers never wait', async () => {
    const slow = await openEvents(`${node.mgmt}/cluster/events`);
    expect((await slow.next())?.retry).toBe(5000);
    const bus = node.core.node.events;
    const started = Date.now();
    // Published in one go: the socket gets nothing out meanwhile, so the 64-event buffer overflows.
    for (let i = 0; i < 100_000; i++) bus.publish({ type: 'members' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(bus.subscribers).toBe(0);

    let frames = 0;
    try {
      while (await slow.next(5000)) frames++;
    } catch (err) {
      // Cut after the grace period instead of a clean end: still ended.
      expect(String(err)).not.toContain('deadline');
    }
    expect(frames).toBeGreaterThan(0);
    expect(frames).toBeLessThan(1000);
    expect(await sseGauge(node)).toBe(0);

    const fresh = await openEvents(`${node.mgmt}/cluster/events`);
    expect((await fresh.next())?.retry).toBe(5000);
    fresh.close();
  });

  it('POST /dist/drain streams member, members and draining events (no id: lines)', async () => {
    const stream = await openEvents(`${node.mgmt}/cluster/events`);
    try {
      await stream.until('heartbeat');
      expect((await fetch(`${node.mgmt}/dist/drain`, { method: 'POST' })).status).toBe(200);
      const frames = (await stream.until('draining')).filter((f) => f.event !== 'heartbeat');
      expect(frames.map((f) => f.event)).toEqual(['member', 'members', 'draining']);
      expect(frames[0]!.data).toEqual({ ID: 'node-sse', Address: '127.0.0.1:7946', State: 'draining', Incarnation: 1, Previous: 'alive' });
      expect(frames[1]!.data).toEqual(await (await fetch(`${node.mgmt}/cluster/members`)).json());
      expect(frames[1]!.data.members[0].State).toBe('draining');
      expect(frames[2]!.data).toEqual({ node: 'node-sse', draining: true });
      for (const f of frames) expect(f.raw).not.toMatch(/^id:/m);
    } finally {
      stream.close();
    }
  });
});

describe('open SSE streams at shutdown', () => {
  it('are ended, and the node stops within a few seconds', async () => {
    const node = await startTestNode({ nodeId: 'node-stop' });
    const a = await openEvents(`${node.mgmt}/cluster/events`);
    const b = await openEvents(`${node.mgmt}/cluster/events`);
    await a.until('heartbeat');
    await b.until('heartbeat');

    const started = Date.now();
    await node.stop();
    expect(Date.now() - started).toBeLessThan(4000);

    const rest = await a.until('draining');
    expect(rest.at(-1)!.data).toEqual({ node: 'node-stop', draining: true });
    let f = await a.next();
    while (f) f = await a.next();
    expect(f).toBeUndefined();
    expect(node.core.node.events.subscribers).toBe(0);
    b.close();
    await expect(fetch(`${node.mgmt}/health/live`)).rejects.toThrow();
  });
});
