import { ConfigService } from '@nestjs/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORE } from '../../src/bootstrap/core-bridge.module.js';
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

  it('shares one core instance across the three apps', () => {
    const cores = [node.apps.client, node.apps.management, node.apps.dist].map((app) => app.get(CORE, { strict: false }));
    expect(cores[0]).toBe(node.core);
    expect(cores[1]).toBe(node.core);
    expect(cores[2]).toBe(node.core);
  });

  it('hands the configuration validated at boot to every app through ConfigModule (same object, no .env)', () => {
    for (const app of [node.apps.client, node.apps.management, node.apps.dist]) {
      const service = app.get(ConfigService, { strict: false });
      expect(service.get(CONFIG_NAMESPACE)).toBe(node.core.config);
    }
  });
});
