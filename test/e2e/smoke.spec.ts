import { ConfigService } from '@nestjs/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_POLICY, CONFIG, LOGGER, NODE } from '../../src/seams/tokens.js';
import { CONFIG_NAMESPACE } from '../../src/config/config.namespace.js';
import { startTestNode, type TestNode } from '../support/in-process-node.js';

describe('three listeners in one process', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(async () => {
    await node.stop();
  });

  it('serves /healthz on the client API only', async () => {
    const r = await fetch(`${node.api}/healthz`);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('ok');
    expect(r.headers.get('x-cache-node')).toBe('node-test');
    const m = await fetch(`${node.mgmt}/healthz`);
    expect(m.status).toBe(404);
    expect(await m.json()).toEqual({ error: 'route not found', code: 'NOT_FOUND' });
  });

  it('serves dist GET /health', async () => {
    const r = await fetch(`${node.dist}/health`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'ok', node: 'node-test' });
  });

  it('shares the objects built once per process across the three apps (the seam tokens)', () => {
    const apps = [node.apps.client, node.apps.management, node.apps.dist];
    const seams = [[NODE, node.core.node], [CONFIG, node.core.config], [LOGGER, node.core.logger], [AUTH_POLICY, node.core.auth]] as const;
    for (const app of apps) for (const [token, value] of seams) expect(app.get(token, { strict: false })).toBe(value);
  });

  it('hands the configuration validated at boot to every app through ConfigModule (same object, no .env, no process.env)', () => {
    expect(process.env.PATH).toBeTruthy();
    for (const app of [node.apps.client, node.apps.management, node.apps.dist]) {
      const service = app.get(ConfigService, { strict: false });
      expect(service.get(CONFIG_NAMESPACE)).toBe(node.core.config);
      expect(service.get('PATH')).toBeUndefined();
    }
  });

  it('a second node in the same process reads its own configuration, and the first keeps its own', async () => {
    const other = await startTestNode({ nodeId: 'node-other', maxValueBytes: 4096 });
    try {
      const configOf = (n: TestNode) => n.apps.client.get(ConfigService, { strict: false }).get(CONFIG_NAMESPACE);
      expect(configOf(other)).toMatchObject({ nodeId: 'node-other', maxValueBytes: 4096 });
      expect(configOf(node)).toBe(node.core.config);
      expect(configOf(node).nodeId).toBe('node-test');
      // The batch body limit (4 × MAX_VALUE_BYTES, read through the ConfigModule namespace by the batch controller) is each node its own.
      const body = JSON.stringify({ items: [{ key: 'big', value: 'x'.repeat(4 * 4096) }] });
      const batchPut = (n: TestNode) => fetch(`${n.api}/v1/cache/batch/put`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      const tooLarge = await batchPut(other);
      expect(tooLarge.status).toBe(413);
      expect(await tooLarge.json()).toEqual({ error: `request body exceeds ${4 * 4096} bytes`, code: 'PAYLOAD_TOO_LARGE' });
      expect((await batchPut(node)).status).toBe(200);
    } finally {
      await other.stop();
    }
  });
});
