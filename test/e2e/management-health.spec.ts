import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type TestNode } from '../support/in-process-node.js';

async function probe(url: string): Promise<{ status: number; body: any }> {
  const r = await fetch(url);
  expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return { status: r.status, body: await r.json() };
}

const logged = (node: TestNode, msg: string) => node.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === msg);

describe('terminus probes and drain', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ logLevel: 'info' });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('GET /health and /health/ready: 200 with the drain and cluster indicators up', async () => {
    const up = {
      drain: { status: 'up', draining: false },
      cluster: { status: 'up', joined: true, alive: 1, ring_members: 1 },
    };
    for (const path of ['/health', '/health/ready']) {
      const r = await probe(`${node.mgmt}${path}`);
      expect(r.status, path).toBe(200);
      expect(r.body).toEqual({ status: 'ok', info: up, error: {}, details: up });
    }
  });

  it('GET /health/live: 200 with the process indicator', async () => {
    const r = await probe(`${node.mgmt}/health/live`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      status: 'ok',
      info: { process: { status: 'up', uptime_s: expect.any(Number) } },
      error: {},
      details: { process: { status: 'up', uptime_s: expect.any(Number) } },
    });
    expect(Number.isInteger(r.body.info.process.uptime_s)).toBe(true);
    expect(r.body.info.process.uptime_s).toBeGreaterThanOrEqual(0);
  });

  it('POST /dist/drain: 200 {"draining":true}, readiness turns 503 with the docs/api.md §2.1 body', async () => {
    const r = await fetch(`${node.mgmt}/dist/drain`, { method: 'POST' });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ draining: true });

    // Single node: self is draining (`leaving` inside), so nothing is alive and the ring is empty.
    const cluster = { status: 'up', joined: true, alive: 0, ring_members: 0 };
    const drain = { status: 'down', draining: true };
    for (const path of ['/health', '/health/ready']) {
      const h = await probe(`${node.mgmt}${path}`);
      expect(h.status, path).toBe(503);
      expect(h.body).toEqual({ status: 'error', info: { cluster }, error: { drain }, details: { drain, cluster } });
    }
  });

  it('GET /health/live stays 200 while draining, and so does the client /healthz', async () => {
    expect((await probe(`${node.mgmt}/health/live`)).status).toBe(200);
    expect((await fetch(`${node.api}/healthz`)).status).toBe(200);
  });

  it('POST /dist/drain is idempotent: Drains stays 1 and `node draining` is logged once', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${node.mgmt}/dist/drain`, { method: 'POST' });
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ draining: true });
    }
    const metrics = await (await fetch(`${node.mgmt}/dist/metrics`)).json();
    expect(metrics).toMatchObject({ Drains: 1, MembersLeaving: 1, MembersAlive: 0 });
    const lines = logged(node, 'node draining');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', node_id: 'node-test' });
  });

  it('other management routes are still served while draining', async () => {
    const members = (await (await fetch(`${node.mgmt}/cluster/members`)).json()) as { members: unknown[] };
    expect(members.members).toEqual([{ ID: 'node-test', Address: '127.0.0.1:7946', State: 'draining', Incarnation: 1 }]);
    expect((await fetch(`${node.mgmt}/stats`)).status).toBe(200);
    expect((await fetch(`${node.mgmt}/metrics`)).status).toBe(200);
  });
});

describe('a node with seeds that has not joined yet', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ seeds: [{ kind: 'addr', host: '127.0.0.1', port: 1, raw: '127.0.0.1:1' }] });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('GET /health is 503 on the cluster indicator, /health/live is 200', async () => {
    const cluster = { status: 'down', joined: false, alive: 1, ring_members: 1 };
    const drain = { status: 'up', draining: false };
    const h = await probe(`${node.mgmt}/health/ready`);
    expect(h.status).toBe(503);
    expect(h.body).toEqual({ status: 'error', info: { drain }, error: { cluster }, details: { drain, cluster } });
    expect((await probe(`${node.mgmt}/health/live`)).status).toBe(200);
  });
});
