import { HypercacheClient } from '@hypercache/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CertFixtures, generateCerts } from '../support/certs.js';
import { json, send, tlsRequest } from '../support/http.js';
import { startTestNode, type TestNode } from '../support/in-process-node.js';

/** `GET /v1/topology` on one node (docs/api.md §1.17) and `HYPERCACHE_API_ADVERTISE_ADDR` (docs/configuration.md §1). */
interface Topology {
  replication: number;
  virtualNodes: number;
  hash: string;
  members: Array<{ id: string; url: string; state: string }>;
}

describe('GET /v1/topology on a single node', () => {
  let node: TestNode;
  let advertised: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ replication: 2, vnodes: 32 });
    advertised = await startTestNode({ nodeId: 'node-adv', apiAdvertiseAddr: 'cache-0.cache.svc:443' });
  });
  afterAll(async () => {
    await Promise.all([node.stop(), advertised.stop()]);
  });

  it('lists the node itself, with the bound port of an ephemeral API address', async () => {
    const r = await send(node.api, 'GET', '/v1/topology');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(json<Topology>(r)).toEqual({
      replication: 2,
      virtualNodes: 32,
      hash: 'xxhash64',
      members: [{ id: 'node-test', url: `http://127.0.0.1:${node.ports.api}`, state: 'alive' }],
    });
  });

  it('publishes HYPERCACHE_API_ADVERTISE_ADDR as given', async () => {
    expect(json<Topology>(await send(advertised.api, 'GET', '/v1/topology')).members).toEqual([
      { id: 'node-adv', url: 'http://cache-0.cache.svc:443', state: 'alive' },
    ]);
  });

  it('a draining node is not on its own ring', async () => {
    expect((await send(advertised.mgmt, 'POST', '/dist/drain')).status).toBe(200);
    expect(json<Topology>(await send(advertised.api, 'GET', '/v1/topology')).members).toEqual([]);
  });
});

describe('topology and the client over a TLS client API', () => {
  let certs: CertFixtures;
  let node: TestNode;
  beforeAll(async () => {
    certs = generateCerts();
    node = await startTestNode(
      { apiTls: { certFile: certs.server.certFile, keyFile: certs.server.keyFile } },
      { apiTls: { cert: certs.server.cert, key: certs.server.key } },
    );
  });
  afterAll(async () => {
    await node.stop();
    certs.remove();
  });

  it('advertises https:// and the client routes over it with the given CA', async () => {
    const r = await tlsRequest(`${node.api}/v1/topology`, { ca: certs.ca.cert });
    expect(json<Topology>(r).members[0]!.url).toBe(`https://127.0.0.1:${node.ports.api}`);
    const c = new HypercacheClient({ endpoints: [node.api], tls: { ca: certs.ca.cert } });
    try {
      expect((await c.put('tls-key', 'over tls')).owners).toEqual(['node-test']);
      expect(await c.getString('tls-key')).toBe('over tls');
    } finally {
      await c.close();
    }
  });
});
