import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterNode, formed, Cluster } from '../support/cluster.js';
import { auth, client, getJson, mgmt } from '../support/http.js';
import { within } from '../support/poll.js';
import { killSpawnedNodes } from '../support/spawn-node.js';

/**
 * Replication over the wire (docs/cluster.md §4, §7, §5, §9.1 I1/I4/I6): three real processes, RF 3.
 * HEARTBEAT is 10 s where the invariant needs stopped nodes to stay on the ring.
 */
const IDS = ['node-1', 'node-2', 'node-3'];
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
/** The default HYPERCACHE_MAX_VALUE_BYTES. */
const MAX_VALUE_BYTES = 4 * 1024 * 1024;

interface PutReply {
  status: number;
  acks: string | null;
  body: Record<string, unknown>;
}

async function put(n: ClusterNode, key: string, value: Buffer, consistency = 'quorum'): Promise<PutReply> {
  const r = await fetch(`${client(n)}/v1/cache/${encodeURIComponent(key)}`, {
    method: 'PUT',
    headers: { ...auth(), 'content-type': 'application/octet-stream', 'x-consistency': consistency },
    body: value,
  });
  return { status: r.status, acks: r.headers.get('x-cache-acks'), body: (await r.json()) as Record<string, unknown> };
}

async function getRaw(n: ClusterNode, key: string, consistency = 'one'): Promise<{ status: number; body: Buffer }> {
  const r = await fetch(`${client(n)}/v1/cache/${encodeURIComponent(key)}`, { headers: { ...auth(), 'x-consistency': consistency } });
  return { status: r.status, body: Buffer.from(await r.arrayBuffer()) };
}

async function getBase64(n: ClusterNode, key: string): Promise<Buffer> {
  const r = await fetch(`${client(n)}/v1/cache/${encodeURIComponent(key)}`, { headers: { ...auth(), accept: 'application/json' } });
  const body = (await r.json()) as { value: string; value_encoding: string };
  expect(body.value_encoding).toBe('base64');
  return Buffer.from(body.value, 'base64');
}

const ownersOf = async (n: ClusterNode, key: string) =>
  (await getJson<{ owners: string[] }>(client(n), `/v1/owners/${encodeURIComponent(key)}`)).body.owners;
const metrics = async (n: ClusterNode) => (await getJson<Record<string, number>>(mgmt(n), '/dist/metrics')).body;

/** A key whose primary (first owner) is `id`. */
async function keyWithPrimary(n: ClusterNode, id: string, prefix: string): Promise<{ key: string; owners: string[] }> {
  for (let i = 0; ; i++) {
    const owners = await ownersOf(n, `${prefix}-${i}`);
    if (owners[0] === id) return { key: `${prefix}-${i}`, owners };
  }
}

describe('replication across 3 processes, RF 3, HEARTBEAT 10s', () => {
  let nodes: ClusterNode[];
  beforeAll(async () => {
    nodes = await Cluster.launch(IDS, { HYPERCACHE_HEARTBEAT: '10s', HYPERCACHE_GOSSIP_INTERVAL: '250ms', HYPERCACHE_REPLICATION: '3' });
    await within('3 alive members on every node', 10_000, () => formed(nodes, IDS));
  });
  afterAll(killSpawnedNodes);

  it('I1: a value PUT on one node reads back byte-exact, raw and base64, from every node', async () => {
    const [a, b, c] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    for (const [key, value] of [['i1-bytes', ALL_BYTES], ['i1-empty', Buffer.alloc(0)], ['i1-max', randomBytes(MAX_VALUE_BYTES)]] as const) {
      const w = await put(a, key, value, 'all');
      expect(w.status).toBe(200);
      expect(w.acks).toBe('3/3');
      expect(w.body.node).toBe('node-1');
      for (const n of [a, b, c]) {
        const raw = await getRaw(n, key);
        expect(raw.status, `${key} on ${n.id}`).toBe(200);
        expect(raw.body.equals(value), `${key} raw on ${n.id}`).toBe(true);
        expect((await getBase64(n, key)).equals(value), `${key} base64 on ${n.id}`).toBe(true);
      }
    }
  });

  it('I4: PUT (quorum) on A, then GET with X-Consistency: quorum on every node gives the new value', async () => {
    for (let i = 0; i < 10; i++) {
      const key = `i4-${i}`;
      const value = Buffer.from(`value-${i}-${Date.now()}`);
      const w = await put(nodes[i % 3]!, key, value, 'quorum');
      expect(w.status).toBe(200);
      expect(['2/3', '3/3']).toContain(w.acks);
      for (const n of nodes) {
        const r = await getRaw(n, key, 'quorum');
        expect(r.status).toBe(200);
        expect(r.body.toString()).toBe(value.toString());
      }
    }
  });

  it('with the primary stopped (not yet dead), an unconditional PUT via another owner is coordinated there → 200 at once, owners unchanged', async () => {
    // RF 3 on 3 nodes: every entry node is an owner, so nothing is forwarded (promotion through a
    // non-owner entry is I7 in faults/quorum-promotion.spec.ts).
    const [a, , c] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    const { key, owners } = await keyWithPrimary(a, 'node-3', 'i7');
    const before = await metrics(a);
    c.kill('SIGSTOP');
    try {
      const started = Date.now();
      const w = await put(a, key, Buffer.from('promoted'));
      const elapsed = Date.now() - started;
      expect(w.status).toBe(200);
      expect(w.body.owners).toEqual(owners);
      expect(w.acks).toBe('2/3');
      const after = await metrics(a);
      expect(after.WriteForwardPromotion).toBe(before.WriteForwardPromotion);
      expect(after.ForwardSet).toBe(before.ForwardSet);
      expect(after.WriteAttempts).toBe(before.WriteAttempts! + 1);
      // No forward to the stopped primary, so no 5 s coordinate timeout: the co-owner's ack answers.
      expect(elapsed).toBeLessThan(4500);
      expect((await getRaw(nodes[1]!, key)).body.toString()).toBe('promoted');
    } finally {
      c.kill('SIGCONT');
    }
    // Once resumed, the primary gets the replicate (or its hint, or repair).
    await within('the resumed primary holds k', 5_000, async () => (await getRaw(c, key)).body.toString() === 'promoted', 100);
  }, 20_000);

  it('I6: two nodes stopped → PUT on the third is 503 QUORUM_NOT_MET, X-Cache-Acks 1/3, and GET on it returns the value', async () => {
    const [a, b, c] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    b.kill('SIGKILL');
    c.kill('SIGKILL');
    await Promise.all([b.exited, c.exited]);
    const w = await put(a, 'i6', Buffer.from('lonely'));
    expect(w.status).toBe(503);
    expect(w.body).toEqual({ error: 'write quorum not met: 1 of 2 acks', code: 'QUORUM_NOT_MET' });
    expect(w.acks).toBe('1/3');
    const r = await getRaw(a, 'i6');
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('lonely');
    expect((await metrics(a)).WriteQuorumFailures).toBeGreaterThanOrEqual(1);
  });
});

describe('continuous QUORUM writes while one node of three is SIGKILLed', () => {
  let nodes: ClusterNode[];
  beforeAll(async () => {
    nodes = await Cluster.launch(IDS, { HYPERCACHE_HEARTBEAT: '500ms', HYPERCACHE_GOSSIP_INTERVAL: '250ms', HYPERCACHE_REPLICATION: '3' });
    await within('3 alive members on every node', 10_000, () => formed(nodes, IDS));
  });
  afterAll(killSpawnedNodes);

  it('zero failed writes; every written key reads back at quorum', async () => {
    const [a, b, c] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    const TOTAL = 300;
    const CONCURRENCY = 4;
    const failures: string[] = [];
    const before: number[] = [];
    const after: number[] = [];
    let next = 0;
    let killedAt = -1;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= TOTAL) return;
        if (i === 100) {
          killedAt = i;
          c.kill('SIGKILL');
        }
        const entry = i % 2 === 0 ? a : b;
        const started = performance.now();
        try {
          const w = await put(entry, `load-${i}`, Buffer.from(`v${i}`));
          if (w.status !== 200) failures.push(`load-${i}: ${w.status} ${JSON.stringify(w.body)}`);
        } catch (err) {
          failures.push(`load-${i}: ${String(err)}`);
        }
        (killedAt < 0 ? before : after).push(performance.now() - started);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(killedAt).toBe(100);
    expect(failures).toEqual([]);
    const summary = (xs: number[]) => {
      const sorted = [...xs].sort((x, y) => x - y);
      const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(1);
      return `n=${xs.length} p50 ${pct(50)} p99 ${pct(99)} max ${pct(100)} ms`;
    };
    console.log(`replication load: ${TOTAL} quorum writes, ${failures.length} failed; before the kill ${summary(before)}; from the kill on ${summary(after)}`);
    for (let i = 0; i < TOTAL; i += 7) {
      const r = await getRaw(i % 2 === 0 ? b : a, `load-${i}`, 'quorum');
      expect(r.status, `load-${i}`).toBe(200);
      expect(r.body.toString()).toBe(`v${i}`);
    }
  }, 60_000);
});
