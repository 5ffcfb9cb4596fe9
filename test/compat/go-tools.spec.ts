import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type ClusterNode, type Member, formed, Cluster } from '../support/cluster.js';
import { auth, client, getJson, mgmt } from '../support/http.js';
import { within } from '../support/poll.js';
import { sampleSum, scrapeNode } from '../support/prom-text.js';
import { killSpawnedNodes } from '../support/spawn-node.js';
import { type EventStream, type Frame, openEvents } from '../support/sse.js';
import { type GoShape, expectGoShape, goSchema } from './go-schemas.js';

/**
 * The management documents of a live 3-process cluster against the Go server's shapes
 * (`go-schemas/`), which the Go tools (hypercache-monitor) check strictly: one missing field or
 * unknown member state blanks a whole page there. One member drains (POST /dist/drain) so the
 * `draining` state shows in every view.
 */
const IDS = ['node-1', 'node-2', 'node-3'];
const VIEWS: Array<[string, GoShape]> = [
  ['/config', 'config'],
  ['/dist/metrics', 'dist-metrics'],
  ['/cluster/members', 'members'],
  ['/cluster/ring', 'ring'],
  ['/cluster/heartbeat', 'heartbeat'],
  ['/stats', 'stats'],
];

/** The payload shape of each SSE event type. */
const FRAME_SHAPES: Record<string, GoShape> = { members: 'members', member: 'member-event', heartbeat: 'heartbeat', draining: 'draining-event' };

async function expectViews(n: ClusterNode): Promise<void> {
  for (const [path, shape] of VIEWS) {
    const { status, body } = await getJson<unknown>(mgmt(n), path);
    expect(status, `${n.id} ${path}`).toBe(200);
    expectGoShape(shape, body, `${n.id} ${path}`);
  }
}

/** Reads frames until `stop` matches one, checking every payload against its Go shape on the way. */
async function readUntil(stream: EventStream, what: string, stop: (f: Frame) => boolean): Promise<Frame[]> {
  const seen: Frame[] = [];
  for (;;) {
    const f = await stream.next(10_000);
    if (!f) throw new Error(`stream ended before ${what}`);
    seen.push(f);
    if (f.event !== undefined) {
      const shape = FRAME_SHAPES[f.event];
      expect(shape, `known event ${f.event}`).toBeDefined();
      expectGoShape(shape!, f.data, `SSE ${f.event}`);
    }
    if (stop(f)) return seen;
  }
}

const dist = async (n: ClusterNode) => (await getJson<Record<string, number | string>>(mgmt(n), '/dist/metrics')).body;

describe('management JSON in the Go server\'s shapes, on a live 3-node cluster', () => {
  let nodes: ClusterNode[];
  beforeAll(async () => {
    nodes = await Cluster.launch(IDS, {
      HYPERCACHE_HEARTBEAT: '500ms', HYPERCACHE_GOSSIP_INTERVAL: '250ms', HYPERCACHE_MERKLE_INTERVAL: '500ms',
    });
    await within('3 alive members on every node', 20_000, () => formed(nodes, IDS));
  });
  afterAll(killSpawnedNodes);

  it('/config, /dist/metrics, /cluster/*, /stats validate on every node, with honest values for the Go-only fields', async () => {
    // A quorum read of a missing key asks the two other owners (RF 3 on 3 nodes): each finds no entry.
    const missesBefore = (await Promise.all(nodes.map(dist))).reduce((s, d) => s + Number(d.ReplicaGetMiss), 0);
    const r = await fetch(`${client(nodes[0]!)}/v1/cache/never-written`, { headers: { ...auth(), 'x-consistency': 'quorum' } });
    expect(r.status).toBe(404);
    await r.arrayBuffer();
    // A manual expiry sweep gives /stats samples; anti-entropy rounds run every 500 ms.
    for (const n of nodes) expect((await fetch(`${mgmt(n)}/trigger-expiration`, { method: 'POST', headers: auth() })).status).toBe(202);
    let last: unknown;
    await within('the two replica misses, an anti-entropy round and /stats samples on every node', 15_000, async () => {
      const ds = await Promise.all(nodes.map(dist));
      const stats = await Promise.all(nodes.map(async (n) => (await getJson<Record<string, unknown>>(mgmt(n), '/stats')).body));
      const misses = ds.reduce((sum, d) => sum + Number(d.ReplicaGetMiss), 0) - missesBefore;
      last = { misses, loops: ds.map((d) => d.AutoSyncLoops), stats: stats.map((x) => Object.keys(x)) };
      return misses >= 2 && ds.every((d) => Number(d.AutoSyncLoops) > 0) && stats.every((x) => Object.keys(x).length > 0);
    }).catch((err: unknown) => {
      throw new Error(`${String(err)}; last seen ${JSON.stringify(last)}`);
    });
    for (const n of nodes) await expectViews(n);

    for (const d of await Promise.all(nodes.map(dist))) {
      expect(Number(d.AutoSyncCleanTicks)).toBeLessThanOrEqual(Number(d.AutoSyncLoops));
      expect(Number(d.LastAutoSyncNanos)).toBeGreaterThan(0);
      // Empty after a successful round; a round that failed on this loaded machine names its peer.
      expect(d.LastAutoSyncError).toMatch(/^$|^with node-[123]: ./);
      expect(d).toMatchObject({ AutoSyncBackoffFactor: 1, ChaosDrops: 0, ChaosLatencies: 0 });
    }
    const config = (await getJson<Record<string, unknown>>(mgmt(nodes[0]!), '/config')).body;
    expect(config).toMatchObject({ evictionInterval: '0s', expirationInterval: '100ms' });
  });

  it('a draining member is `draining` in /cluster/members, the SSE member and members frames and the Prometheus labels', async () => {
    const [watcher, , leaver] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    const streams = await Promise.all([watcher, leaver].map((n) => openEvents(`${mgmt(n)}/cluster/events`, auth())));
    try {
      for (const s of streams) {
        expect(s.response.status).toBe(200);
        expect((await s.next())?.retry).toBe(5000);
        // The opening snapshots: members, then heartbeat, each in its Go shape.
        const opening = await readUntil(s, 'the opening heartbeat', (f) => f.event === 'heartbeat');
        expect(opening.map((f) => f.event)).toEqual(['members', 'heartbeat']);
      }

      const drain = await fetch(`${mgmt(leaver)}/dist/drain`, { method: 'POST', headers: auth() });
      expect([drain.status, await drain.json()]).toEqual([200, { draining: true }]);

      const isLeaverDraining = (f: Frame) => f.event === 'member' && f.data.ID === leaver.id && f.data.State === 'draining';
      const seen = await readUntil(streams[0]!, `${leaver.id} draining on ${watcher.id}`, isLeaverDraining);
      expect(seen.at(-1)!.data).toMatchObject({ Address: leaver.distAddr, Previous: 'alive' });
      const members = await readUntil(streams[0]!, 'the members frame after it', (f) => f.event === 'members');
      expect(members.at(-1)!.data.members.find((m: Member) => m.ID === leaver.id)?.State).toBe('draining');

      const own = await readUntil(streams[1]!, 'the draining frame', (f) => f.event === 'draining');
      expect(own.at(-1)!.data).toEqual({ node: leaver.id, draining: true });
      expect(own.find((f) => f.event === 'member')?.data).toMatchObject({ ID: leaver.id, State: 'draining', Previous: 'alive' });
    } finally {
      for (const s of streams) s.close();
    }

    // Every view of every node, the leaver's own included, shows it draining and validates.
    await within('the leaver draining in every view', 10_000, async () => {
      const views = await Promise.all(nodes.map(async (n) => (await getJson<{ members: Member[] }>(mgmt(n), '/cluster/members')).body.members));
      return views.every((ms) => ms.find((m) => m.ID === leaver.id)?.State === 'draining');
    });
    for (const n of nodes) await expectViews(n);
    expect(await dist(leaver)).toMatchObject({ Drains: 1, MembersLeaving: 1 });

    const samples = await scrapeNode(watcher);
    expect(sampleSum(samples, 'hypercache_members', { state: 'draining' })).toBe(1);
    expect(sampleSum(samples, 'hypercache_members', { state: 'leaving' })).toBeUndefined();
    expect(sampleSum(samples, 'hypercache_member_transitions_total', { to: 'draining' })).toBeGreaterThanOrEqual(1);
    expect(sampleSum(samples, 'hypercache_member_transitions_total', { to: 'leaving' })).toBeUndefined();
  });
});

describe('the committed management OpenAPI document states the Go shapes', () => {
  const doc = parse(readFileSync(new URL('../../openapi/management.yaml', import.meta.url), 'utf8'));
  const okSchema = (path: string) => doc.paths[path].get.responses['200'].content['application/json'].schema;

  it.each([
    ['/config', 'config'],
    ['/dist/metrics', 'dist-metrics'],
    ['/cluster/members', 'members'],
    ['/cluster/ring', 'ring'],
    ['/cluster/heartbeat', 'heartbeat'],
  ] as const)('%s requires every field of the Go shape with its JSON type', (path, shape) => {
    const go = goSchema(shape);
    const ours = okSchema(path);
    for (const field of go.required as string[]) {
      expect(ours.required, `${path} requires ${field}`).toContain(field);
      const type = go.properties[field].type;
      if (type) expect(ours.properties[field].type, `${path} ${field}`).toBe(type);
    }
  });

  it('the member State enum is alive, suspect, dead, draining', () => {
    const member = okSchema('/cluster/members').properties.members.items;
    expect(member.required).toEqual(goSchema('member').required);
    expect(member.properties.State.enum).toEqual(goSchema('member').properties.State.enum);
  });
});
