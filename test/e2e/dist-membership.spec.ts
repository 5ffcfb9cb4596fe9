import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsSeedResolver } from '../../src/membership/seed-resolver.js';
import { startTestNode, type TestNode } from '../support/in-process-node.js';
import { json, send } from '../support/http.js';

/** The membership operations on the dist listener (docs/peer-protocol.md §2–§4), one node in process. */
const TOKEN = 'peer-secret';
const headers = (sender = 'node-x') => ({ authorization: `Bearer ${TOKEN}`, 'x-hypercache-node': sender, 'content-type': 'application/json' });

describe('POST /peer/{ping,ping_req,gossip,join}', () => {
  let node: TestNode;
  const post = (op: string, body: unknown, h: Record<string, string> = headers()) =>
    send(node.dist, 'POST', `/peer/${op}`, { headers: h, body: typeof body === 'string' ? body : JSON.stringify(body) });

  beforeAll(async () => {
    node = await startTestNode({ nodeId: 'node-a', distToken: TOKEN, maxValueBytes: 1024, advertiseAddr: '127.0.0.1:7001' });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('ping: the responder\'s own record', async () => {
    const r = await post('ping', { op: 'ping', from: 'node-x', fromIncarnation: 1, fromState: 'alive' });
    expect(r.status).toBe(200);
    expect(json(r)).toEqual({ op: 'ping', id: 'node-a', incarnation: 1, state: 'alive' });
  });

  it('join: records the joiner alive and lists it with the incarnation it was given', async () => {
    const r = await post('join', { op: 'join', id: 'node-j', address: '127.0.0.1:1', incarnation: 1 }, headers('node-j'));
    expect(r.status).toBe(200);
    const reply = json<{ op: string; id: string; members: unknown[] }>(r);
    expect(reply.op).toBe('join');
    expect(reply.id).toBe('node-a');
    expect(reply.members).toContainEqual({ ID: 'node-j', Address: '127.0.0.1:1', State: 'alive', Incarnation: 1 });
    expect(node.core.node.members.get('node-j')?.State).toBe('alive');
    expect(node.core.node.isJoined()).toBe(true);
  });

  it('gossip: merges the pushed list and answers with its own', async () => {
    const r = await post('gossip', { op: 'gossip', members: [{ ID: 'node-g', Address: '127.0.0.1:2', State: 'suspect', Incarnation: 3 }] }, headers('node-j'));
    expect(r.status).toBe(200);
    expect(json<{ members: unknown[] }>(r).members).toContainEqual({ ID: 'node-g', Address: '127.0.0.1:2', State: 'suspect', Incarnation: 3 });
    expect(node.core.node.members.get('node-g')?.Incarnation).toBe(3);
  });

  it('ping_req: about itself reachable at once; about a silent address reachable false (after HEARTBEAT/2)', async () => {
    expect(json(await post('ping_req', { op: 'ping_req', target: 'node-a', address: '127.0.0.1:7001' }))).toEqual({ op: 'ping_req', reachable: true });
    const r = await post('ping_req', { op: 'ping_req', target: 'node-z', address: '127.0.0.1:1' });
    expect(r.status).toBe(200);
    expect(json(r)).toEqual({ op: 'ping_req', reachable: false });
  });

  it.each([
    ['not JSON', 'gossip', '{"op":', headers(), 'invalid gossip message: not JSON'],
    ['another op than the route', 'gossip', { op: 'ping', from: 'node-x', fromIncarnation: 1, fromState: 'alive' }, headers(), 'invalid gossip message: op: expected gossip'],
    ['an unknown state', 'gossip', { op: 'gossip', members: [{ ID: 'node-q', Address: 'h:1', State: 'zombie', Incarnation: 1 }] }, headers(), 'invalid gossip message: members[0].State: invalid state'],
    ['one bad record among good ones', 'gossip', { op: 'gossip', members: [{ ID: 'node-q', Address: 'h:1', State: 'alive', Incarnation: 1 }, { ID: 'bad id', Address: 'h:1', State: 'alive', Incarnation: 1 }] }, headers(), 'invalid gossip message: members[1].ID: invalid node ID'],
    ['a negative incarnation', 'join', { op: 'join', id: 'node-q', address: 'h:1', incarnation: -1 }, headers(), 'invalid join message: incarnation: invalid incarnation'],
    ['no sender header', 'ping', { op: 'ping', from: 'node-x', fromIncarnation: 1, fromState: 'alive' }, { authorization: `Bearer ${TOKEN}` }, 'missing or invalid X-Hypercache-Node header'],
  ])('%s → 400 BAD_REQUEST, nothing applied', async (_name, op, body, h, error) => {
    const version = node.core.node.members.membershipVersion;
    const r = await post(op, body, h as Record<string, string>);
    expect(r.status).toBe(400);
    expect(json(r)).toEqual({ error, code: 'BAD_REQUEST' });
    expect(node.core.node.members.membershipVersion).toBe(version);
    expect(node.core.node.members.get('node-q')).toBeUndefined();
  });

  it('a body over 4 × MAX_VALUE_BYTES + 1 MiB → 413; without the peer token → 401 before the body is read', async () => {
    const limit = 4 * 1024 + 1024 * 1024;
    const big = JSON.stringify({ op: 'gossip', members: [], pad: 'x'.repeat(limit) });
    const r = await post('gossip', big);
    expect(r.status).toBe(413);
    expect(json(r)).toEqual({ error: `request body exceeds ${limit} bytes`, code: 'PAYLOAD_TOO_LARGE' });
    expect((await post('gossip', big, { 'x-hypercache-node': 'node-x' })).status).toBe(401);
  });

  it('an unknown peer operation → 404', async () => {
    const r = await post('replicate_everything', {});
    expect(r.status).toBe(404);
    expect(json(r)).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('dns+ seed resolution', () => {
  it('IP literals pass through (IPv6 bracketed); hosts-file names resolve through the system resolver', async () => {
    const found = await dnsSeedResolver()([
      { host: '127.0.0.1', port: 7001 },
      { host: '::1', port: 7002 },
      { host: 'localhost', port: 7003 },
    ]);
    expect(found).toEqual(expect.arrayContaining(['127.0.0.1:7001', '[::1]:7002']));
    expect(found.some((a) => a === '127.0.0.1:7003' || a === '[::1]:7003')).toBe(true);
  });
});
