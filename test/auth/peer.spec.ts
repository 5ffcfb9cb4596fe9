import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PeerClient, PeerResponseTooLargeError, createPeerClient } from '../../src/peer/peer-client.js';
import { PeerContacts } from '../../src/peer/peer-contacts.js';
import { PEER_HEADERS, PROTOCOL_VERSION } from '../../src/peer/peer-protocol.js';
import { startTestNode, type TestNode } from '../support/in-process-node.js';
import { json, send } from '../support/http.js';

/** docs/auth.md §6 (peer token on the dist listener) and docs/peer-protocol.md §1 (what every peer request carries). */
const UNAUTHORIZED = { error: 'unauthorized', code: 'UNAUTHORIZED' };
const addressOf = (node: TestNode) => `127.0.0.1:${node.ports.dist}`;
const health = (node: TestNode, headers: Record<string, string> = {}) => send(node.dist, 'GET', '/health', { headers });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('peer token: HYPERCACHE_DIST_TOKEN overrides HYPERCACHE_AUTH_TOKEN', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ nodeId: 'node-a', distToken: 'peer-a', authToken: 'client-a' });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('GET /health without the token → 401 with WWW-Authenticate, counted', async () => {
    const before = node.core.node.counters.authFailures.get('dist|unauthenticated') ?? 0;
    const r = await health(node);
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Bearer');
    expect(json(r)).toEqual(UNAUTHORIZED);
    expect(node.core.node.counters.authFailures.get('dist|unauthenticated')).toBe(before + 1);
  });

  it.each([
    ['a wrong token', 'Bearer nope'],
    ['the client token (overridden by the dist token)', 'Bearer client-a'],
    ['a lower-case scheme', 'bearer peer-a'],
    ['two spaces', 'Bearer  peer-a'],
    ['a prefix of the token', 'Bearer peer-'],
  ])('%s → 401', async (_name, authorization) => {
    const r = await health(node, { authorization });
    expect(r.status).toBe(401);
    expect(json(r)).toEqual(UNAUTHORIZED);
  });

  it('the peer token → 200', async () => {
    const r = await health(node, bearer('peer-a'));
    expect(r.status).toBe(200);
    expect(json(r)).toEqual({ status: 'ok', node: 'node-a' });
  });

  it('the client token does not open the dist listener, nor the peer token the client API', async () => {
    expect((await send(node.api, 'GET', '/v1/me', { headers: bearer('peer-a') })).status).toBe(401);
    expect((await send(node.api, 'GET', '/v1/me', { headers: bearer('client-a') })).status).toBe(200);
  });
});

describe('peer token from HYPERCACHE_AUTH_TOKEN alone', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ authToken: 'shared' });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('401 without it, 200 with it', async () => {
    expect((await health(node)).status).toBe(401);
    expect((await health(node, bearer('shared'))).status).toBe(200);
  });
});

describe('no peer token and no peer TLS: the dist listener is open', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(async () => {
    await node.stop();
  });

  it('GET /health answers without credentials, and ignores any', async () => {
    expect((await health(node)).status).toBe(200);
    expect((await health(node, bearer('whatever'))).status).toBe(200);
  });
});

describe('protocol version (docs/peer-protocol.md §1)', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ distToken: 'peer' });
  });
  afterAll(async () => {
    await node.stop();
  });

  it.each(['2', '2.0', '2.7'])('major version 2 (%s) is served', async (version) => {
    expect((await health(node, { ...bearer('peer'), [PEER_HEADERS.protocol]: version })).status).toBe(200);
  });

  it.each(['1', '1.9', '3', '0', '3.0', 'abc', '', '2,2'])('%j → 400 unsupported protocol version', async (version) => {
    const r = await health(node, { ...bearer('peer'), [PEER_HEADERS.protocol]: version });
    expect(r.status).toBe(400);
    expect(json(r)).toEqual({ error: `unsupported protocol version ${version}`, code: 'BAD_REQUEST' });
  });

  it('authentication comes first: a bad version without the token is 401', async () => {
    expect((await health(node, { [PEER_HEADERS.protocol]: '1' })).status).toBe(401);
  });
});

describe('authenticated peer requests count as contact with their sender', () => {
  let node: TestNode;
  let contacts: string[];
  beforeAll(async () => {
    node = await startTestNode({ distToken: 'peer' });
    contacts = [];
    node.apps.dist.get(PeerContacts).subscribe((id) => contacts.push(id));
  });
  afterAll(async () => {
    await node.stop();
  });

  it('only authenticated requests with a valid sender ID and protocol version are contact', async () => {
    await health(node, { ...bearer('peer'), [PEER_HEADERS.sender]: 'node-x' });
    await health(node, { [PEER_HEADERS.sender]: 'node-unauthenticated' });
    await health(node, { ...bearer('peer'), [PEER_HEADERS.sender]: 'node-old', [PEER_HEADERS.protocol]: '1' });
    await health(node, { ...bearer('peer'), [PEER_HEADERS.sender]: 'not a node id' });
    await health(node, bearer('peer'));
    expect(contacts).toEqual(['node-x']);
  });
});

describe('peer client against the dist listener', () => {
  let a: TestNode;
  let b: TestNode;
  let c: TestNode;
  beforeAll(async () => {
    [a, b, c] = await Promise.all([
      startTestNode({ nodeId: 'node-a', distToken: 'cluster-1' }),
      startTestNode({ nodeId: 'node-b', distToken: 'cluster-2' }),
      startTestNode({ nodeId: 'node-c', distToken: 'cluster-1' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a, b, c].map((n) => n.stop()));
  });

  it('nodes sharing a token talk; a node with another token gets 401', async () => {
    const client = createPeerClient(a.core.config, a.core.logger);
    const contacts: string[] = [];
    c.apps.dist.get(PeerContacts).subscribe((id) => contacts.push(id));
    try {
      const ok = await client.call(addressOf(c), { method: 'GET', path: '/health', timeoutMs: 2000 });
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body.toString())).toEqual({ status: 'ok', node: 'node-c' });
      expect(contacts).toEqual(['node-a']);
      const refused = await client.call(addressOf(b), { method: 'GET', path: '/health', timeoutMs: 2000 });
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.body.toString())).toEqual(UNAUTHORIZED);
    } finally {
      await client.close();
    }
  });

  it('without a token configured, the client sends no Authorization header (401 on a closed peer)', async () => {
    const client = createPeerClient({ ...a.core.config, distToken: undefined }, a.core.logger);
    try {
      expect((await client.call(addressOf(a), { method: 'GET', path: '/health', timeoutMs: 2000 })).status).toBe(401);
    } finally {
      await client.close();
    }
  });
});

describe('peer client mechanics (against a stub peer)', () => {
  let server: Server;
  let address: string;
  const seen: IncomingHttpHeaders[] = [];
  let connections = 0;
  const logs: Array<Record<string, unknown>> = [];
  const logger = { error: (obj: Record<string, unknown>, msg: string) => logs.push({ ...obj, msg }) } as never;
  const client = (max = 1024) => new PeerClient({ nodeId: 'node-s', token: 'peer-s', maxResponseBytes: max, logger });

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      if (req.url === '/hang') return;
      if (req.url === '/slow') return void setTimeout(() => res.end('slow'), 50);
      if (req.url === '/big') return void res.end(Buffer.alloc(4096));
      if (req.url === '/old') {
        res.writeHead(400, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ error: 'unsupported protocol version 1', code: 'BAD_REQUEST' }));
      }
      req.resume();
      req.on('end', () => res.end('pong'));
    });
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sends the peer token, sender ID and protocol version, and reuses keep-alive connections', async () => {
    const peer = client();
    seen.length = 0;
    const before = connections;
    try {
      for (let i = 0; i < 6; i++) {
        const r = await peer.call(address, { method: 'POST', path: '/x', body: 'ping', contentType: 'application/octet-stream', timeoutMs: 2000 });
        expect(r.body.toString()).toBe('pong');
      }
    } finally {
      await peer.close();
    }
    expect(connections - before).toBeLessThanOrEqual(2);
    expect(seen).toHaveLength(6);
    for (const h of seen) {
      expect(h.authorization).toBe('Bearer peer-s');
      expect(h[PEER_HEADERS.sender]).toBe('node-s');
      expect(h[PEER_HEADERS.protocol]).toBe(String(PROTOCOL_VERSION));
      expect(h['content-type']).toBe('application/octet-stream');
    }
  });

  it('opens at most 16 connections to one peer', async () => {
    const peer = client();
    const before = connections;
    try {
      const calls = Array.from({ length: 40 }, () => peer.call(address, { method: 'GET', path: '/slow', timeoutMs: 5000 }));
      expect((await Promise.all(calls)).every((r) => r.status === 200)).toBe(true);
    } finally {
      await peer.close();
    }
    expect(connections - before).toBe(16);
  });

  it('every call has a deadline', async () => {
    const peer = client();
    const started = Date.now();
    try {
      await expect(peer.call(address, { method: 'GET', path: '/hang', timeoutMs: 200 })).rejects.toMatchObject({ name: 'TimeoutError' });
    } finally {
      await peer.close();
    }
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a response over the message limit fails the call', async () => {
    const peer = client(1024);
    try {
      await expect(peer.call(address, { method: 'GET', path: '/big', timeoutMs: 2000 })).rejects.toBeInstanceOf(PeerResponseTooLargeError);
      expect((await peer.call(address, { method: 'GET', path: '/x', timeoutMs: 2000 })).status).toBe(200);
    } finally {
      await peer.close();
    }
  });

  it('a peer refusing the protocol version is logged at error', async () => {
    const peer = client();
    try {
      expect((await peer.call(address, { method: 'GET', path: '/old', timeoutMs: 2000 })).status).toBe(400);
    } finally {
      await peer.close();
    }
    expect(logs).toEqual([
      { peer: address, protocol_version: PROTOCOL_VERSION, error: 'unsupported protocol version 1', msg: 'peer rejected protocol version' },
    ]);
  });
});
