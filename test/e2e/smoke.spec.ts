import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_POLICY, CONFIG, LOGGER, NODE } from '../../src/seams/tokens.js';
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
});
